"""Who can be online: the daily index of live members by role, and each contributor's
chance of being online in an hour, = min(hours cap, hours a week x propensity) / 168 (super-
users browse `superuser_online_boost` times longer). Rebuilt once a day after churn, joins
and role changes, so the hourly rules draw in O(draws x log members)."""

from __future__ import annotations

import numpy as np

from sim.state.jit import kernel
from sim.state.streams import ONLINE, binomial_quantile, keyed_uniform, pick
from sim.state.population import READER, RESPONDER, SUPERUSER
from sim.state.world import Online

HOURS_PER_WEEK = 168.0


@kernel
def online_probability(w, member: int) -> float:
    """0 for a contributor on a break (sim/rules/motivation.py)."""
    p = w.p
    if w.pop.break_until[member] > w.now:
        return 0.0
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
    so a member drawn twice visits once). Stream: online (keyed by hour; the visit time by
    member and hour)."""
    o = w.online
    hour = int(round(w.now))
    counts = np.zeros(2, np.int64)
    for role, rows, mean in ((0, o.responders, o.mean_probability[0]), (1, o.superusers, o.mean_probability[1])):
        counts[role] = binomial_quantile(keyed_uniform(w.keys[ONLINE, 0], hour, role), rows.size, mean)
    drawn = np.empty(counts.sum(), np.int64)
    for j in range(counts[0]):
        drawn[j] = o.responders[pick(o.responder_cum, keyed_uniform(w.keys[ONLINE, 1], hour, j))]
    for j in range(counts[1]):
        drawn[counts[0] + j] = o.superusers[pick(o.superuser_cum, keyed_uniform(w.keys[ONLINE, 2], hour, j))]
    drawn.sort()
    distinct = 0
    for j in range(drawn.size):  # a member drawn twice visits once
        if j == 0 or drawn[j] != drawn[j - 1]:
            drawn[distinct] = drawn[j]
            distinct += 1
    members = drawn[:distinct]
    visit = np.empty(members.size)
    for i in range(members.size):
        visit[i] = w.now - 1.0 + keyed_uniform(w.keys[ONLINE, 3], w.pop.identity[members[i]], hour)
    return members, visit
