"""The hour's buffers: what one rule hands the next within an hour (sim/schedule.py).

They are replaced as they fill, so rules never need to know a bound in advance; each hour
starts them empty (`clear_hour`)."""

from __future__ import annotations

import numpy as np

from sim.state.jit import kernel
from sim.state.world import Answers, Candidates, Views


@kernel
def clear_hour(w) -> None:
    """Empty every hour buffer; remember where this hour's answers start in the log."""
    w.candidates = Candidates(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0),
                              np.empty(0))
    w.answers = Answers(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0),
                        np.empty(0, np.int64))
    w.views = Views(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    w.closed_complaints = np.empty(0, np.int64)
    w.newly_answered = np.empty(0, np.int64)
    w.accepted = np.empty(0, np.int64)
    w.kudos_authors = np.empty(0, np.int64)
    w.first_row = w.log.n[0]


@kernel
def add_views(w, viewer, row, time) -> None:
    """Views of answers (viewer, answer-log row, time) to be judged for kudos at the hour's
    end; rows of -1 (nothing to see) are dropped."""
    keep = row >= 0
    v = w.views
    w.views = Views(np.concatenate((v.viewer, viewer[keep].astype(np.int64))),
                    np.concatenate((v.row, row[keep].astype(np.int64))),
                    np.concatenate((v.time, time[keep].astype(np.float64))))


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
