"""Benchmarks: `python -m bench` prints one table and writes bench/results.md."""
