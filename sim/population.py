"""Columnar member state: the one source of truth for every member's hot state.

Rows are never reused: a member keeps its row (identity and history) through role
changes and after churning, so per-member records stay valid for the whole run.
"""

from __future__ import annotations

import numpy as np

READER, RESPONDER, SUPERUSER = 0, 1, 2
ROLE_NAMES = ("reader", "responder", "superuser")
FORUM, CONTACT = 0, 1
CHANNELS = ("forum", "contact")

# name -> (dtype, fill value for a new row); 2-D columns have one slot per channel.
COLUMNS: dict[str, tuple[str, float]] = {
    "alive": ("bool", False),
    "role": ("int8", READER),
    "joined_at": ("float64", 0.0),
    "left_at": ("float64", np.nan),
    "expertise": ("float32", 0.0),
    "area": ("int32", 0),
    "online_propensity": ("float32", 1.0),
    "issue_propensity": ("float32", 1.0),
    "intrinsic": ("float32", 0.0),
    "recognition": ("float32", 0.0),
    "fatigue": ("float32", 0.0),
    "activity": ("float32", 0.0),
    "answers": ("int32", 0),
    "accepted": ("int32", 0),
    "questions": ("int32", 0),
    "views": ("float32", 0.0),
    "times_helped": ("int32", 0),
    "role_changes": ("int16", 0),
    "role_since": ("float64", 0.0),
    "last_post": ("float64", -np.inf),
}
CHANNEL_COLUMNS: dict[str, tuple[str, float]] = {
    "channel_success": ("float32", 0.5),
    "channel_wait": ("float32", 0.0),
}


class Population:
    """Numpy columns, grown in chunks; `size` rows are in use."""

    def __init__(self, capacity: int):
        self.size = 0
        self.capacity = max(int(capacity), 16)
        for name, (dtype, fill) in COLUMNS.items():
            setattr(self, name, np.full(self.capacity, fill, dtype=dtype))
        for name, (dtype, fill) in CHANNEL_COLUMNS.items():
            setattr(self, name, np.full((self.capacity, len(CHANNELS)), fill, dtype=dtype))

    def _grow(self, needed: int) -> None:
        new_capacity = max(needed, int(self.capacity * 1.5))
        for name, (dtype, fill) in {**COLUMNS, **CHANNEL_COLUMNS}.items():
            old = getattr(self, name)
            new = np.full((new_capacity, *old.shape[1:]), fill, dtype=dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)
        self.capacity = new_capacity

    def add(self, n: int) -> np.ndarray:
        """Append n fresh rows (default values) and return their indices."""
        if self.size + n > self.capacity:
            self._grow(self.size + n)
        rows = np.arange(self.size, self.size + n)
        self.size += n
        self.alive[rows] = True
        return rows

    def live(self, column: str) -> np.ndarray:
        """View of a column over the rows in use."""
        return getattr(self, column)[: self.size]

    def alive_rows(self, role: int | None = None) -> np.ndarray:
        mask = self.alive[: self.size]
        if role is not None:
            mask = mask & (self.role[: self.size] == role)
        return np.flatnonzero(mask)

    def count(self, role: int | None = None) -> int:
        return int(self.alive_rows(role).size)

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in {**COLUMNS, **CHANNEL_COLUMNS})
