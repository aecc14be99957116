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
    """A growing set of int64 keys kept as numpy arrays (8 bytes a key, not a Python int's
    ~70): a sorted body plus a small recent buffer merged in now and then."""

    def __init__(self, merge_every: int = 4096):
        self.body = np.empty(0, dtype=np.int64)
        self.recent = np.empty(0, dtype=np.int64)
        self.merge_every = merge_every

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Membership of each key."""
        in_body = np.zeros(keys.size, dtype=bool)
        if self.body.size:
            at = np.minimum(np.searchsorted(self.body, keys), self.body.size - 1)
            in_body = self.body[at] == keys
        return in_body | np.isin(keys, self.recent)

    def add(self, keys: np.ndarray) -> None:
        self.recent = np.concatenate([self.recent, keys.astype(np.int64)])
        if self.recent.size >= self.merge_every:
            self.body = np.union1d(self.body, self.recent)
            self.recent = np.empty(0, dtype=np.int64)
