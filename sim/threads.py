"""Forum threads as compact columns grown in chunks (no Python object per thread)."""

from __future__ import annotations

import numpy as np

OPEN, SOLVED, ESCALATED = 0, 1, 2

THREAD_COLUMNS: dict[str, tuple[str, float]] = {
    "asker": ("int32", -1),
    "topic": ("int32", 0),
    "difficulty": ("float32", 0.0),
    "need": ("float32", 0.0),
    "created": ("float64", 0.0),
    "deadline": ("float64", 0.0),
    "first_answer": ("float64", np.inf),
    "closed": ("float64", np.inf),
    "n_answers": ("int32", 0),
    "solver": ("int32", -1),
    "status": ("int8", OPEN),
    "views": ("int32", 0),
}


class Threads:
    """All threads ever opened, plus the index of those still open."""

    def __init__(self, capacity: int = 1024):
        self.size = 0
        self.capacity = capacity
        for name, (dtype, fill) in THREAD_COLUMNS.items():
            setattr(self, name, np.full(capacity, fill, dtype=dtype))
        self.open_ids = np.empty(0, dtype=np.int64)

    def _grow(self, needed: int) -> None:
        new_capacity = max(needed, self.capacity * 2)
        for name, (dtype, fill) in THREAD_COLUMNS.items():
            new = np.full(new_capacity, fill, dtype=dtype)
            new[: self.size] = getattr(self, name)[: self.size]
            setattr(self, name, new)
        self.capacity = new_capacity

    def open(self, **values: np.ndarray) -> np.ndarray:
        """Open one thread per element of the given columns; return their ids."""
        n = len(values["asker"])
        if self.size + n > self.capacity:
            self._grow(self.size + n)
        ids = np.arange(self.size, self.size + n)
        for name, column in values.items():
            getattr(self, name)[ids] = column
        self.size += n
        self.open_ids = np.concatenate([self.open_ids, ids])
        return ids

    def close(self, ids: np.ndarray, status: int, at: np.ndarray) -> None:
        self.status[ids] = status
        self.closed[ids] = at
        self.open_ids = self.open_ids[self.status[self.open_ids] == OPEN]

    def live(self, column: str) -> np.ndarray:
        return getattr(self, column)[: self.size]
