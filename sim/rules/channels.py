"""Channel choice when self-service fails: a multinomial logit over the open channels,
with utilities learned from each customer's own experience (an EWMA of success and wait).
The channel axis is open-ended, so the social channel only adds a column."""

from __future__ import annotations

import numpy as np

from sim.arrays import first_occurrences
from sim.population import CHANNELS, CONTACT, FORUM


def channel_utilities(model, members: np.ndarray) -> np.ndarray:
    b, pop = model.config.behaviour, model.population
    base = np.array([b.utility_forum, b.utility_contact, b.utility_social])
    utility = (base + b.experience_weight * pop.channel_success[members]
               - b.wait_cost_per_hour * pop.channel_wait[members])
    if not b.forum_open:
        utility[:, FORUM] = -np.inf
    return utility


def choose_channels(model, members: np.ndarray) -> np.ndarray:
    """Logit choice via the Gumbel-max trick: one draw per customer and channel."""
    if members.size == 0:
        return np.zeros(0, dtype=np.int64)
    gumbel = model.rng.gumbel(size=(members.size, len(CHANNELS)))
    return np.argmax(channel_utilities(model, members) + gumbel, axis=1)


def learn_from_experience(model, members: np.ndarray, channel: int, success: np.ndarray,
                          wait_hours: np.ndarray, rate: float | None = None) -> None:
    """Move the customer's memory of a channel towards what just happened (or what it saw
    happen to someone else, at the smaller `rate` of observation).

    A customer with several experiences in one batch gets one EWMA update per experience,
    in batch order (rounds of first occurrences; almost always a single round).
    """
    if rate is None:
        rate = model.config.behaviour.experience_learning_rate
    memory_of_success = model.population.channel_success[:, channel]
    memory_of_wait = model.population.channel_wait[:, channel]
    while members.size:
        first = first_occurrences(members)
        who = members[first]
        memory_of_success[who] += rate * (success[first] - memory_of_success[who])
        memory_of_wait[who] += rate * (wait_hours[first] - memory_of_wait[who])
        if first.size == members.size:
            return
        rest = np.ones(members.size, dtype=bool)
        rest[first] = False
        members, success, wait_hours = members[rest], success[rest], wait_hours[rest]


def call_contact_centre(model, members: np.ndarray, counter: str = "direct_contacts") -> None:
    """Assisted contacts: an unresolved first contact brings a repeat contact."""
    if members.size == 0:
        return
    b = model.config.behaviour
    resolved = model.rng.random(members.size) < b.contact_resolution
    model.counters.add(**{counter: members.size}, repeat_contacts=int((~resolved).sum()))
    wait = np.where(resolved, b.contact_wait_hours, 2 * b.contact_wait_hours)
    learn_from_experience(model, members, CONTACT, np.ones(members.size), wait)
