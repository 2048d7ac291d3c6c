"""Collecting every config problem at once, each naming its key path, value and what is allowed."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from components.config.secrets import Hidden, may_show_key, scrub, shown_value
from components.records.plain_text import control_character_problem, is_refused

T = TypeVar("T")
# Key names an error message shows as written; any other key is described, not echoed.
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        # Terminal-safe: nothing a user wrote may move the cursor or end the line it is on.
        if self.value is _MISSING:
            return f"{_escaped(self.path)}: {_escaped(self.allowed)}"
        return f"{_escaped(self.path)}: {_show(self.value)} is not valid; {_escaped(self.allowed)}"


class ConfigError(Exception):
    """Raised with every problem found, so a user fixes them all in one round."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"invalid stack configuration ({len(self.problems)} problem(s)):"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(missing)"
    if isinstance(value, Hidden):
        return repr(value)
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=_default)
    except (TypeError, ValueError, RecursionError):
        text = f"({type(value).__name__})"
    text = _escaped(text)
    return text if len(text) <= 120 else text[:117] + "..."


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    return str(value)


def _escaped(text: str) -> str:
    """`text` with every control, separator and format character as a visible escape."""
    if not any(is_refused(char) for char in text):
        return text
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if is_refused(c) else c
        for c in text
    )


def shown_key(key: Any, section_path: str = "") -> str:
    """A mapping key as a key path may show it: as written when it is a name."""
    if isinstance(key, str) and _KEY_NAME.fullmatch(key) and may_show_key(section_path, key):
        return key
    return "<a key that is not a name>"


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING: Any = _Missing()
MISSING: Any = _MISSING


@dataclass
class Problems:
    """A sink for problems; parsers keep going after one so all are reported together.

    `secret_keys` are top-level keys (`mailstack:alerts`) whose values are secrets, e.g. those
    Pulumi decrypted from `secure:`; no problem below them shows its value.
    """

    found: list[ConfigProblem] = field(default_factory=list)
    secret_keys: Collection[str] = ()

    def add(self, path: str, value: Any, allowed: str, *, unknown_key: bool = False) -> None:
        shown = shown_value(path, value, self.secret_keys, unknown_key)
        if isinstance(shown, Hidden) and shown is not value:
            allowed = scrub(allowed, value)
        self.found.append(ConfigProblem(path, shown, allowed))

    def plain(self, path: str, value: Any) -> bool:
        """Report every string inside `value` holding a control character; True when none does.

        The choke point for text: every config value passes here before any parser reads it.
        """
        found = _control_problems(path, value)
        for where, text, problem in found:
            self.add(where, text, problem)
        return not found

    def raise_if_any(self) -> None:
        if self.found:
            raise ConfigError(self.found)

    def __len__(self) -> int:
        return len(self.found)


def _control_problems(path: str, value: Any) -> list[tuple[str, str, str]]:
    """(path, text, problem) for each string with a control character in `value`'s scalars and
    lists; a mapping inside is checked by the Section that parses it."""
    if isinstance(value, str):
        problem = control_character_problem(value)
        return [(path, value, problem)] if problem else []
    if isinstance(value, list | tuple):
        return [
            found
            for index, item in enumerate(value)
            for found in _control_problems(f"{path}[{index}]", item)
        ]
    return []


class Section:
    """A mapping being parsed at a key path: typed getters that report instead of raising.

    Every string value of the mapping (and of its lists) passes the control-character check
    here, once; a refused key then reads as unset, so no getter or parser ever sees it.
    """

    def __init__(
        self, raw: Any, path: str, problems: Problems, allowed_keys: Sequence[str]
    ) -> None:
        self.path = path
        self.problems = problems
        # A section that is not a mapping was reported once; its keys then count as unset
        # without a "required" problem each, which would only repeat that report.
        self.malformed = False
        self.refused: set[str] = set()
        if raw is None or raw is MISSING:
            raw = {}
        if not isinstance(raw, Mapping):
            problems.add(path, raw, "expected a mapping of keys to values")
            self.malformed = True
            raw = {}
        for key in raw:
            if key not in allowed_keys:
                shown = shown_key(key, path)
                problems.add(
                    self.key_path(shown),
                    raw[key],
                    f"unknown key {_escaped(repr(shown))}; allowed keys are"
                    f" {', '.join(allowed_keys)}",
                    unknown_key=True,
                )
            elif not problems.plain(self.key_path(key), raw[key]):
                self.refused.add(key)
        self.raw: Mapping[str, Any] = {
            key: value for key, value in raw.items() if key not in self.refused
        }

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def required(self, key: str, allowed: str) -> None:
        """Report `key` as missing, unless the section itself was already reported."""
        if not self.malformed and key not in self.refused:
            self.problems.add(self.key_path(key), MISSING, allowed)

    def has(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

    def reported(self, key: str) -> bool:
        """True when `key` was refused already (a control character), so it is not missing."""
        return key in self.refused

    def value(self, key: str) -> Any:
        return self.raw.get(key, MISSING)

    def choice(self, key: str, allowed: Sequence[str], default: str | None = None) -> str:
        value = self.raw.get(key)
        if value is None:
            if default is None:
                self.required(key, f"required; one of {', '.join(allowed)}")
                return allowed[0]
            return default
        if not isinstance(value, str) or value not in allowed:
            self.problems.add(self.key_path(key), value, f"expected one of {', '.join(allowed)}")
            return default if default is not None else allowed[0]
        return value

    def string(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.required(key, "required; expected a string")
            return default
        if not isinstance(value, str) or not value.strip():
            self.problems.add(self.key_path(key), value, "expected a non-empty string")
            return default
        return value.strip()

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.add(self.key_path(key), value, "expected true or false")
            return default
        return value

    def integer(self, key: str, default: int, minimum: int, maximum: int) -> int:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.problems.add(
                self.key_path(key), value, f"expected a whole number from {minimum} to {maximum}"
            )
            return default
        return value

    def number(self, key: str, default: float, minimum: float, maximum: float) -> float:
        value = self.raw.get(key)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (minimum <= float(value) <= maximum)
        ):
            self.problems.add(
                self.key_path(key), value, f"expected a number from {minimum} to {maximum}"
            )
            return default
        return float(value)

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problems.add(self.key_path(key), value, "expected a list of non-empty strings")
            return ()
        return tuple(v.strip() for v in value)

    def section(self, key: str, allowed_keys: Sequence[str]) -> Section:
        return Section(self.raw.get(key), self.key_path(key), self.problems, allowed_keys)
