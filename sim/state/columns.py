"""Column stores grown in chunks: the shared storage of members, threads, answers and
complaints.

Python owns the arrays and grows them; compiled rules see a store as its `View`, a
namedtuple of the same arrays plus `n`, a one-element array holding the rows in use, so a
rule appending rows and Python reading `size` agree without copying anything. Growth only
happens between compiled calls (`reserve`), never inside one.
"""

from __future__ import annotations

from collections import namedtuple
from typing import ClassVar

import numpy as np

# name -> (dtype, fill value for a new row, extra dimensions)
ColumnSpec = dict[str, tuple[str, float, tuple[int, ...]]]


class ColumnStore:
    """Columns of equal length; the first `size` rows are in use, the rest is headroom."""

    columns: ClassVar[ColumnSpec] = {}
    View: ClassVar[type]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The module must bind this name too (e.g. `PopulationColumns = Population.View`), so
        # the compile cache can find the class again in another process.
        cls.View = namedtuple(f"{cls.__name__}Columns", [*cls.columns, "n"], module=cls.__module__)

    def __init__(self, capacity: int):
        self.on_growth = lambda: None  # the world re-sends its views here (sim/state/world.py)
        self.n = np.zeros(1, dtype=np.int64)
        self.capacity = max(int(capacity), 16)
        for name, (dtype, fill, extra) in self.columns.items():
            setattr(self, name, np.full((self.capacity, *extra), fill, dtype=dtype))

    @property
    def size(self) -> int:
        return int(self.n[0])

    def view(self):
        return self.View(*(getattr(self, name) for name in self.columns), self.n)

    def reserve(self, extra: int, growth: float = 1.5, **_) -> bool:
        """Make room for `extra` more rows, growing by at least `growth` times; True if the
        arrays were replaced (send a new view)."""
        needed = self.size + int(extra)
        if needed <= self.capacity:
            return False
        capacity = max(needed, int(self.capacity * growth))
        for name, (dtype, fill, extra_dims) in self.columns.items():
            grown = np.full((capacity, *extra_dims), fill, dtype=dtype)
            grown[: self.size] = getattr(self, name)[: self.size]
            setattr(self, name, grown)
        self.capacity = capacity
        return True

    def append_rows(self, n: int) -> np.ndarray:
        """Rows for n new items at their fill values (Python-side, for hand-built states)."""
        if self.reserve(n):
            self.on_growth()
        rows = np.arange(self.size, self.size + n)
        self.n[0] += n
        return rows

    def live(self, column: str) -> np.ndarray:
        """View of a column over the rows in use."""
        return getattr(self, column)[: self.size]

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.columns)
