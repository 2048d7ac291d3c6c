"""`--stack NAME | --config FILE`: how every command names the stack settings it reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from components.config.model import read_stack_file, stack_file_path
from components.config.problems import ConfigError
from components.config.stack_file import StackFileError
from mailstack.cli import UsageError


def add_stack_source(
    parser: argparse.ArgumentParser, verb: str, default_stack: str | None = None
) -> None:
    source = parser.add_mutually_exclusive_group(required=default_stack is None)
    source.add_argument(
        "--stack", metavar="NAME", default=default_stack, help=f"{verb} stacks/Pulumi.NAME.yaml"
    )
    source.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help=f"{verb} a stack settings file (the stacks/Pulumi.<env>.yaml format) anywhere on disk",
    )


def stack_settings_path(args: argparse.Namespace) -> Path:
    """The settings file the arguments name; a usage error when it is not a usable file."""
    path: Path = args.config if args.config is not None else stack_file_path(args.stack)
    if path.is_dir():
        raise UsageError(f"stack settings file {path} is a directory; expected a file")
    if not path.exists():
        raise UsageError(f"stack settings file {path} does not exist")
    if not path.is_file():
        raise UsageError(f"stack settings file {path} is not a regular file")
    try:
        read_stack_file(path)
    except StackFileError as error:
        # A file that cannot be read as settings is a wrong argument, like a missing file.
        problems = "\n".join(f"  - {problem}" for problem in error.problems)
        raise UsageError(f"stack settings file {path} cannot be used:\n{problems}") from None
    except ConfigError:
        pass  # the settings themselves: reported by the command that loads them
    return path
