"""Escalation: a question still unsolved when the asker's patience runs out is a failed
deflection. The asker chooses what to do next by its learned utilities, as when it first
chose a channel: call the contact centre, complain in public, or give up unresolved."""

from __future__ import annotations

from sim.rules.channels import channel_utility, logit_choice
from sim.rules.contact_centre import call_contact_centre
from sim.rules.experience import live_through
from sim.rules.social import open_complaint
from sim.state.counters import ESCALATIONS, ESCALATIONS_GIVEN_UP, ESCALATIONS_TO_SOCIAL
from sim.state.jit import kernel
from sim.state.population import CONTACT, FORUM, SOCIAL
from sim.state.streams import COMPLAINING, exponential_quantile, keyed_uniform
from sim.state.threads import ESCALATED, expire_open

CALL, COMPLAIN, GIVE_UP = 0, 1, 2  # where an escalation goes
FIRST_SUBKEY = 3  # sub-keys 3..5 of the channels stream: one Gumbel draw per route
ESCALATION_PATIENCE = 2  # sub-key of the complaining stream


@kernel
def escalate(w, member: int, defect: int, asked_at: float, deadline: float, event: int) -> None:
    """An asker whose question went unanswered from `asked_at` to `deadline` learns that the
    forum failed it, then goes on by the logit of its utilities for calling, complaining in
    public and giving up (utility_give_up). Changes the member's memory of the forum and
    satisfaction, the pending calls, complaints, counters. Streams: channels and complaining
    (keyed by member and `event`, the thread or me-too)."""
    p, identity = w.p, w.pop.identity[member]
    live_through(w, member, FORUM, 0.0, deadline - asked_at)
    utilities = (channel_utility(w, member, CONTACT), channel_utility(w, member, SOCIAL), p.utility_give_up)
    route = logit_choice(w, utilities, FIRST_SUBKEY, identity, event)
    if route == CALL:
        call_contact_centre(w, member, ESCALATIONS, deadline, 0, defect)
    elif route == COMPLAIN:
        patience = exponential_quantile(keyed_uniform(w.keys[COMPLAINING, ESCALATION_PATIENCE], identity, event),
                                        p.social_patience_hours)
        open_complaint(w, member, deadline, patience, 0, defect)
        w.counters[ESCALATIONS_TO_SOCIAL] += 1
    else:
        w.counters[ESCALATIONS_GIVEN_UP] += 1


@kernel
def escalate_expired(w) -> None:
    """Reads open threads' deadlines. Changes their status, the open list, and what an
    escalation changes."""
    threads = w.threads
    expired = expire_open(threads.status, threads.closed, threads.deadline, w.open_threads, w.now, ESCALATED)
    for t in expired:
        escalate(w, threads.asker[t], threads.defect[t], threads.created[t], threads.deadline[t], t)
