"""The model version: part of every run's config hash.

Bump ``MODEL_VERSION`` whenever a change moves any simulated number (the golden
baseline, ``tests/golden.py``, refuses to regenerate otherwise). Finished runs
carry the hash of (model config, model version), so a comparison or sweep
resumed after such a change re-runs everything instead of mixing runs of two
engines. Changes that move no number (refactors, outputs, reports) keep it.
"""

MODEL_VERSION = "4.3"  # wave 3, issue 24.1: KOL perks +0.3 log-odds (was 1.0, assumed), from Wang, Hui & Li 2022
