"""Benchmarks for `make bench`; each module exposes `run() -> dict` of named measurements."""
