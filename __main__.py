"""Pulumi entry point: `pulumi up` runs this."""

from components.program import run

run()
