"""Shared test setup."""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture(autouse=True)
def current_event_loop() -> None:
    """Pulumi's mock runtime needs a current loop; an earlier `asyncio.run` clears it."""
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
