"""The social channel, customer side: public complaints, giving up on them, onlookers and
pile-ups.

A complaint is seen by the complainer's followers, of whom a share are customers too. When
it ends in public (a public reply, or silence until the complainer gives up) those onlookers
learn from it, with a smaller weight than from their own experience. Reach is heavy-tailed,
so what happens to the loudest complainers is what most customers see. Onlookers with a
similar issue may join a complaint while it is open: on their own grievance, or by the
crowd rule of the standing-ovation kernel.
"""

from __future__ import annotations

import numpy as np

from sim.rules.arrivals import TO_FORUM
from sim.rules.cascade import crowd_share, follows_crowd
from sim.rules.contact_centre import COMPLAIN, call_at_random_time, call_contact_centre, drop_entries
from sim.rules.defects import report_complaint
from sim.rules.experience import learn_from_experience, live_through
from sim.state.buffers import append
from sim.state.counters import (CALLS_TO_SOCIAL, COMPLAINTS, COMPLAINTS_PEER_ANSWERED, COMPLAINTS_UNANSWERED,
                                NEGATIVE_IMPRESSIONS, ONLOOKER_VIEWS, PILEUP_CONTACTS, PILEUP_JOINS, POSITIVE_IMPRESSIONS,
                                SOCIAL_FALLBACKS)
from sim.state.jit import kernel
from sim.state.population import SOCIAL
from sim.state.streams import COMPLAINING, exponential_quantile, keyed_uniform
from sim.state.threads import SERVED, UNANSWERED, compact_open, expire_open, push_open

MAX_ONLOOKERS_PER_BATCH = 100_000
OPENED = -3  # a pending complaint just opened, dropped from the calls


@kernel
def open_complaint(w, member: int, time: float, patience: float, calls: int, defect: int) -> None:
    """A new open public complaint about `defect` (-1: unknown), seen by the complainer's
    followers; `calls` made about the issue before (by a caller who hung up), which a call
    after it continues to count."""
    complaints, pop = w.complaints, w.pop
    c = complaints.n[0]
    complaints.n[0] += 1
    complaints.member[c] = member
    complaints.reach[c] = pop.reach[member]
    complaints.created[c] = time
    complaints.deadline[c] = time + patience
    complaints.calls[c] = calls
    complaints.defect[c] = defect
    report_complaint(w, defect)
    push_open(w.open_complaints, c)
    w.counters[COMPLAINTS] += 1
    w.counters[NEGATIVE_IMPRESSIONS] += pop.reach[member]


@kernel
def complain_in_public(w) -> None:
    """Open a public complaint per issue taken to social media, and per caller who hung up
    and chose to complain instead (sim/rules/contact_centre.py).

    Reads the hour's issues, the pending complaints among the calls, pop.reach. Changes
    complaints (a new open row each), counters, the pending calls. Stream: complaining
    (keyed by member and issue, or by member and call: the complainer's patience)."""
    issues, pop, calls = w.issues, w.pop, w.calls
    mean = w.p.social_patience_hours
    for i in range(issues.member.size):
        if issues.outcome[i] == TO_FORUM + SOCIAL:
            member = issues.member[i]
            u = keyed_uniform(w.keys[COMPLAINING, 0], pop.identity[member], issues.k[i])
            open_complaint(w, member, issues.time[i], exponential_quantile(u, mean), 0, issues.defect[i])
    opened = False
    for i in range(w.calls_n):
        if calls.kind[i] == COMPLAIN and calls.time[i] < w.now:
            member = calls.member[i]
            u = keyed_uniform(w.keys[COMPLAINING, 1], pop.identity[member], calls.number[i])
            open_complaint(w, member, calls.time[i], exponential_quantile(u, mean), calls.attempt[i], -1)
            calls.kind[i] = OPENED
            opened = True
            w.counters[CALLS_TO_SOCIAL] += 1
    if opened:
        drop_entries(w, OPENED)


@kernel
def show_to_onlookers(w, reach, success, wait) -> None:
    """Customers among the followers see each outcome: Poisson(reach x customer share) per
    complaint, drawn uniformly from current members, and learn from it a little.
    Stream: social."""
    p, rng, alive = w.p, w.rng.social, w.online.alive
    if p.observation_learning_rate == 0.0 or alive.size == 0:
        return
    seen = np.empty(reach.size, np.int64)
    for i in range(reach.size):
        seen[i] = rng.poisson(reach[i] * p.audience_customer_share)
    total = seen.sum()
    if total > MAX_ONLOOKERS_PER_BATCH:  # thin every audience alike, keeping the mix of outcomes
        for i in range(reach.size):
            seen[i] = rng.binomial(seen[i], MAX_ONLOOKERS_PER_BATCH / total)
        total = seen.sum()
    for i in range(reach.size):
        for _ in range(seen[i]):
            onlooker = alive[rng.integers(0, alive.size)]
            learn_from_experience(w, onlooker, SOCIAL, success[i], wait[i], p.observation_learning_rate)
    w.counters[ONLOOKER_VIEWS] += total


@kernel
def settle_complaints(w, ids, when, resolved, wait, in_public: bool, by_the_brand: bool) -> None:
    """Close complaints that got a reply at `when`, resolved or not: the complainer learns
    from it, onlookers see a public outcome, followers see a public reply by the brand and a
    solved complainer's thanks, and an unresolved complainer calls instead.

    Changes the complaints' status, the open list, the hour's closed complaints, members'
    memory of the social channel, counters, and what a call changes. Stream: social (onlookers)."""
    complaints = w.complaints
    for i in range(ids.size):
        complaints.status[ids[i]] = SERVED
        complaints.closed[ids[i]] = when[i]
        live_through(w, complaints.member[ids[i]], SOCIAL, resolved[i], wait[i])
    compact_open(complaints.status, w.open_complaints)
    if in_public:
        show_to_onlookers(w, complaints.reach[ids].astype(np.float64), resolved, wait)
    for i in range(ids.size):
        audience = complaints.reach[ids[i]] + complaints.pile_reach[ids[i]]
        w.counters[POSITIVE_IMPRESSIONS] += audience * ((1.0 if by_the_brand else 0.0) + resolved[i])
    for i in range(ids.size):
        if not resolved[i]:
            c = ids[i]
            call_contact_centre(w, complaints.member[c], SOCIAL_FALLBACKS, when[i], complaints.calls[c],
                                complaints.defect[c])
    w.closed_complaints = append(w.closed_complaints, ids)


@kernel
def peer_replies(w) -> None:
    """Members answer public complaints (the 004 seed's community-supported Caltrain feed):
    each complaint still open gets a member's public reply within the hour with chance
    1 - exp(-peer_reply_per_hour), at a uniform moment of the hour, if the complainer has not
    given up by then. It resolves the issue with chance peer_resolution; a member's reply is
    not the brand's, so followers see only a solved complainer's thanks. Off at rate 0.

    Reads open complaints. Changes what settle_complaints changes and
    counters[COMPLAINTS_PEER_ANSWERED]. Stream: social."""
    p, complaints, rng = w.p, w.complaints, w.rng.social
    if p.social_peer_reply_per_hour <= 0.0:
        return
    open_ids = w.open_complaints.id[:w.open_complaints.n[0]]
    chance = 1.0 - np.exp(-p.social_peer_reply_per_hour)
    ids, when = np.empty(open_ids.size, np.int64), np.empty(open_ids.size)
    n = 0
    for c in open_ids:
        if rng.random() < chance:
            at = max(complaints.created[c], w.now - 1.0) + rng.random() * (w.now - max(complaints.created[c], w.now - 1.0))
            if at <= complaints.deadline[c]:
                ids[n], when[n] = c, at
                n += 1
    if n == 0:
        return
    ids, when = ids[:n], when[:n]
    resolved, wait = np.empty(n), np.empty(n)
    for i in range(n):
        resolved[i] = 1.0 if rng.random() < p.social_peer_resolution else 0.0
        wait[i] = when[i] - complaints.created[ids[i]]
    settle_complaints(w, ids, when, resolved, wait, True, False)
    w.counters[COMPLAINTS_PEER_ANSWERED] += n


@kernel
def give_up_unanswered(w) -> None:
    """Complaints with no reply by the complainer's deadline: the complainer learns that
    shouting failed, so do the onlookers, and the complainer calls instead.

    Reads the open complaints. Changes their status, the hour's closed complaints, members'
    memory of the social channel, counters, and what a call changes."""
    complaints = w.complaints
    expired = expire_open(complaints.status, complaints.closed, complaints.deadline, w.open_complaints,
                          w.now, UNANSWERED)
    if expired.size == 0:
        return
    wait = complaints.deadline[expired] - complaints.created[expired]
    for i in range(expired.size):
        live_through(w, complaints.member[expired[i]], SOCIAL, 0.0, wait[i])
    show_to_onlookers(w, complaints.reach[expired].astype(np.float64), np.zeros(expired.size), wait)
    w.counters[COMPLAINTS_UNANSWERED] += expired.size
    for i in range(expired.size):
        c = expired[i]
        call_contact_centre(w, complaints.member[c], SOCIAL_FALLBACKS, complaints.deadline[c], complaints.calls[c],
                            complaints.defect[c])
    w.closed_complaints = append(w.closed_complaints, expired)


@kernel
def pile_on(w) -> None:
    """Onlookers with a similar issue join the complaints open during the hour: on their
    own grievance, or by conformity (more than their share X of the onlookers they know of
    joined, as the complaint stood at the start of the hour). A pile-up reaches further as it
    grows and fades from timelines with a half-life; exposure counts only while the complaint
    was open, so a reply closes it. Joiners may also call.

    Reads open and just-closed complaints, pop.reach and conformity. Changes complaints'
    onlookers, pile and pile_reach, counters, and what a call changes. Stream: social."""
    complaints, p, rng, alive = w.complaints, w.p, w.rng.social, w.online.alive
    ids = np.concatenate((w.open_complaints.id[:w.open_complaints.n[0]], w.closed_complaints))
    if ids.size == 0 or alive.size == 0:
        return
    hour_start = w.now - 1.0
    seen = np.empty(ids.size, np.int64)
    for i in range(ids.size):
        c = ids[i]
        created = complaints.created[c]
        start = max(hour_start, created) - created
        end = max(min(w.now, complaints.closed[c]) - created, start)
        exposure = 2.0 ** (-start / p.pileup_half_life_hours) - 2.0 ** (-end / p.pileup_half_life_hours)
        audience = complaints.reach[c] + complaints.pile_reach[c]
        seen[i] = rng.poisson(audience * p.audience_customer_share * p.pileup_similar_share * exposure)
    total = seen.sum()
    if total == 0:
        return
    complaint, onlooker, joins = np.empty(total, np.int64), np.empty(total, np.int64), np.zeros(total, np.bool_)
    at = 0
    for i in range(ids.size):
        c = ids[i]
        share = crowd_share(float(complaints.pile[c]), float(complaints.onlookers[c]), p.kudos_min_audience)
        for _ in range(seen[i]):
            complaint[at] = c
            onlooker[at] = alive[rng.integers(0, alive.size)]
            joins[at] = rng.standard_normal() > p.pileup_threshold
            if p.pileup_conformity and follows_crowd(share, w.pop.conformity[onlooker[at]]):
                joins[at] = True
            at += 1
    for j in range(total):
        c = complaint[j]
        complaints.onlookers[c] += 1
        if joins[j]:
            complaints.pile[c] += 1
            complaints.pile_reach[c] += w.pop.reach[onlooker[j]]
            w.counters[PILEUP_JOINS] += 1
            w.counters[NEGATIVE_IMPRESSIONS] += w.pop.reach[onlooker[j]]
    for j in range(total):
        if joins[j] and rng.random() < p.pileup_contact_share:
            call_at_random_time(w, onlooker[j], PILEUP_CONTACTS, complaints.defect[complaint[j]])
