"""Numpy column stores grown in chunks: the shared storage of members and threads."""

from __future__ import annotations

import numpy as np

# name -> (dtype, fill value for a new row, extra dimensions)
ColumnSpec = dict[str, tuple[str, float, tuple[int, ...]]]


class ColumnStore:
    """Columns of equal length; the first `size` rows are in use, the rest is headroom."""

    columns: ColumnSpec = {}

    def __init__(self, capacity: int):
        self.size = 0
        self.capacity = max(int(capacity), 16)
        for name, (dtype, fill, extra) in self.columns.items():
            setattr(self, name, np.full((self.capacity, *extra), fill, dtype=dtype))

    def append_rows(self, n: int) -> np.ndarray:
        """Reserve n new rows (at their fill values) and return their indices."""
        if self.size + n > self.capacity:
            self._grow(self.size + n)
        rows = np.arange(self.size, self.size + n)
        self.size += n
        return rows

    def _grow(self, needed: int) -> None:
        new_capacity = max(needed, int(self.capacity * 1.5))
        for name, (dtype, fill, extra) in self.columns.items():
            new = np.full((new_capacity, *extra), fill, dtype=dtype)
            new[: self.size] = getattr(self, name)[: self.size]
            setattr(self, name, new)
        self.capacity = new_capacity

    def live(self, column: str) -> np.ndarray:
        """View of a column over the rows in use."""
        return getattr(self, column)[: self.size]

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.columns)


class OpenItems(ColumnStore):
    """Items that open and later close (threads, public complaints), with the index of those
    still open kept in creation order. Subclasses must have `status` (0 = open), `closed` and
    `deadline`."""

    def __init__(self, capacity: int = 1024):
        super().__init__(capacity)
        self.open_ids = np.empty(0, dtype=np.int64)

    def open(self, **values: np.ndarray) -> np.ndarray:
        """Open one item per element of the given columns; return their ids."""
        ids = self.append_rows(len(next(iter(values.values()))))
        for name, column in values.items():
            getattr(self, name)[ids] = column
        self.open_ids = np.concatenate([self.open_ids, ids])
        return ids

    def close(self, ids: np.ndarray, status: int, at: np.ndarray) -> None:
        self.status[ids] = status
        self.closed[ids] = at
        self.open_ids = self.open_ids[self.status[self.open_ids] == 0]

    def expire(self, until: float, status: int) -> np.ndarray:
        """Close, at their deadline, the open items whose owner gave up before `until`
        (subclasses have a `deadline` column); return their ids."""
        expired = self.open_ids[self.deadline[self.open_ids] < until]
        if expired.size:
            self.close(expired, status, self.deadline[expired])
        return expired
