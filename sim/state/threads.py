"""Forum threads, public complaints and the answer log as compact columns grown in chunks
(no Python object per thread, answer or complaint).

Threads and complaints open and later close; each keeps the ids of those still open in
creation order (`OpenList`), which the compiled rules compact as items close.
"""

from __future__ import annotations

import numpy as np

from sim.state.columns import ColumnStore
from sim.state.jit import kernel

OPEN, SOLVED, ESCALATED = 0, 1, 2       # thread status
SERVED, UNANSWERED = 1, 2               # complaint status (OPEN is 0 for both)
STAFF = -2  # the author of a staff answer, in place of a member row


class OpenList(ColumnStore):
    """Ids of the items still open, oldest first."""

    columns = {"id": ("int64", -1, ())}


OpenListColumns = OpenList.View


class OpenItems(ColumnStore):
    """Items that open and later close, with the list of those still open. Subclasses have
    `status` (0 = open), `created`, `closed` and `deadline`."""

    def __init__(self, capacity: int = 1024):
        super().__init__(capacity)
        self.open_list = OpenList(capacity)

    def reserve(self, extra: int, growth: float = 1.5, open_extra: int | None = None) -> bool:
        """Room for `extra` more items, and for `open_extra` (default `extra`) more open ones."""
        grown = super().reserve(extra, growth)
        return self.open_list.reserve(extra if open_extra is None else open_extra, growth) or grown

    @property
    def open_ids(self) -> np.ndarray:
        return self.open_list.live("id")

    def open(self, **values: np.ndarray) -> np.ndarray:
        """Open one item per element of the given columns (Python-side, for hand-built
        states); return their ids."""
        n = len(next(iter(values.values())))
        ids = self.append_rows(n)
        for name, column in values.items():
            getattr(self, name)[ids] = column
        self.open_list.on_growth = self.on_growth
        self.open_list.id[self.open_list.append_rows(n)] = ids
        return ids


class Threads(OpenItems):
    """All threads ever opened, plus the list of those still open."""

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
        "defect": ("int32", -1, ()),           # the product defect behind it (-1: a how-to question)
        "metoo": ("int32", 0, ()),             # visible 'me too' posts by askers with the same problem
    }


ThreadsColumns = Threads.View


class Complaints(OpenItems):
    """Every public complaint: who, how loud (reach), when, how it ended, and its pile-up."""

    columns = {
        "member": ("int32", -1, ()),
        "reach": ("float32", 0.0, ()),
        "created": ("float64", 0.0, ()),
        "deadline": ("float64", 0.0, ()),
        "closed": ("float64", np.inf, ()),
        "status": ("int8", OPEN, ()),
        "onlookers": ("int32", 0, ()),    # onlookers with a similar issue who saw it
        "pile": ("int32", 0, ()),         # of whom joined
        "pile_reach": ("float32", 0.0, ()),
        "calls": ("int8", 0, ()),         # calls already made about the issue (a complaint after hanging up)
        "defect": ("int32", -1, ()),      # the product defect behind it (-1: unknown or a how-to question)
    }


ComplaintsColumns = Complaints.View


class MeToos(OpenItems):
    """Askers who added 'me too' to an open thread about their problem instead of asking
    anew: each waits on that thread until it is solved or its own patience runs out."""

    columns = {
        "member": ("int32", -1, ()),
        "thread": ("int32", -1, ()),
        "created": ("float64", 0.0, ()),
        "deadline": ("float64", 0.0, ()),
        "closed": ("float64", np.inf, ()),
        "status": ("int8", OPEN, ()),
    }


MeToosColumns = MeToos.View


class AnswerLog(ColumnStore):
    """Every answer written, in the order written: who (a member row or STAFF), where,
    when and how good, and the kudos cascade on it."""

    columns = {
        "member": ("int32", STAFF, ()),
        "thread": ("int32", -1, ()),
        "time": ("float64", 0.0, ()),
        "quality": ("float32", 0.0, ()),
        "views": ("int32", 0, ()),
        "front_views": ("int32", 0, ()),
        "kudos": ("int32", 0, ()),
        "front_kudos": ("int32", 0, ()),
        "herded_kudos": ("int32", 0, ()),
        "seeded": ("int8", 0, ()),  # herding experiment arm (sim/rules/kudos.py: seed_kudos)
    }


AnswerLogColumns = AnswerLog.View


@kernel
def push_open(open_list, item: int) -> None:
    """Add a new item (already filled in) to the end of an open list."""
    open_list.id[open_list.n[0]] = item
    open_list.n[0] += 1


@kernel
def compact_open(status, open_list) -> None:
    """Drop closed items from the open list, keeping creation order."""
    kept = 0
    for i in range(open_list.n[0]):
        item = open_list.id[i]
        if status[item] == OPEN:
            open_list.id[kept] = item
            kept += 1
    open_list.n[0] = kept


@kernel
def expire_open(status, closed, deadline, open_list, until: float, new_status: int) -> np.ndarray:
    """Close, at their deadline, the open items whose owner gave up before `until`; return
    their ids in creation order."""
    count = 0
    for i in range(open_list.n[0]):
        if deadline[open_list.id[i]] < until:
            count += 1
    expired = np.empty(count, dtype=np.int64)
    count = 0
    for i in range(open_list.n[0]):
        item = open_list.id[i]
        if deadline[item] < until:
            expired[count] = item
            status[item] = new_status
            closed[item] = deadline[item]
            count += 1
    if count:
        compact_open(status, open_list)
    return expired
