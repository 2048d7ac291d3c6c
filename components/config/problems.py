"""Collecting every config problem at once, each naming its key path, value and what is allowed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        if self.value is _MISSING:
            return f"{self.path}: {self.allowed}"
        return f"{self.path}: {_show(self.value)} is not valid; {self.allowed}"


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
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING: Any = _Missing()
MISSING: Any = _MISSING


@dataclass
class Problems:
    """A sink for problems; parsers keep going after one so all are reported together."""

    found: list[ConfigProblem] = field(default_factory=list)

    def add(self, path: str, value: Any, allowed: str) -> None:
        self.found.append(ConfigProblem(path, value, allowed))

    def raise_if_any(self) -> None:
        if self.found:
            raise ConfigError(self.found)

    def __len__(self) -> int:
        return len(self.found)


class Section:
    """A mapping being parsed at a key path: typed getters that report instead of raising."""

    def __init__(
        self, raw: Any, path: str, problems: Problems, allowed_keys: Sequence[str]
    ) -> None:
        self.path = path
        self.problems = problems
        # A section that is not a mapping was reported once; its keys then count as unset
        # without a "required" problem each, which would only repeat that report.
        self.malformed = False
        if raw is None or raw is MISSING:
            raw = {}
        if not isinstance(raw, Mapping):
            problems.add(path, raw, "expected a mapping of keys to values")
            self.malformed = True
            raw = {}
        self.raw: Mapping[str, Any] = raw
        for key in raw:
            if key not in allowed_keys:
                problems.add(
                    self.key_path(str(key)),
                    raw[key],
                    f"unknown key {key!r}; allowed keys are {', '.join(allowed_keys)}",
                )

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def required(self, key: str, allowed: str) -> None:
        """Report `key` as missing, unless the section itself was already reported."""
        if not self.malformed:
            self.problems.add(self.key_path(key), MISSING, allowed)

    def has(self, key: str) -> bool:
        return key in self.raw and self.raw[key] is not None

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
