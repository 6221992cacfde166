"""Simulated outside systems for `make demo` and the tests; not part of the hub's package."""
