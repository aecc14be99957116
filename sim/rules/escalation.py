"""Escalation: a question still unsolved when the asker's patience runs out goes to the
contact centre, a failed deflection that costs a contact."""

from __future__ import annotations

import numpy as np

from sim.population import FORUM
from sim.rules.channels import call_contact_centre, learn_from_experience
from sim.threads import ESCALATED


def escalate_expired(model, until: float) -> np.ndarray:
    threads = model.threads
    expired = threads.expire(until, ESCALATED)
    if expired.size == 0:
        return expired
    deadline = threads.deadline[expired]
    askers = threads.asker[expired].astype(np.int64)
    learn_from_experience(model, askers, FORUM, np.zeros(expired.size),
                          deadline - threads.created[expired])
    call_contact_centre(model, askers, counter="escalations")
    return expired
