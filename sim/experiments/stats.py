"""Means with 95% t-intervals over replicates: the one way every experiment reports numbers."""

from __future__ import annotations

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def t_half_width(sd: np.ndarray | float, n: np.ndarray | int) -> np.ndarray:
    """Half-width of the 95% t-interval of a mean of n values with standard deviation sd
    (NaN for a single value: one run says nothing about spread)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stats.t.ppf(0.5 + CONFIDENCE / 2, np.where(n > 1, n - 1, np.nan))
        return quantile * np.asarray(sd, dtype=float) / np.sqrt(n)


def mean_interval(values) -> tuple[float, float, float]:
    """(mean, low, high) of the 95% t-interval of the mean, ignoring undefined values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    half = float(t_half_width(values.std(ddof=1) if values.size > 1 else np.nan, values.size))
    return mean, mean - half, mean + half
