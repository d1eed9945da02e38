"""Replicate statistics: means with t confidence intervals, and paired differences.

Scenarios in a comparison share replicate seeds (common random numbers), so the
right comparison is *paired*: for replicate i, ``d_i = x_i(plan) - x_i(baseline)``,
and the 95% CI of the mean difference is ``mean(d) ± t_{0.975, R-1} sd(d) / sqrt(R)``.
With CRN the pairs move together, so ``sd(d)`` -- and the CI -- is far smaller
than that of two independent samples (see experiments/crn_benchmark.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def t_quantile(df: int, level: float = 0.95) -> float:
    from scipy import stats  # imported when used: keeps `import experiments` light

    return float(stats.t.ppf(0.5 + level / 2, df))


def mean_ci(values, level: float = 0.95) -> Interval:
    """Mean and t-interval of replicate values (NaNs dropped). Needs at least 2 values."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    if n < 2:
        raise ValueError(f"a confidence interval needs at least 2 replicates, got {n}")
    mean = float(x.mean())
    half = t_quantile(n - 1, level) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(plan, baseline, level: float = 0.95) -> Interval:
    """CI of the mean of ``plan[i] - baseline[i]`` (replicates paired by seed)."""
    a, b = np.asarray(plan, dtype=float), np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples must have the same replicates, got {a.shape} and {b.shape}")
    return mean_ci(a - b, level)
