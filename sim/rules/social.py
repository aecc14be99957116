"""The social channel, customer side: public complaints, giving up on them, and onlookers.

A complaint is seen by the complainer's followers, of whom a share are customers too. When
it ends in public (a public reply, or silence until the complainer gives up) those
onlookers learn from it, with a smaller weight than from their own experience. Reach is
heavy-tailed, so what happens to the loudest complainers is what most customers see.
"""

from __future__ import annotations

import numpy as np

from sim.ovation.hall import crowd_share, follows_crowd
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
    model.counters.add(complaints=len(issues),
                       negative_impressions=float(model.population.reach[issues.member].sum()))
    return ids


def pile_on(model, hour_start: float, ids: np.ndarray) -> None:
    """Onlookers with a similar issue join the complaints `ids` that were open during the
    hour: on their own grievance, or by the crowd rule of the standing-ovation kernel (more
    than their share X of the onlookers they know of joined). A pile-up reaches further as it
    grows and fades from timelines with a half-life; exposure counts only while the
    complaint was open, so a reply closes it. Joiners may also call."""
    b, complaints, rng, pop = model.config.behaviour, model.complaints, model.rng, model.population
    members = model.samplers.issue_rows
    if ids.size == 0 or members.size == 0:
        return
    created = complaints.created[ids]
    start = np.maximum(hour_start, created) - created
    end = np.minimum(model.time, complaints.closed[ids]) - created
    exposure = (np.exp2(-start / b.pileup_half_life_hours)
                - np.exp2(-np.maximum(end, start) / b.pileup_half_life_hours))  # share of its lifetime
    reach = complaints.reach[ids] + complaints.pile_reach[ids]
    seen = rng.poisson(reach * b.audience_customer_share * b.pileup_similar_share * exposure)
    if seen.sum() == 0:
        return
    complaint = np.repeat(ids, seen)
    onlooker = members[rng.integers(0, members.size, complaint.size)]
    joins = rng.standard_normal(complaint.size) > b.pileup_threshold
    if b.pileup_conformity:
        share = crowd_share(complaints.pile[complaint], complaints.onlookers[complaint], b.kudos_min_audience)
        joins |= follows_crowd(share, pop.conformity[onlooker])
    np.add.at(complaints.onlookers, complaint, 1)
    np.add.at(complaints.pile, complaint[joins], 1)
    np.add.at(complaints.pile_reach, complaint[joins], pop.reach[onlooker[joins]])
    joiners = onlooker[joins]
    model.counters.add(pileup_joins=joiners.size, negative_impressions=float(pop.reach[joiners].sum()))
    calling = joiners[rng.random(joiners.size) < b.pileup_contact_share]
    call_contact_centre(model, calling, counter="pileup_contacts")


def give_up_unanswered(model, until: float) -> np.ndarray:
    """Complaints with no reply by the complainer's deadline: the complainer learns that
    shouting failed, so do the onlookers, and the complainer calls instead."""
    complaints = model.complaints
    expired = complaints.expire(until, UNANSWERED)
    if expired.size == 0:
        return expired
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
