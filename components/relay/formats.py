"""Writing values into the relay's files so that no value can change a file's structure.

The config model refuses such values already; these are the renderers' own guarantee, so a
hole in validation (or a caller building RelaySettings by hand) raises instead of writing an
extra line into main.cf, a lookup table or opendkim.conf.

- main.cf (postconf(5)): one `name = value` per line; a line starting with white space
  continues the previous one, so a value must hold no line break or other control character.
- Lookup tables (texthash, postmap(1)) and OpenDKIM's TrustedHosts: a key and a
  value separated by white space, one entry per line, `#` starting a comment; table fields are
  single tokens.
- opendkim.conf: one `Name value` per line; a value is a single token.
"""

from __future__ import annotations

import re

from components.records.plain_text import UnsafeTextError, require_plain

# A table field: what host names, domains, selectors, addresses, paths and credentials are
# written with. No white space, no quotes, no `#` at the start, no `$` (Postfix expands it).
_TOKEN = re.compile(r"[A-Za-z0-9_.*@:/+=\[\]-][A-Za-z0-9_.*@:/+=\[\]!%~?-]*")
_PARAMETER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def main_cf_line(name: str, value: str) -> str:
    """`name = value` for main.cf; the value is written as given (it may use $parameters)."""
    if not _PARAMETER.fullmatch(name):
        raise UnsafeTextError(f"main.cf parameter name {name!r} is not a parameter name")
    require_plain(value, f"main.cf value of {name}")
    return f"{name} = {value}".rstrip()


def token(value: str, what: str) -> str:
    """`value` as one field of a Postfix or OpenDKIM table, or UnsafeTextError."""
    require_plain(value, what)
    if not _TOKEN.fullmatch(value):
        raise UnsafeTextError(
            f"{what} {value!r} cannot be one table field: only letters, digits and"
            " . _ - * @ : / + = [ ] ! % ~ ? are written, with no spaces, quotes, # or $"
        )
    return value


def table_line(*fields: str, what: str) -> str:
    """One lookup-table or OpenDKIM-table entry: its fields, each one token, space-separated."""
    return " ".join(token(field, what) for field in fields)


def secret_field(value: str, what: str) -> str:
    """A credential as the last field of a table line: no white space or control character.

    The error never shows the value.
    """
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise UnsafeTextError(f"{what} is empty or holds white space; it cannot be written")
    try:
        require_plain(value, what)
    except UnsafeTextError:
        raise UnsafeTextError(f"{what} holds a control character; it cannot be written") from None
    return value


def conf_value(value: str, what: str) -> str:
    """A value for opendkim.conf or master.cf: to the end of its line, so plain text only."""
    return require_plain(value, what)
