"""The one rule for text that may reach an artifact: no control characters, anywhere.

Every generated file (main.cf, OpenDKIM tables, cloud-init, zone files), every resource input
and every terminal line is line- or field-structured. A character that ends a line, moves the
cursor or is invisible changes that structure, so no configured value may hold one: C0 (NUL to
US, including TAB, CR and LF), DEL, C1 (U+0080 to U+009F, NEL among them), the Unicode line and
paragraph separators, surrogates, and format characters (bidirectional overrides, zero-width
spaces) that make text read differently from what it is.
"""

from __future__ import annotations

import unicodedata

# Unicode general categories refused: control, format, surrogate, line and paragraph separator.
REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")

_NAMES = {
    "\x00": "NUL",
    "\t": "TAB",
    "\n": "line feed",
    "\r": "carriage return",
    "\x07": "BEL",
    "\x1b": "ESC",
    "\x7f": "DEL",
    "\x85": "next line",
    "\u2028": "line separator",
    "\u2029": "paragraph separator",
}


class UnsafeTextError(ValueError):
    """A value holding a character that would change the structure of the file it is written to."""


def is_refused(char: str) -> bool:
    return unicodedata.category(char) in REFUSED_CATEGORIES


def first_refused(text: str) -> int | None:
    """Index of the first refused character in `text`, or None when there is none."""
    for index, char in enumerate(text):
        if is_refused(char):
            return index
    return None


def describe(char: str) -> str:
    """`U+000A (line feed)`: a refused character named without printing it."""
    name = _NAMES.get(char) or unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name})"


def control_character_problem(text: str) -> str | None:
    """Why `text` cannot be written into an artifact, or None when it can."""
    index = first_refused(text)
    if index is None:
        return None
    return (
        f"contains the control character {describe(text[index])} at position {index};"
        " values cannot hold control characters (line breaks, tabs, NUL, ESC, DEL,"
        " Unicode separators or format characters)"
    )


def require_plain(text: str, what: str) -> str:
    """`text` unchanged, or UnsafeTextError naming `what`: the renderers' last line of defence."""
    if not isinstance(text, str):
        raise UnsafeTextError(f"{what} is not text: {type(text).__name__}")
    problem = control_character_problem(text)
    if problem:
        raise UnsafeTextError(f"{what} {printable(text)} {problem}")
    return text


def printable(text: str) -> str:
    """`text` quoted for a terminal or log line, every refused character as an escape."""
    out = []
    for char in text:
        if is_refused(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        elif char in "\\'":
            out.append("\\" + char)
        else:
            out.append(char)
    return "'" + "".join(out) + "'"
