"""The social channel, customer side: public complaints, giving up on them, and onlookers.

A complaint is seen by the complainer's followers, of whom a share are customers too. When
it ends in public (a public reply, or silence until the complainer gives up) those
onlookers learn from it, with a smaller weight than from their own experience. Reach is
heavy-tailed, so what happens to the loudest complainers is what most customers see.
"""

from __future__ import annotations

import numpy as np

from sim.complaints import UNANSWERED
from sim.population import SOCIAL
from sim.rules.arrivals import Issues
from sim.rules.channels import call_contact_centre, learn_from_experience

MAX_ONLOOKERS_PER_BATCH = 100_000


def complain_in_public(model, issues: Issues) -> np.ndarray:
    if len(issues) == 0:
        return np.empty(0, dtype=np.int64)
    patience = model.rng.exponential(model.config.behaviour.social_patience_hours, len(issues))
    ids = model.complaints.open(member=issues.member, reach=model.population.reach[issues.member],
                                created=issues.time, deadline=issues.time + patience)
    model.counters.add(complaints=len(issues))
    return ids


def give_up_unanswered(model, until: float) -> np.ndarray:
    """Complaints with no reply by the complainer's deadline: the complainer learns that
    shouting failed, so do the onlookers, and the complainer calls instead."""
    complaints = model.complaints
    open_ids = complaints.open_ids
    expired = open_ids[complaints.deadline[open_ids] < until]
    if expired.size == 0:
        return expired
    complaints.close(expired, UNANSWERED, complaints.deadline[expired])
    members = complaints.member[expired].astype(np.int64)
    wait = complaints.deadline[expired] - complaints.created[expired]
    learn_from_experience(model, members, SOCIAL, np.zeros(expired.size), wait)
    show_to_onlookers(model, complaints.reach[expired], np.zeros(expired.size), wait)
    model.counters.add(complaints_unanswered=expired.size)
    call_contact_centre(model, members, counter="social_fallbacks")
    return expired


def show_to_onlookers(model, reach: np.ndarray, success: np.ndarray, wait: np.ndarray) -> None:
    """Customers among the followers see the outcome: Poisson(reach x customer share) each,
    drawn uniformly from current members."""
    b, rng = model.config.behaviour, model.rng
    members = model.samplers.issue_rows
    seen = rng.poisson(reach * b.audience_customer_share)
    total = int(seen.sum())
    if total == 0 or members.size == 0 or b.observation_learning_rate == 0:
        return
    if total > MAX_ONLOOKERS_PER_BATCH:  # thin every audience alike, keeping the mix of outcomes
        seen = rng.binomial(seen, MAX_ONLOOKERS_PER_BATCH / total)
        total = int(seen.sum())
    onlookers = members[rng.integers(0, members.size, total)]
    learn_from_experience(model, onlookers, SOCIAL, np.repeat(success, seen), np.repeat(wait, seen),
                          rate=b.observation_learning_rate)
    model.counters.add(onlooker_views=total)
