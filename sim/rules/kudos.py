"""Kudos on answers: the standing-ovation kernel inside the community (DESIGN.md §4).

Answers are seen by the asker, by self-service readers who find the solved thread, and by
contributors browsing the thread. Each viewer draws its own signal of the answer's quality
and gives kudos if it clears a threshold, or, by conformity, if more than its own share X
of the earlier viewers it can see gave kudos. Front-row viewers (super-users and high
ranks) are seen by every later viewer; an ordinary one only by chance. Kudos are
recognition (and, with points on, points) for the author.
"""

from __future__ import annotations

import numpy as np

from sim.rules.cascade import crowd_share, follows_crowd
from sim.state.counters import ANSWER_VIEWS, HERDED_KUDOS, KUDOS
from sim.state.jit import kernel
from sim.state.population import SUPERUSER
from sim.state.streams import mix64

EMPTY = -1
CONTROL, ORDINARY_KUDO, FRONT_ROW_KUDO = 1, 2, 3  # arms of the herding experiment (seed_kudos)


@kernel
def is_front_row(w, member: int) -> bool:
    return w.pop.role[member] == SUPERUSER or w.pop.rank[member] >= w.p.front_row_rank


@kernel
def seen_kudos_share(w, row: int) -> float:
    """Share of the earlier viewers a new viewer sees who gave kudos: every front-row viewer,
    each ordinary one with probability kudos_seen_share (and, among those seen, the givers
    as drawn from an urn), over at least kudos_min_audience. Stream: kudos."""
    log, p, rng = w.log, w.p, w.rng.kudos
    ordinary_views = log.views[row] - log.front_views[row]
    ordinary_kudos = log.kudos[row] - log.front_kudos[row]
    seen_views = rng.binomial(ordinary_views, p.kudos_seen_share) if ordinary_views > 0 else 0
    seen_kudos, givers, total = 0, ordinary_kudos, ordinary_views
    for _ in range(seen_views if ordinary_kudos > 0 else 0):  # without replacement
        if rng.random() * total < givers:
            seen_kudos += 1
            givers -= 1
        total -= 1
    return crowd_share(float(log.front_kudos[row] + seen_kudos), float(log.front_views[row] + seen_views),
                       p.kudos_min_audience)


@kernel
def first_kudo(w, viewer: int, row: int) -> bool:
    """True, and remembered, the first time `viewer` gives `row` a kudo: one kudo per member
    per answer however often it sees it (an open-addressing set of viewer x 2^32 + row, with
    linear probing, grown by half when 70% full)."""
    if 10 * (w.kudos_used + 1) > 7 * w.kudos_keys.size:  # at most 70% full
        old = w.kudos_keys
        w.kudos_keys = np.full(old.size + old.size // 2, EMPTY, np.int64)
        for key in old:
            if key != EMPTY:
                insert_key(w.kudos_keys, key)
    if insert_key(w.kudos_keys, (np.int64(viewer) << 32) + row):
        w.kudos_used += 1
        return True
    return False


@kernel
def insert_key(table, key) -> bool:
    """Add `key` to an open-addressing table; False if it was there already."""
    size = np.uint64(table.size)
    slot = np.int64(mix64(np.uint64(key)) % size)
    while table[slot] != EMPTY:
        if table[slot] == key:
            return False
        slot = slot + 1 if slot + 1 < table.size else 0
    table[slot] = key
    return True


@kernel
def give_kudos(w) -> None:
    """Judge the hour's views in time order, each against the answer as it stood at the start
    of the hour (kudos spread from hour to hour, like every hourly batch); no one gives kudos
    to their own answer.

    Reads the hour's views, the answer log's views and kudos, pop.conformity, role, rank.
    Changes the log's view and kudos counts, authors' recognition, the hour's kudos authors
    (for points), w.kudoed (answers that gained kudos, which their askers look at again next
    hour), counters. Stream: kudos."""
    v, log, p, pop = w.views, w.log, w.p, w.pop
    order = np.argsort(v.time, kind="mergesort")
    give, herded = np.zeros(order.size, np.bool_), np.zeros(order.size, np.bool_)
    judged = np.zeros(order.size, np.bool_)
    for i in range(order.size):
        viewer, row = v.viewer[order[i]], v.row[order[i]]
        if log.member[row] == viewer:
            continue
        judged[i] = True
        own = log.quality[row] + w.rng.kudos.normal(0.0, p.kudos_noise) > p.kudos_threshold
        herd = p.kudos_conformity and follows_crowd(seen_kudos_share(w, row), pop.conformity[viewer])
        if (own or herd) and first_kudo(w, viewer, row):
            give[i], herded[i] = True, not own
    authors, kudoed = np.empty(order.size, np.int64), np.empty(order.size, np.int64)
    n_authors = n_kudoed = 0
    for i in range(order.size):
        if not judged[i]:
            continue
        viewer, row = v.viewer[order[i]], v.row[order[i]]
        front = is_front_row(w, viewer)
        log.views[row] += 1
        log.front_views[row] += front
        w.counters[ANSWER_VIEWS] += 1
        if give[i]:
            log.kudos[row] += 1
            log.front_kudos[row] += front
            log.herded_kudos[row] += herded[i]
            kudoed[n_kudoed] = row
            n_kudoed += 1
            w.counters[KUDOS] += 1
            w.counters[HERDED_KUDOS] += herded[i]
            author = log.member[row]
            if author >= 0:  # staff answers can be liked, but recognise no member
                pop.recognition[author] += p.recognition_per_kudo
                authors[n_authors] = author
                n_authors += 1
    w.kudos_authors = authors[:n_authors]
    if n_kudoed:  # an answer liked twice is looked at twice, to the same effect
        w.kudoed = np.concatenate((w.kudoed, kudoed[:n_kudoed]))


@kernel
def seed_kudos(w) -> None:
    """The herding experiment (Muchnik, Aral & Taylor 2013; sim/experiments/herding.py):
    each new answer goes, with probability `herding_share` each, to a control arm or to a
    treatment that gives it one early kudo before anyone sees it, from an ordinary member
    or from the front row. Off (share 0) in every scenario.

    Reads this hour's new answer rows. Changes the log's seeded arm, views and kudos, and
    starts the hour's w.kudoed with the seeded answers.
    Stream: herding."""
    share = w.herding_share
    w.kudoed = np.empty(0, np.int64)  # give_kudos adds this hour's; the seeded come first
    if share <= 0.0:
        return
    log = w.log
    seeded = np.empty(log.n[0] - w.first_row, np.int64)
    n_seeded = 0
    for row in range(w.first_row, log.n[0]):
        draw = w.rng.herding.random()
        arm = CONTROL if draw < share else ORDINARY_KUDO if draw < 2 * share else FRONT_ROW_KUDO if draw < 3 * share else 0
        log.seeded[row] = arm
        if arm >= ORDINARY_KUDO:
            log.views[row] += 1  # the seeding viewer, who gave the kudo
            log.kudos[row] += 1
            seeded[n_seeded] = row
            n_seeded += 1
        if arm == FRONT_ROW_KUDO:
            log.front_views[row] += 1
            log.front_kudos[row] += 1
    w.kudoed = seeded[:n_seeded]
