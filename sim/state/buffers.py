"""The hour's buffers: what one rule hands the next within an hour (sim/schedule.py).

They are replaced as they fill, so rules never need to know a bound in advance; each hour
starts them empty (`clear_hour`)."""

from __future__ import annotations

import numpy as np

from sim.state.jit import kernel
from sim.state.world import Answers, Candidates, Views


@kernel
def clear_hour(w) -> None:
    """Start the hour with empty buffers.

    Changes every hour buffer (issues are replaced by draw_issues), and w.first_row, where
    this hour's answers start in the log."""
    ints, floats = np.empty(0, np.int64), np.empty(0)  # shared: nothing writes into an empty buffer
    w.candidates = Candidates(ints, ints, floats, ints, floats, floats)
    w.answers = Answers(ints, ints, floats, floats, ints)
    w.views = Views(ints, ints, floats)
    w.closed_complaints = w.newly_answered = w.accepted = w.kudos_authors = ints
    w.first_row = w.log.n[0]


@kernel
def add_views(w, viewer, row, time) -> None:
    """Views of answers (viewer, answer-log row, time) to be judged for kudos at the hour's
    end; rows of -1 (nothing to see) are dropped."""
    v = w.views
    old = v.viewer.size
    n = old + np.count_nonzero(row >= 0)
    viewers, rows, times = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    viewers[:old], rows[:old], times[:old] = v.viewer, v.row, v.time
    at = old
    for i in range(row.size):
        if row[i] >= 0:
            viewers[at], rows[at], times[at] = viewer[i], row[i], time[i]
            at += 1
    w.views = Views(viewers, rows, times)


@kernel
def add_answers(w, member, thread, time, quality, row) -> None:
    """Answers written this hour, by members or staff, for the asker to judge."""
    a = w.answers
    w.answers = Answers(np.concatenate((a.member, member)), np.concatenate((a.thread, thread)),
                        np.concatenate((a.time, time)), np.concatenate((a.quality, quality)),
                        np.concatenate((a.row, row)))


@kernel
def append(values, more):
    return np.concatenate((values, more))
