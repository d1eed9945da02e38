"""Benchmarks: python -m experiments.benchmarks (see __main__.py)."""
