"""Kudos on answers: the standing-ovation kernel inside the community (DESIGN.md §4).

Answers are seen by the asker, by self-service readers who find the solved thread, and by
contributors browsing the thread. Each viewer draws its own signal of the answer's quality
and gives kudos if it clears a threshold, or, by conformity, if more than its own share X
of the earlier viewers it can see gave kudos. Front-row viewers (super-users and high
ranks) are seen by every later viewer; an ordinary one only by chance. Kudos are
recognition and points for the author.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import first_occurrences
from sim.ovation.hall import crowd_share, follows_crowd
from sim.population import SUPERUSER
from sim.rewards import award_points


class AnswerViews:
    """The hour's views of answers (viewer, answer-log row, time), gathered from the rules
    that show answers to people and judged together at the end of the hour."""

    def __init__(self):
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, viewer: np.ndarray, row: np.ndarray, time: np.ndarray) -> None:
        keep = row >= 0
        if keep.any():
            self.parts.append((viewer[keep].astype(np.int64), row[keep].astype(np.int64), time[keep]))

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All views so far in time order; the collector is emptied."""
        if not self.parts:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0)
        viewer, row, time = (np.concatenate(column) for column in zip(*self.parts))
        self.parts = []
        order = np.argsort(time, kind="stable")
        return viewer[order], row[order], time[order]


def draw_conformity(rng: np.random.Generator, n: int, behaviour) -> np.ndarray:
    """Members' conformity thresholds X ~ Beta with the configured mean and concentration."""
    a = behaviour.conformity_mean * behaviour.conformity_concentration
    b = (1.0 - behaviour.conformity_mean) * behaviour.conformity_concentration
    return rng.beta(a, b, n).astype(np.float32)


def is_front_row(model, members: np.ndarray) -> np.ndarray:
    pop = model.population
    return (pop.role[members] == SUPERUSER) | (pop.rank[members] >= model.config.behaviour.front_row_rank)


def seen_kudos_share(model, rows: np.ndarray) -> np.ndarray:
    """Share of the earlier viewers a new viewer sees who gave kudos: every front-row viewer,
    each ordinary one with probability kudos_seen_share, over at least kudos_min_audience."""
    b, log, rng = model.config.behaviour, model.answer_log, model.rng
    ordinary_views = log.views[rows] - log.front_views[rows]
    ordinary_kudos = log.kudos[rows] - log.front_kudos[rows]
    seen_views = rng.binomial(ordinary_views, b.kudos_seen_share)
    seen_kudos = np.zeros(rows.size, dtype=np.int64)
    some = (seen_views > 0) & (ordinary_kudos > 0)
    seen_kudos[some] = rng.hypergeometric(ordinary_kudos[some], (ordinary_views - ordinary_kudos)[some],
                                          seen_views[some])
    return crowd_share(log.front_kudos[rows] + seen_kudos, log.front_views[rows] + seen_views,
                       b.kudos_min_audience)


def first_kudos_only(log, viewer: np.ndarray, row: np.ndarray, give: np.ndarray) -> np.ndarray:
    """A member gives an answer at most one kudo, however often it sees the answer."""
    if not give.any():
        return give
    keys = viewer[give] * (1 << 32) + row[give]
    fresh = np.zeros(keys.size, dtype=bool)
    fresh[first_occurrences(keys)] = True
    fresh &= ~log.kudos_givers.contains(keys)
    log.kudos_givers.add(keys[fresh])
    allowed = give.copy()
    allowed[np.flatnonzero(give)[~fresh]] = False
    return allowed


def give_kudos(model, viewer: np.ndarray, row: np.ndarray) -> None:
    """Judge the hour's views. Each viewer sees the answer as it stood at the start of the
    hour (kudos spread from hour to hour, like every hourly batch); no one gives kudos to
    their own answer."""
    b, log, rng = model.config.behaviour, model.answer_log, model.rng
    keep = log.member[row] != viewer
    viewer, row = viewer[keep], row[keep]
    if row.size == 0:
        return
    own = log.quality[row] + rng.normal(0.0, b.kudos_noise, row.size) > b.kudos_threshold
    herd = np.zeros(row.size, dtype=bool)
    if b.kudos_conformity:
        herd = follows_crowd(seen_kudos_share(model, row), model.population.conformity[viewer])
    give = first_kudos_only(log, viewer, row, own | herd)
    own &= give
    front = is_front_row(model, viewer)
    for column, counted in (("views", None), ("front_views", front), ("kudos", give),
                            ("front_kudos", give & front), ("herded_kudos", give & ~own)):
        rows = row if counted is None else row[counted]
        np.add.at(getattr(log, column), rows, 1)
    authors = log.member[row[give]]
    authors = authors[authors >= 0]  # staff answers can be liked, but recognise no member
    np.add.at(model.population.recognition, authors, b.recognition_per_kudo)
    if model.rewards.keeps_points:
        award_points(model, authors, model.config.rewards.points.per_kudo)
    model.counters.add(answer_views=row.size, kudos=int(give.sum()), herded_kudos=int((give & ~own).sum()))
