"""mailstack: authenticated, monitored email sending platforms as code."""

__version__ = "0.1.0"
