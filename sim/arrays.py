"""Small array helpers for the hot path: np.unique's generality costs more than the work
on the handful of elements an hourly batch usually holds."""

from __future__ import annotations

import numpy as np


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal values in a sorted array."""
    is_first = np.empty(ordered.size, dtype=bool)
    is_first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=is_first[1:])
    return is_first


def first_occurrences(keys: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct key, in ascending key order."""
    if keys.size <= 1:
        return np.arange(keys.size)
    order = np.argsort(keys, kind="stable")
    return order[run_starts(keys[order])]


def weighted_draw(cum: np.ndarray, size, rng: np.random.Generator) -> np.ndarray:
    """Indices drawn with replacement, in proportion to the weights whose cumsum is `cum`."""
    picks = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    return np.minimum(picks, cum.size - 1)
