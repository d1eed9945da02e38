"""Analyses over many runs: paired statistics (``stats.py``) and calibration (``calibration/``).

The commands that drive them -- ``compare``, ``calibrate``, ``sensitivity``, ``optimize``, sweeps --
are the modules at the top of ``experiments/``; their reports are in ``experiments/reports/``.
"""
