"""Forum threads as compact columns grown in chunks (no Python object per thread)."""

from __future__ import annotations

import numpy as np

from sim.columns import ColumnStore

OPEN, SOLVED, ESCALATED = 0, 1, 2

class Threads(ColumnStore):
    """All threads ever opened, plus the index of those still open."""

    columns = {
        "asker": ("int32", -1, ()),
        "topic": ("int32", 0, ()),
        "difficulty": ("float32", 0.0, ()),
        "need": ("float32", 0.0, ()),
        "created": ("float64", 0.0, ()),
        "deadline": ("float64", 0.0, ()),
        "first_answer": ("float64", np.inf, ()),
        "closed": ("float64", np.inf, ()),
        "n_answers": ("int32", 0, ()),
        "solver": ("int32", -1, ()),
        "status": ("int8", OPEN, ()),
        "views": ("int32", 0, ()),
    }

    def __init__(self, capacity: int = 1024):
        super().__init__(capacity)
        self.open_ids = np.empty(0, dtype=np.int64)

    def open(self, **values: np.ndarray) -> np.ndarray:
        """Open one thread per element of the given columns; return their ids."""
        ids = self.append_rows(len(values["asker"]))
        for name, column in values.items():
            getattr(self, name)[ids] = column
        self.open_ids = np.concatenate([self.open_ids, ids])
        return ids

    def close(self, ids: np.ndarray, status: int, at: np.ndarray) -> None:
        self.status[ids] = status
        self.closed[ids] = at
        self.open_ids = self.open_ids[self.status[self.open_ids] == OPEN]
