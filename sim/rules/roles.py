"""Role transitions. Every change keeps the member's row, agent and unique_id, so identity
and history survive: reader -> responder by reciprocity, responder -> super-user by
sustained activity and recognition, super-user -> responder when activity falls."""

from __future__ import annotations

import numpy as np

from sim.state.counters import ROLE_CHANGES
from sim.state.jit import kernel
from sim.state.population import READER, RESPONDER, SUPERUSER, set_role
from sim.state.streams import RECIPROCITY, keyed_uniform


@kernel
def change_role(w, member: int, role: int) -> None:
    if set_role(w, member, role, w.now):
        w.counters[ROLE_CHANGES] += 1


@kernel
def reciprocate(w, asker: int) -> None:
    """A reader whose question was solved may start helping others.
    Stream: reciprocity (keyed by member and how often it has been helped)."""
    pop = w.pop
    if pop.role[asker] != READER or not pop.alive[asker]:
        return
    if keyed_uniform(w.keys[RECIPROCITY, 0], pop.identity[asker], pop.times_helped[asker]) < w.p.reciprocity:
        change_role(w, asker, RESPONDER)


@kernel
def weekly_activity(w, member: int) -> float:
    """Answers per week implied by the decaying activity record (a daily-decayed sum)."""
    retention = 0.5 ** (1.0 / w.p.activity_half_life_days)
    return w.pop.activity[member] * (1.0 - retention) * 7.0


@kernel
def promote_and_demote(w) -> None:
    """Daily: sustained, recognised responders rise; fading super-users step back.

    Activity is judged only after one activity half-life in the role, so a member is judged
    on a settled record rather than on the empty one it started the role with. Programme
    members keep the role while in the programme; its own review drops the idle.
    Reads w.online, pop.activity, recognition, role_since, in_programme. Changes roles."""
    p, pop, o = w.p, w.pop, w.online
    settled_since = w.now - 24.0 * p.activity_half_life_days
    rising = np.empty(o.responders.size, np.int64)
    n_rising = 0
    for m in o.responders:
        if weekly_activity(w, m) >= p.promote_answers_per_week and pop.recognition[m] >= p.promote_recognition:
            rising[n_rising] = m
            n_rising += 1
    fading = np.empty(o.superusers.size, np.int64)
    n_fading = 0
    for m in o.superusers:
        if (pop.role_since[m] <= settled_since and weekly_activity(w, m) < p.demote_answers_per_week
                and not pop.in_programme[m]):
            fading[n_fading] = m
            n_fading += 1
    for m in rising[:n_rising]:
        change_role(w, m, SUPERUSER)
    for m in fading[:n_fading]:
        change_role(w, m, RESPONDER)
