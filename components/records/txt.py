"""TXT character-strings: splitting long values and the quoted presentation form.

A TXT record's data is a sequence of character-strings of at most 255 bytes each
(RFC 1035 3.3.14). A logical value longer than that, such as a 2048-bit DKIM key,
is published as several strings that receivers concatenate (RFC 7208 3.3, RFC 6376 3.6.2.2).
"""

from __future__ import annotations

from collections.abc import Sequence

from components.records.errors import RecordError

MAX_STRING_BYTES = 255
# The longest UTF-8 encoding of one character; a smaller limit could not hold every character.
_MIN_LIMIT = 4


def split_txt(value: str, limit: int = MAX_STRING_BYTES) -> list[str]:
    """Split `value` into strings of at most `limit` UTF-8 bytes, never inside a character.

    An empty value gives one empty string: a TXT record always has at least one string.
    """
    if not _MIN_LIMIT <= limit <= MAX_STRING_BYTES:
        raise RecordError(
            f"TXT split limit {limit} is not valid;"
            f" allowed: {_MIN_LIMIT} to {MAX_STRING_BYTES} bytes"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RecordError(
            f"TXT value has a character that is not valid Unicode text at position {error.start};"
            " only encodable text is allowed"
        ) from None
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in value:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return parts


def join_txt(strings: Sequence[str]) -> str:
    """The logical value of a TXT record given its character-strings (what receivers do)."""
    if isinstance(strings, str):
        raise RecordError("join_txt takes a sequence of strings, not a single string")
    return "".join(strings)


def quote_txt_strings(value: str, *, ascii_only: bool = False) -> str:
    """`"part1" "part2"`: the zone-file presentation form of a TXT value.

    Each part is at most 255 bytes; `"` and `\\` are escaped with a backslash and
    control characters as `\\DDD` (RFC 1035 5.1). Zone files, Cloudflare's `content`
    and Route53 all accept this form. `ascii_only=True` also writes every byte of a
    non-ASCII character as `\\DDD`, which master-file parsers such as Knot require.
    """
    return " ".join(f'"{_escape(part, ascii_only)}"' for part in split_txt(value))


def unquote_txt_strings(text: str) -> list[str]:
    """The character-strings of a presentation-form TXT value (inverse of quote_txt_strings)."""
    strings: list[str] = []
    index, length = 0, len(text)
    while index < length:
        if text[index] in " \t":
            index += 1
            continue
        if text[index] != '"':
            raise RecordError(
                f"TXT text {text!r} is not valid at position {index}: expected a quoted string"
            )
        index += 1
        raw = bytearray()
        while True:
            if index >= length:
                raise RecordError(f"TXT text {text!r} has an unterminated quoted string")
            char = text[index]
            if char == '"':
                index += 1
                break
            if char == "\\":
                index, byte_values = _unescape(text, index)
                raw += byte_values
                continue
            raw += char.encode("utf-8")
            index += 1
        try:
            strings.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise RecordError(f"TXT text {text!r} is not valid UTF-8: {error}") from None
    return strings


def _escape(part: str, ascii_only: bool) -> str:
    out: list[str] = []
    for char in part:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):03d}")
        elif ascii_only and ord(char) > 0x7F:
            out.extend(f"\\{byte:03d}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def _unescape(text: str, index: int) -> tuple[int, bytes]:
    digits = text[index + 1 : index + 4]
    if len(digits) == 3 and digits.isdigit():
        code = int(digits)
        if code > 255:
            raise RecordError(f"TXT text {text!r} has an escape \\{digits} above 255")
        return index + 4, bytes([code])
    if index + 1 >= len(text):
        raise RecordError(f"TXT text {text!r} ends with a lone backslash")
    return index + 2, text[index + 1].encode("utf-8")
