"""Columnar member state: the one source of truth for every member's hot state.

Rows are never reused: a member keeps its row (identity and history) through role
changes and after churning, so per-member records stay valid for the whole run.
"""

from __future__ import annotations

import numpy as np

from sim.columns import ColumnStore

READER, RESPONDER, SUPERUSER = 0, 1, 2
ROLE_NAMES = ("reader", "responder", "superuser")
FORUM, CONTACT, SOCIAL = 0, 1, 2
CHANNELS = ("forum", "contact", "social")


class Population(ColumnStore):
    """Per-member columns; `channel_*` columns have one slot per channel."""

    columns = {
        "alive": ("bool", False, ()),
        "role": ("int8", READER, ()),
        "joined_at": ("float64", 0.0, ()),
        "left_at": ("float64", np.nan, ()),
        "expertise": ("float32", 0.0, ()),
        "area": ("int32", 0, ()),
        "online_propensity": ("float32", 1.0, ()),
        "issue_propensity": ("float32", 1.0, ()),
        "intrinsic": ("float32", 0.0, ()),
        "recognition": ("float32", 0.0, ()),
        "fatigue": ("float32", 0.0, ()),
        "activity": ("float32", 0.0, ()),
        "answers": ("int32", 0, ()),
        "accepted": ("int32", 0, ()),
        "questions": ("int32", 0, ()),
        "views": ("float32", 0.0, ()),
        "times_helped": ("int32", 0, ()),
        "role_changes": ("int16", 0, ()),
        "role_since": ("float64", 0.0, ()),
        "last_post": ("float64", -np.inf, ()),
        "reach": ("float32", 0.0, ()),
        "conformity": ("float32", 0.5, ()),
        # reward schemes (sim/rewards.py)
        "reward_sensitivity": ("float32", 0.0, ()),
        "points": ("float32", 0.0, ()),
        "recent_points": ("float32", 0.0, ()),
        "rank": ("int16", 0, ()),
        "badges": ("int16", 0, ()),
        "leaderboard_value": ("float32", 0.0, ()),
        "in_programme": ("bool", False, ()),
        "paid": ("float32", 0.0, ()),
        "channel_success": ("float32", 0.5, (len(CHANNELS),)),
        "channel_wait": ("float32", 0.0, (len(CHANNELS),)),
    }

    def add(self, n: int) -> np.ndarray:
        """Append n fresh, alive rows and return their indices."""
        rows = self.append_rows(n)
        self.alive[rows] = True
        return rows

    def alive_rows(self, role: int | None = None) -> np.ndarray:
        mask = self.alive[: self.size]
        if role is not None:
            mask = mask & (self.role[: self.size] == role)
        return np.flatnonzero(mask)

    def count(self, role: int | None = None) -> int:
        return int(self.alive_rows(role).size)
