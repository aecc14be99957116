"""Members join and leave.

New members draw their traits from their own keyed stream (by identity: the day they joined
and their order that day), so the same newcomer has the same traits in every scenario.
Churn: each member carries an exponential hazard budget; every day its hazard (raised by
dissatisfaction with its service, and by fatigue for contributors: burnout) is spent, and the member leaves when the budget runs out
(the same law as a daily coin with probability 1 - exp(-hazard), but a member's leaving day
does not depend on anyone else's draws). Joining grows with the community's answer rate
("the 90 percent will come if you have the 1 percent").
"""

from __future__ import annotations

import numpy as np

from sim.rules.arrivals import start_issue_clock
from sim.state.counters import CHURNED, CUSTOMERS_LOST_TO_SERVICE, JOINED, JOINERS
from sim.state.jit import inline, kernel
from sim.state.population import READER, RESPONDER, SOCIAL, enter, leave
from sim.state.streams import (MEMBERSHIP, TRAITS, beta_quantile, exponential_quantile, gamma_quantile,
                               keyed_uniform, normal_quantile, pick, poisson_quantile)

EXPERTISE, AREA, ONLINE, ISSUE_RATE, INTRINSIC, REACH, CONFORMITY, SENSITIVITY = range(8)  # trait sub-keys
BUDGET, JOIN_COUNT = 0, 1  # membership sub-keys


@kernel
def identity_of(day: int, order: int) -> int:
    return (np.int64(day) << 32) | order


@kernel
def online_propensity(w, identity: int) -> float:
    """Log-normal(0, online_sigma): how much a member would browse; it also ranks the first
    members into roles (sim/model.py)."""
    return np.exp(normal_quantile(keyed_uniform(w.keys[TRAITS, ONLINE], identity, 0), 0.0, w.p.online_sigma))


@kernel
def draw_traits(w, member: int) -> None:
    """A new member's traits, from its identity; expertise is Beta around its role's mean.

    Changes the member's expertise, area, propensities, intrinsic motivation, reach,
    conformity, reward sensitivity, social prior, issue clock and churn budget."""
    p, pop = w.p, w.pop
    identity = pop.identity[member]

    def u(trait):
        return keyed_uniform(w.keys[TRAITS, trait], identity, 0)

    role = pop.role[member]
    mean = (p.expertise_reader if role == READER else p.expertise_responder if role == RESPONDER
            else p.expertise_superuser)
    pop.expertise[member] = beta_quantile(u(EXPERTISE), mean * p.expertise_concentration,
                                          (1.0 - mean) * p.expertise_concentration)
    pop.area[member] = pick(w.topics.area_cdf, u(AREA))
    pop.online_propensity[member] = online_propensity(w, identity)
    pop.issue_propensity[member] = gamma_quantile(u(ISSUE_RATE), p.issue_propensity_shape,
                                                  1.0 / p.issue_propensity_shape)
    pop.intrinsic[member] = normal_quantile(u(INTRINSIC), p.intrinsic_mean, p.intrinsic_sd)
    pop.reach[member] = np.exp(normal_quantile(u(REACH), np.log(p.reach_median), p.reach_sigma))
    pop.conformity[member] = beta_quantile(u(CONFORMITY), p.conformity_mean * p.conformity_concentration,
                                           (1.0 - p.conformity_mean) * p.conformity_concentration)
    s = u(SENSITIVITY)  # strong, none or moderate, in the configured shares (Hoernle et al. 2020)
    pop.reward_sensitivity[member] = (p.sensitivity_strong if s < p.sensitivity_strong_share else 0.0
                                      if s >= 1.0 - p.sensitivity_unaffected_share else p.sensitivity_moderate)
    pop.channel_success[member, SOCIAL] = p.social_prior_success
    pop.satisfaction[member] = p.satisfaction_start
    pop.churn_budget[member] = exponential_quantile(keyed_uniform(w.keys[MEMBERSHIP, BUDGET], identity, 0), 1.0)
    start_issue_clock(w, member)


@kernel
def add_member(w, identity: int, role: int) -> int:
    """A new row: alive, in `role`, with its traits drawn. Returns the row."""
    member = w.pop.n[0]
    w.pop.n[0] += 1
    w.pop.identity[member] = identity
    enter(w, member, role, w.now)
    draw_traits(w, member)
    return member


@kernel
def recent_answer_rate(w, window_days: float) -> float:
    """24-hour answer rate of threads opened between window+1 and 1 day ago (NaN if none)."""
    t = w.threads
    created = t.created[:t.n[0]]
    lo = np.searchsorted(created, w.now - 24.0 * (window_days + 1.0))
    hi = np.searchsorted(created, w.now - 24.0)
    if hi <= lo:
        return np.nan
    answered = 0
    for i in range(lo, hi):
        answered += t.first_answer[i] - t.created[i] <= 24.0
    return answered / (hi - lo)


@inline
def spend_hazard(w, member: int, satisfied_hazard: float) -> int:
    """One day of a member's hazard: its hazard when satisfied, raised by its dissatisfaction.
    1 if that spends its budget and it leaves; the service's share of that day's hazard is then
    counted as a customer lost to service (so the count is the churn above the satisfied
    baseline, in expectation)."""
    raised = 1.0 + w.p.dissatisfaction_churn * (1.0 - w.pop.satisfaction[member])
    w.pop.churn_budget[member] -= satisfied_hazard * raised
    if w.pop.churn_budget[member] > 0.0:
        return 0
    leave(w, member, w.now)
    w.counters[CUSTOMERS_LOST_TO_SERVICE] += 1.0 - 1.0 / raised
    return 1


@kernel
def churn_one_day(w) -> None:
    """Each live member spends a day's hazard: the base hazard, raised for contributors by
    fatigue (burnout) and scaled by w.hazard_factor (the programme's perk, set just before),
    then raised by dissatisfaction.

    Reads w.online, pop.fatigue, satisfaction, churn_budget. Changes churn_budget, who is alive, the
    tallies (and the rows whose agents Python removes), counters[CHURNED]."""
    p, pop, o = w.p, w.pop, w.online
    base = p.churn_rate_per_year / 365.0
    gone = 0
    for m in o.readers:
        gone += spend_hazard(w, m, base)
    for i in range(o.contributors.size):
        m = o.contributors[i]
        gone += spend_hazard(w, m, base * (1.0 + p.burnout_churn_multiplier * pop.fatigue[m]) * w.hazard_factor[i])
    w.counters[CHURNED] += gone


@kernel
def draw_joiners(w) -> None:
    """How many join today: Poisson(members x join rate / 365 x (answer rate / reference) **
    elasticity), the answer rate of the last week's threads (the reference where there is no
    forum or no thread yet). Changes sync[JOINERS]. Stream: membership (keyed by day)."""
    p = w.p
    rate = recent_answer_rate(w, 7.0)
    if np.isnan(rate) or not p.forum_open:
        rate = p.join_reference_answer_rate
    pull = (max(rate, 0.0) / p.join_reference_answer_rate) ** p.join_answer_elasticity
    mean = w.online.alive.size * p.join_rate_per_year / 365.0 * pull
    day = int(round(w.now / 24.0))
    w.sync[JOINERS] = poisson_quantile(keyed_uniform(w.keys[MEMBERSHIP, JOIN_COUNT], day, 0), mean)


@kernel
def add_joiners(w) -> None:
    """Today's joiners as new readers (room was made for them after draw_joiners).
    Changes the population, the tallies, counters[JOINED], sync[JOINERS]."""
    day = int(round(w.now / 24.0))
    for order in range(w.sync[JOINERS]):
        add_member(w, identity_of(day, order), READER)
    w.counters[JOINED] += w.sync[JOINERS]
    w.sync[JOINERS] = 0


@kernel
def initial_propensities(w, n: int):
    """Online propensity of the first n members (identities 0..n-1), which ranks them into
    their first roles."""
    out = np.empty(n)
    for identity in range(n):
        out[identity] = online_propensity(w, identity)
    return out


@kernel
def found_community(w, roles) -> None:
    """The first members, rows 0..n-1 with identities 0..n-1 (day 0), in the given roles."""
    for member in range(roles.size):
        add_member(w, member, roles[member])

