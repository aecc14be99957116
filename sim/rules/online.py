"""Who can be online: the daily index of live members by role, and each contributor's
chance of being online in an hour, = min(hours cap, hours a week x propensity) / 168 (super-
users browse `superuser_online_boost` times longer). Rebuilt once a day after churn, joins
and role changes, so the hourly rules draw in O(draws x log members)."""

from __future__ import annotations

import numpy as np

from sim.state.jit import kernel
from sim.state.population import READER, RESPONDER, SUPERUSER
from sim.state.world import Online

HOURS_PER_WEEK = 168.0


@kernel
def online_probability(w, member: int) -> float:
    p = w.p
    hours = p.online_hours_median * (p.superuser_online_boost if w.pop.role[member] == SUPERUSER else 1.0)
    return min(p.online_hours_max, hours * w.pop.online_propensity[member]) / HOURS_PER_WEEK


@kernel
def index_members(w) -> None:
    """Reads pop.alive, role, online_propensity. Changes w.online (live rows by role, the
    responders' and super-users' cumulative online chances and their means)."""
    pop = w.pop
    n = pop.n[0]
    alive = np.flatnonzero(pop.alive[:n])
    roles = pop.role[alive]
    responders, superusers = alive[roles == RESPONDER], alive[roles == SUPERUSER]
    mean = np.zeros(2)
    cums = []
    for k, rows in enumerate((responders, superusers)):
        cum = np.empty(rows.size)
        total = 0.0
        for i in range(rows.size):
            total += online_probability(w, rows[i])
            cum[i] = total
        mean[k] = total / rows.size if rows.size else 0.0
        cums.append(cum)
    w.online = Online(alive[roles == READER], alive[roles != READER], alive, responders, cums[0], superusers,
                      cums[1], mean)


@kernel
def draw_online(w):
    """Contributors online this hour, in row order, and when in the hour each visits: a
    binomial count per role, then members drawn by their online chance (with replacement,
    so a member drawn twice visits once). Stream: browsing."""
    o, rng = w.online, w.rng.browsing
    drawn = np.empty(0, np.int64)
    for rows, cum, mean in ((o.responders, o.responder_cum, o.mean_probability[0]),
                            (o.superusers, o.superuser_cum, o.mean_probability[1])):
        if rows.size == 0:
            continue
        k = rng.binomial(rows.size, mean)
        picks = np.empty(k, np.int64)
        for i in range(k):
            picks[i] = rows[min(np.searchsorted(cum, rng.random() * cum[-1], side="right"), rows.size - 1)]
        drawn = np.concatenate((drawn, picks))
    members = np.unique(drawn)
    visit = np.empty(members.size)
    for i in range(members.size):
        visit[i] = w.now - 1.0 + rng.random()
    return members, visit
