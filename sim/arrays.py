"""Small array helpers for the hot path: np.unique's generality costs more than the work
on the handful of elements an hourly batch usually holds."""

from __future__ import annotations

import numpy as np


def first_occurrences(keys: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct key, in ascending key order."""
    if keys.size <= 1:
        return np.arange(keys.size)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    is_first = np.empty(keys.size, dtype=bool)
    is_first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=is_first[1:])
    return order[is_first]
