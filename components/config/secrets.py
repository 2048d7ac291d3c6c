"""Which config values an error message may show.

A webhook URL carries the token that lets anyone post to the channel, and under `pulumi up`
Pulumi hands the program `secure:` values decrypted. An error message is printed and logged, so
the rule is decided by key path, not by the shape of the value, and errs towards hiding:

- nothing at or below `mailstack:alerts.webhooks`, nor below a key Pulumi reports as secret;
- an `alerts` that is not a mapping (a list, a string): only its kind;
- below `mailstack:alerts` (a misspelled `webhooks`, a URL under `emails`), no value that holds
  a URL, with or without its scheme, nor a mapping keyed by something that is not a word (a
  token pasted as a key);
- under an unknown key (usually a misspelling, possibly of a secret key), only the kind of a
  text, list or mapping value.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

SECRET = "<secret>"
WEBHOOKS_PATH = "mailstack:alerts.webhooks"
ALERTS_PATH = "mailstack:alerts"


class Hidden:
    """A value an error message must not show; renders as what it is, never its content."""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def __repr__(self) -> str:
        return self.shown

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hidden) and other.shown == self.shown

    def __hash__(self) -> int:
        return hash(self.shown)


# Below alerts, an unknown key is shown only when it reads as a misspelled word: a token used as
# a key (digits, long) is not.
_WORD_KEY = re.compile(r"[A-Za-z][A-Za-z_-]{0,31}")


def may_show_key(section_path: str, key: str) -> bool:
    return not is_below(section_path, ALERTS_PATH) or bool(_WORD_KEY.fullmatch(key))


def is_below(path: str, parent: str) -> bool:
    return path == parent or path.startswith((parent + ".", parent + "["))


def kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def holds_url(value: Any) -> bool:
    """True when any string inside `value` (keys included) looks like a URL."""
    if isinstance(value, str):
        # A URL written without its scheme (hooks.example.com/T0/B0) still carries the token.
        return "://" in value or "/" in value or value.lower().startswith(("https:", "http:"))
    if isinstance(value, Mapping):
        return any(holds_url(k) or holds_url(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_url(item) for item in value)
    return False


def holds_token_key(value: Any) -> bool:
    """True when a mapping inside `value` has a key that does not read as a word (a token)."""
    if isinstance(value, Mapping):
        return any(
            not (isinstance(k, str) and _WORD_KEY.fullmatch(k)) or holds_token_key(v)
            for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_token_key(item) for item in value)
    return False


def shown_value(path: str, value: Any, secret_keys: Collection[str], unknown_key: bool) -> Any:
    """`value` as an error message for `path` may show it: itself, or a Hidden stand-in."""
    if isinstance(value, Hidden):
        return value
    if is_below(path, WEBHOOKS_PATH) or any(is_below(path, key) for key in secret_keys):
        return Hidden(SECRET)
    if path == ALERTS_PATH and not isinstance(value, Mapping):
        return Hidden(f"<{kind(value)}, not shown>")
    if is_below(path, ALERTS_PATH) and (holds_url(value) or holds_token_key(value)):
        return Hidden(SECRET)
    if unknown_key and not isinstance(value, bool | int | float | None):
        return Hidden(f"<{kind(value)}, not shown>")
    return value


def strings_in(value: Any) -> list[str]:
    """Every string inside `value`, longest first, to scrub from a message about it."""
    found: list[str] = []
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            found += strings_in(key) + strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            found += strings_in(item)
    return sorted({s for s in found if len(s.strip()) >= 3}, key=len, reverse=True)


def scrub(text: str, value: Any) -> str:
    """`text` with every string of a hidden `value` (plain, repr'd or JSON-quoted) removed."""
    for secret in strings_in(value):
        for form in (repr(secret), secret):
            text = text.replace(form, SECRET)
    return text
