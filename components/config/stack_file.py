"""Reading a stack settings file (`stacks/Pulumi.<env>.yaml` format) into its raw `config:` map.

Every reader of settings files comes through here, so the input limits hold everywhere: at most
MAX_FILE_BYTES, UTF-8, one YAML document loaded by `safe_yaml` (no aliases, bounded depth, no
duplicate keys, only values Pulumi config can hold).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from components.config.problems import MISSING, ConfigError, ConfigProblem
from components.config.safe_yaml import YamlLimitError, load_yaml

MAX_FILE_BYTES = 1024 * 1024


class StackFileError(ConfigError):
    """The file itself cannot be used as a settings file (unreadable, too large, not within the
    YAML limits, no `config:` mapping), as opposed to settings in it that are invalid."""


def _fail(path: str, message: str) -> StackFileError:
    return StackFileError([ConfigProblem(path, MISSING, message)])


def read_stack_settings(path: str | Path, namespace: str) -> dict[str, Any]:
    """The raw `config:` mapping of the settings file at `path`.

    Raises StackFileError when the file is unusable, ConfigError for encrypted values.
    """
    file = str(path)
    try:
        # Non-blocking, so a FIFO named as the file cannot stall the read before it is refused.
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise _fail(file, f"cannot read file: {error.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise _fail(file, "is a directory; expected a stack settings file")
        if not stat.S_ISREG(mode):
            raise _fail(file, "is not a regular file; expected a stack settings file")
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise _fail(file, f"cannot read file: {error.strerror}") from None
    return parse_stack_settings(data, file, namespace)


def parse_stack_settings(data: bytes, source: str, namespace: str) -> dict[str, Any]:
    """The raw `config:` mapping of a settings file's bytes, keys as `namespace:key`."""
    if len(data) > MAX_FILE_BYTES:
        raise _fail(source, f"larger than {MAX_FILE_BYTES // 1024} KiB; a settings file is small")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(source, "not a text file; expected UTF-8 YAML") from None
    try:
        document = load_yaml(text)
    except YamlLimitError as error:
        where = f"{source} line {error.line}, column {error.column}"
        raise _fail(error.path or source, f"{error.message} ({where})") from None
    except yaml.YAMLError as error:
        raise _fail(source, f"not valid YAML: {_yaml_error(error)}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise _fail(source, "expected a stack settings file with a `config:` mapping")
    if "config" not in document and any(":" in key for key in document):
        raise _fail(
            source,
            "no `config:` mapping; put the settings under `config:` "
            f"(as `config:\\n  {next(k for k in document if ':' in k)}: ...`)",
        )
    settings = document.get("config") or {}
    if not isinstance(settings, dict):
        raise _fail("config", "expected a mapping of `namespace:key: value` settings")
    config: dict[str, Any] = {}
    written_as: dict[str, str] = {}
    for key, value in settings.items():
        # Pulumi reads a key without a namespace as the project's own.
        full = key if ":" in key else f"{namespace}:{key}"
        if full in config:
            raise _fail(
                f"config.{key}", f"the same setting as config.{written_as[full]}; keep one of them"
            )
        config[full] = value
        written_as[full] = key
    encrypted = [path for key, value in config.items() for path in secure_paths(value, key)]
    if encrypted:
        raise ConfigError(
            [
                ConfigProblem(
                    path,
                    "secure: ...",
                    "an encrypted value cannot be read offline; `pulumi up` decrypts it, for "
                    "`mailstack plan` use a copy of the file with a stand-in value",
                )
                for path in encrypted
            ]
        )
    return config


def _yaml_error(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return f"{error.problem or error.context}{where}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def secure_paths(value: Any, path: str) -> list[str]:
    """Key paths of `secure:` (encrypted) values, which only the Pulumi CLI can decrypt."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return [path]
        return [p for key, item in value.items() for p in secure_paths(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [
            p for index, item in enumerate(value) for p in secure_paths(item, f"{path}[{index}]")
        ]
    return []
