"""Look inside from Python: read and set the hour's buffers (a rule reads its batch from
them, so setting one and calling `rule(world.ref)` runs the rule on exactly that batch), and
the streams' transforms over whole arrays. For tests on small hand-built states, notebooks
and debugging."""

from __future__ import annotations

import numpy as np

from sim.state.jit import kernel
from sim.state.streams import (beta_quantile, binomial_quantile, gamma_quantile, keyed_uniform, normal_quantile,
                               poisson_quantile)
from sim.state.world import Answers, Candidates, Issues, Views


@kernel
def set_now(w, now: float) -> None:
    """Put the clock at the end of the hour `now` (run_hour does this each hour)."""
    w.now = now


@kernel
def set_issues(w, member, k, time, topic, outcome) -> None:
    """The hour's issues, each a how-to question (no defect behind it)."""
    w.issues = Issues(member, k, time, topic, np.full(member.size, -1, np.int64), outcome)


@kernel
def get_issues(w):
    return w.issues


@kernel
def set_candidates(w, member, thread, when, look, value, bonus) -> None:
    w.candidates = Candidates(member, thread, when, look, value, bonus)


@kernel
def get_candidates(w):
    return w.candidates


@kernel
def set_answers(w, member, thread, time, quality, row) -> None:
    w.answers = Answers(member, thread, time, quality, row)


@kernel
def get_answers(w):
    return w.answers


@kernel
def set_views(w, viewer, row, time) -> None:
    w.views = Views(viewer, row, time)


@kernel
def get_views(w):
    return w.views


@kernel
def get_online(w):
    return w.online


@kernel
def get_queue(w):
    """The day's issue queue: member, issue number and time of each, and the next position."""
    return w.queue_member, w.queue_k, w.queue_time, w.queue_next


@kernel
def get_hour_lists(w):
    """(closed complaints, newly answered threads, accepted volunteer solvers, kudos authors)."""
    return w.closed_complaints, w.newly_answered, w.accepted, w.kudos_authors


@kernel
def keyed_grid(key, members: int, events: int):
    """keyed_uniform(key, a, b) for a < members, b < events."""
    out = np.empty((members, events))
    for a in range(members):
        for b in range(events):
            out[a, b] = keyed_uniform(key, a, b)
    return out


@kernel
def normal_draws(u, mean: float, sd: float):
    return np.array([normal_quantile(x, mean, sd) for x in u])


@kernel
def beta_draws(u, a: float, b: float):
    return np.array([beta_quantile(x, a, b) for x in u])


@kernel
def gamma_draws(u, shape: float, scale: float):
    return np.array([gamma_quantile(x, shape, scale) for x in u])


@kernel
def poisson_draws(u, mean: float):
    return np.array([poisson_quantile(x, mean) for x in u])


@kernel
def binomial_draws(u, n: int, p: float):
    return np.array([binomial_quantile(x, n, p) for x in u])


def ints(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def floats(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


@kernel
def set_issue_defects(w, defect) -> None:
    """Give the hour's issues the defects behind them."""
    i = w.issues
    w.issues = Issues(i.member, i.k, i.time, i.topic, defect, i.outcome)


@kernel
def set_kudoed(w, rows) -> None:
    """The answers that gained kudos in the last hour, which their askers look at again."""
    w.kudoed = rows
