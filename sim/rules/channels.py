"""Channel choice when self-service fails: a multinomial logit over the open channels,
with utilities learned from each customer's own experience (an EWMA of success and wait,
sim/rules/experience.py); a customer who chooses the contact centre calls it."""

from __future__ import annotations

import numpy as np

from sim.rules.arrivals import TO_FORUM, UNRESOLVED
from sim.rules.contact_centre import call_contact_centre
from sim.state.counters import DIRECT_CONTACTS
from sim.state.jit import kernel
from sim.state.population import CONTACT, FORUM, SOCIAL
from sim.state.streams import CHANNELS_KEY, gumbel_quantile, keyed_uniform


@kernel
def channel_utility(w, member: int, channel: int) -> float:
    """Base utility + experience x learned success - wait cost x learned wait."""
    p, pop = w.p, w.pop
    if channel == FORUM:
        if not p.forum_open:
            return -np.inf
        base = p.utility_forum
    elif channel == CONTACT:
        base = p.utility_contact
    else:
        base = p.utility_social
    return (base + p.experience_weight * pop.channel_success[member, channel]
            - p.wait_cost_per_hour * pop.channel_wait[member, channel])


@kernel
def logit_choice(w, utilities, first_subkey: int, identity: int, event: int) -> int:
    """The index a customer chooses among `utilities` (a tuple) by the Gumbel-max trick: a
    multinomial logit, one keyed draw per option (channels stream, sub-keys first_subkey on)."""
    best, best_value = 0, -np.inf
    for i in range(len(utilities)):
        u = keyed_uniform(w.keys[CHANNELS_KEY, first_subkey + i], identity, event)
        value = utilities[i] + gumbel_quantile(u)
        if value > best_value:
            best, best_value = i, value
    return best


@kernel
def choose_channels(w) -> None:
    """Logit choice by the Gumbel-max trick, one draw per customer and channel.

    Reads the hour's unresolved issues, pop.channel_success and channel_wait. Changes
    issues.outcome (TO_FORUM + channel). Stream: channels (keyed by member and issue)."""
    issues, pop = w.issues, w.pop
    for i in range(issues.member.size):
        if issues.outcome[i] != UNRESOLVED:
            continue
        member = issues.member[i]
        utilities = (channel_utility(w, member, FORUM), channel_utility(w, member, CONTACT),
                     channel_utility(w, member, SOCIAL))
        issues.outcome[i] = TO_FORUM + logit_choice(w, utilities, 0, pop.identity[member], issues.k[i])


@kernel
def call_directly(w) -> None:
    """Issues whose customer chose the contact centre become contacts.

    Reads the hour's issues. Changes the pending calls (sim/rules/contact_centre.py)."""
    issues = w.issues
    for i in range(issues.member.size):
        if issues.outcome[i] == TO_FORUM + CONTACT:
            call_contact_centre(w, issues.member[i], DIRECT_CONTACTS, issues.time[i], 0, issues.defect[i])

