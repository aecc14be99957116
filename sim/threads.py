"""Forum threads and their answers as compact columns grown in chunks (no Python object
per thread or answer)."""

from __future__ import annotations

import numpy as np

from sim.arrays import KeySet
from sim.columns import ColumnStore, OpenItems

OPEN, SOLVED, ESCALATED = 0, 1, 2
STAFF = -2  # the author of a staff answer, in place of a member row


class Threads(OpenItems):
    """All threads ever opened, plus the index of those still open."""

    def answers_before(self, ids: np.ndarray, time: np.ndarray | float) -> np.ndarray:
        """Answers a thread had at `time`. Volunteers' answers of the current hour are recorded
        only after every visit, so only a staff answer can lie in the future of a visit."""
        return self.n_answers[ids] - (self.staff_answered[ids] & (self.staff_answer_at[ids] > time))

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
        "staff_answered": ("bool", False, ()),
        "staff_answer_at": ("float64", np.inf, ()),
        "solver": ("int32", -1, ()),
        "status": ("int8", OPEN, ()),
        "views": ("int32", 0, ()),
        "last_answer": ("int32", -1, ()),      # answer-log row of the latest answer
        "accepted_answer": ("int32", -1, ()),  # answer-log row of the accepted answer
    }


class AnswerLog(ColumnStore):
    """Every answer written, in the order written: who (a member row or STAFF), where,
    when and how good. It lets analyses follow a member's answers one by one."""

    columns = {
        "member": ("int32", STAFF, ()),
        "thread": ("int32", -1, ()),
        "time": ("float64", 0.0, ()),
        "quality": ("float32", 0.0, ()),
        # the kudos cascade (sim/rules/kudos.py)
        "views": ("int32", 0, ()),
        "front_views": ("int32", 0, ()),
        "kudos": ("int32", 0, ()),
        "front_kudos": ("int32", 0, ()),
        "herded_kudos": ("int32", 0, ()),
        "seeded": ("int8", 0, ()),  # herding experiment arm (sim/experiments/herding.py)
    }

    def __init__(self, capacity: int = 1024):
        super().__init__(capacity)
        self.kudos_givers = KeySet()  # viewer * 2**32 + row of every kudo given

    def append(self, member: np.ndarray, thread: np.ndarray, time: np.ndarray,
               quality: np.ndarray) -> np.ndarray:
        rows = self.append_rows(member.size)
        self.member[rows], self.thread[rows] = member, thread
        self.time[rows], self.quality[rows] = time, quality
        return rows
