"""Escalation: a question still unsolved when the asker's patience runs out goes to the
contact centre, a failed deflection that costs a contact."""

from __future__ import annotations

from sim.rules.contact_centre import call_contact_centre
from sim.rules.experience import learn_from_experience
from sim.state.counters import ESCALATIONS
from sim.state.jit import kernel
from sim.state.population import FORUM
from sim.state.threads import ESCALATED, expire_open


@kernel
def escalate_expired(w) -> None:
    """Reads open threads' deadlines. Changes their status, the open list, askers' memory
    of the forum, and the pending calls (counted as escalations once answered)."""
    threads, p = w.threads, w.p
    expired = expire_open(threads.status, threads.closed, threads.deadline, w.open_threads, w.now, ESCALATED)
    for t in expired:
        asker = threads.asker[t]
        learn_from_experience(w, asker, FORUM, 0.0, threads.deadline[t] - threads.created[t],
                              p.experience_learning_rate)
        call_contact_centre(w, asker, ESCALATIONS, threads.deadline[t], 0)
