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


class KeySet:
    """A growing set of int64 keys: a sorted numpy body (8 bytes a key) plus a small Python
    set of recent keys, merged into the body now and then. Membership of a handful of keys
    costs a binary search, not a hash of the whole set."""

    def __init__(self, merge_every: int = 8192):
        self.body = np.empty(0, dtype=np.int64)
        self.recent: set[int] = set()
        self.merge_every = merge_every

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Membership of each key."""
        found = np.array([key in self.recent for key in keys.tolist()], dtype=bool)
        if self.body.size and keys.size:
            at = np.minimum(np.searchsorted(self.body, keys), self.body.size - 1)
            found |= self.body[at] == keys
        return found

    def add(self, keys: np.ndarray) -> None:
        self.recent.update(keys.tolist())
        if len(self.recent) >= self.merge_every:
            self.body = np.union1d(self.body, np.fromiter(self.recent, dtype=np.int64, count=len(self.recent)))
            self.recent.clear()
