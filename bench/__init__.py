"""Benchmarks: reports, never gates."""
