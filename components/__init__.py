"""Pulumi components and the pure rules they are built from."""
