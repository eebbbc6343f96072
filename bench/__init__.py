"""Benchmarks: speed and memory targets, run with `make bench`, results in docs/benchmarks.md."""
