"""The one error the record builders raise."""

from __future__ import annotations


class RecordError(ValueError):
    """A value cannot become a valid DNS record.

    The message names the offending value and says what is allowed, so callers can
    show it to a user as is (the config model prefixes it with the key path).
    """
