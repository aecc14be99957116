"""Escalation: a question still unsolved when the asker's patience runs out is a failed
deflection. The asker chooses what to do next by its learned utilities, as when it first
chose a channel: call the contact centre, complain in public, or give up unresolved."""

from __future__ import annotations

import numpy as np

from sim.rules.channels import channel_utility
from sim.rules.contact_centre import call_contact_centre
from sim.rules.defects import report_call
from sim.rules.experience import feel, live_through
from sim.rules.social import open_complaint
from sim.state.counters import ESCALATIONS, ESCALATIONS_GIVEN_UP, ESCALATIONS_TO_SOCIAL
from sim.state.jit import kernel
from sim.state.population import CONTACT, FORUM, SOCIAL
from sim.state.streams import CHANNELS_KEY, COMPLAINING, exponential_quantile, gumbel_quantile, keyed_uniform
from sim.state.threads import ESCALATED, expire_open

CALL, COMPLAIN, GIVE_UP = 0, 1, 2  # where an escalation goes
FIRST_SUBKEY = 3  # sub-keys 3..5 of the channels stream: one Gumbel draw per route
ESCALATION_PATIENCE = 2  # sub-key of the complaining stream


@kernel
def escalate(w, member: int, defect: int, time: float, event: int) -> None:
    """Send an unanswered asker on by the logit of its utilities for calling, complaining in
    public and giving up (utility_give_up). Changes the pending calls, complaints, the
    member's satisfaction, counters. Streams: channels and complaining (keyed by member and
    `event`, the thread or me-too)."""
    p, identity = w.p, w.pop.identity[member]
    values = (channel_utility(w, member, CONTACT), channel_utility(w, member, SOCIAL), p.utility_give_up)
    route, best = CALL, -np.inf
    for r in range(3):
        value = values[r] + gumbel_quantile(keyed_uniform(w.keys[CHANNELS_KEY, FIRST_SUBKEY + r], identity, event))
        if value > best:
            route, best = r, value
    if route == CALL:
        report_call(w, defect)
        call_contact_centre(w, member, ESCALATIONS, time, 0)
    elif route == COMPLAIN:
        patience = exponential_quantile(keyed_uniform(w.keys[COMPLAINING, ESCALATION_PATIENCE], identity, event),
                                        p.social_patience_hours)
        open_complaint(w, member, time, patience, 0, defect)
        w.counters[ESCALATIONS_TO_SOCIAL] += 1
    else:
        feel(w, member, 0.0, 0.0)
        w.counters[ESCALATIONS_GIVEN_UP] += 1


@kernel
def escalate_expired(w) -> None:
    """Reads open threads' deadlines. Changes their status, the open list, askers' memory
    of the forum and satisfaction, and what an escalation changes."""
    threads = w.threads
    expired = expire_open(threads.status, threads.closed, threads.deadline, w.open_threads, w.now, ESCALATED)
    for t in expired:
        asker = threads.asker[t]
        live_through(w, asker, FORUM, 0.0, threads.deadline[t] - threads.created[t])
        escalate(w, asker, threads.defect[t], threads.deadline[t], t)
