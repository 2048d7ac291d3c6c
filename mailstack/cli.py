"""The `mailstack` command line: one subcommand per module in `mailstack.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from mailstack import __version__

# Exit code for bad usage, shared by every subcommand (argparse uses it too).
USAGE_ERROR = 2

SUBCOMMAND_MODULES = (
    "mailstack.commands.plan",
    "mailstack.commands.verify",
    "mailstack.commands.demo",
    "mailstack.commands.relay_config",
)


class UsageError(Exception):
    """A problem with what the user asked for; printed without a traceback, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailstack",
        description="Plan, configure and verify authenticated email sending platforms.",
    )
    parser.add_argument("--version", action="version", version=f"mailstack {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as error:
        print(f"mailstack {args.command}: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code
