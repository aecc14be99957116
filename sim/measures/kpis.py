"""KPIs of a run (DESIGN.md §5), computed from the world's columns: the reference that the
daily record's running tallies (sim/measures/daily.py) must match. Participation measures
use histograms of answer counts, so a snapshot costs O(members) numpy work, not a sort."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.state.counters import CONTACT_COUNTERS, FLOAT_COUNTERS, FLOW_COUNTERS
from sim.state.jit import kernel
from sim.state.population import ACTIVE_DAYS, LURK_DAYS, READER, RESPONDER, ROLE_NAMES, SUPERUSER
from sim.state.threads import SOLVED

LURK_WINDOW_HOURS = 24.0 * LURK_DAYS
ACTIVE_WINDOW_HOURS = 24.0 * ACTIVE_DAYS
DAYS_PER_MONTH = 365.0 / 12.0


def rate(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


@kernel
def top_share(hist, k: float) -> float:
    """Share of the total held by the k largest counts (k may be fractional), from the
    histogram of counts (hist[c] = how many have count c)."""
    total = 0.0
    for count in range(hist.size):
        total += count * hist[count]
    if total == 0 or k <= 0:
        return np.nan
    taken, left = 0.0, k
    for count in range(hist.size - 1, 0, -1):
        members = min(float(hist[count]), left)
        taken += members * count
        left -= members
        if left <= 0:
            break
    return taken / total


@kernel
def gini(hist) -> float:
    """Gini coefficient of non-negative integer counts, from their histogram: 2 sum(rank x
    value) / (n x total) - (n + 1) / n, with equal values sharing their ranks' sum."""
    n, total, weighted, ranks_before = 0.0, 0.0, 0.0, 0.0
    for count in range(hist.size):
        members = float(hist[count])
        n += members
        total += count * members
        weighted += count * (members * ranks_before + members * (members + 1.0) / 2.0)
        ranks_before += members
    if n == 0 or total == 0:
        return np.nan
    return 2.0 * weighted / (n * total) - (n + 1.0) / n


@kernel
def participation_from_hist(hist):
    """(top1 share by the most active 1% of all members, top10 share by the most active 10%
    of contributors, Gini of answers), from the histogram of answer counts."""
    contributors = hist.copy()
    contributors[0] = 0
    return top_share(hist, 0.01 * hist.sum()), top_share(contributors, 0.10 * contributors.sum()), gini(hist)


PARTICIPATION = ("top1_answer_share", "top10_answer_share", "gini_answers")


def roles_kpis(role_count: np.ndarray, active: int, superusers_active: int, lurkers: int) -> dict[str, float]:
    n_alive = int(role_count.sum())
    return {"lurker_share": rate(lurkers, n_alive), "superuser_share": rate(role_count[SUPERUSER], n_alive),
            "superusers_active": int(superusers_active), "members_active": int(active), "members_now": n_alive,
            "active_member_share": rate(active, n_alive),
            "readers": int(role_count[READER]), "responders": int(role_count[RESPONDER]),
            "superusers": int(role_count[SUPERUSER])}


def flow_kpis(c: dict[str, float]) -> dict[str, float]:
    issues = c["issues"]
    closed_complaints = c["complaints_served"] + c["complaints_peer_answered"] + c["complaints_unanswered"]
    return {
        "deflection_rate": rate(c["self_service"] + c["solved"] + c["metoo_solved"], issues),
        "forum_deflection_rate": rate(c["community_self_service"] + c["solved"] + c["metoo_solved"], issues),
        "views_per_deflection": rate(c["answer_views"], c["community_self_service"] + c["solved"] + c["metoo_solved"]),
        "self_service_rate": rate(c["self_service"], issues),
        "assisted_contacts": int(sum(c[name] for name in CONTACT_COUNTERS)),
        "escalation_rate": rate(c["escalation_calls"], c["forum_threads"]),
        "social_share": rate(c["complaints"], issues),
        "social_unanswered_share": rate(c["complaints_unanswered"], closed_complaints),
        "staff_answer_share": rate(c["staff_answers"], c["staff_answers"] + c["answers"]),
        "volunteer_answers": int(c["answers"]),
        "kudos_per_answer": rate(c["kudos"], c["answers"] + c["staff_answers"]),
        "herding_index": rate(c["herded_kudos"], c["kudos"]),
        "pileup_mean_size": rate(c["pileup_joins"], c["complaints"]),
        "brand_sentiment": brand_sentiment(c),
        **contact_centre_kpis(c),
        **product_kpis(c),
        **{name: c[name] if name in FLOAT_COUNTERS else int(c[name]) for name in FLOW_COUNTERS},
    }


def contact_centre_kpis(c: dict[str, float]) -> dict[str, float]:
    """The queue's service: every call offered (a retry is a new call) was answered or
    abandoned; the mean wait is over answered calls (average speed of answer); occupancy is
    agent time spent handling calls over agent time on shift."""
    offered = c["calls_answered"] + c["calls_abandoned"]
    return {
        "calls_offered": int(offered),
        "contact_wait_minutes": rate(c["wait_minutes"], c["calls_answered"]),
        "contact_service_level": rate(c["calls_within_target"], offered),
        "contact_abandon_rate": rate(c["calls_abandoned"], offered),
        "contact_occupancy": rate(c["busy_minutes"], c["agent_minutes"]),
    }


def product_kpis(c: dict[str, float]) -> dict[str, float]:
    """The voice-of-customer loop: defects noticed and fixed, and how long each took from the
    defect's start (the run's start, or its product's launch); the share of forum questions
    that were a me-too on an open thread."""
    return {
        "metoo_share": rate(c["metoos"], c["metoos"] + c["forum_threads"]),
        "mean_days_to_notice": rate(c["days_to_notice"], c["defects_noticed"]),
        "mean_days_to_fix": rate(c["days_to_fix"], c["defects_fixed"]),
    }


def brand_sentiment(c: dict[str, float]) -> float:
    """Net sentiment of the brand's public impressions, from -1 to 1: (positive - negative) /
    (positive + negative). Negative: followers who saw a complaint or a pile-up. Positive:
    followers who saw a public reply or a solved complainer's thanks, and views of answers in
    the public forum, where customers see the brand's community solve problems. The forum's
    part keeps the measure moving under every policy, `ignore` included [assumption: one view
    weighs as one impression]."""
    return rate(c["positive_impressions"] + c["answer_views"] - c["negative_impressions"],
                c["positive_impressions"] + c["answer_views"] + c["negative_impressions"])


def cost_kpis(config, c: dict[str, float], now: float) -> dict[str, float]:
    """Every cost in scenario currency; cost_total is the sum of the cost_* parts. Agents and
    teams are paid for their time on shift, whether or not the queue keeps them busy;
    capacities given per 1,000 members are sized on the members at the start."""
    costs, forum, social, programme = (config.costs, config.policy.forum, config.policy.social,
                                       config.rewards.programme)
    days, forum_open, members = now / 24.0, config.behaviour.forum_open, config.population.members
    staffed = forum.kind != "none" and forum_open
    perks = c["programme_member_days"] / DAYS_PER_MONTH * programme.cost_per_member_month
    access_hours = c["staff_assisted_answers"] * programme.staff_access_minutes / 60.0
    parts = {
        "cost_contact_centre": c["agent_minutes"] / 60.0 * costs.agent_hour,
        "cost_self_service": c["self_service"] * costs.self_service,
        "cost_platform": (costs.capacity("platform_per_year", members) * days / 365.0 if forum_open else 0.0),
        "cost_moderation": (costs.capacity("moderation_hours_per_day", members) * days if forum_open else 0.0)
        * costs.staff_hour,
        "cost_forum_staff": (forum.capacity("staff_hours_per_day", members) * days if staffed else 0.0)
        * costs.staff_hour,
        "cost_social_team": (social.capacity("team_hours_per_day", members) * days if social.kind != "ignore" else 0.0)
        * costs.social_hour,
        "cost_pay": c["paid_answers"] * config.rewards.pay.per_accepted,
        "cost_programme": perks + access_hours * costs.staff_hour,
    }
    total = float(sum(parts.values()))
    return {"cost_total": total, "cost_per_issue": rate(total, c["issues"]),
            "revenue_at_risk": c["customers_lost_to_service"] * costs.customer_value_per_year,
            "cost_per_month": rate(total, days / DAYS_PER_MONTH),
            "cost_per_contact": rate(parts["cost_contact_centre"], sum(c[name] for name in CONTACT_COUNTERS)),
            **{name: float(value) for name, value in parts.items()}}


def answering_kpis(threads, now: float) -> dict[str, float]:
    created, first = threads.live("created"), threads.live("first_answer")
    answered = first <= now
    mature = created <= now - 24.0
    delay = first[answered] - created[answered]
    return {
        "answer_rate_24h": rate(((first - created <= 24.0) & mature).sum(), mature.sum()),
        "answer_rate_ever": rate(answered.sum(), created.size),
        "median_hours_to_first_answer": float(np.median(delay)) if delay.size else float("nan"),
        "solution_rate": rate((threads.live("status") == SOLVED).sum(), created.size),
    }


def superuser_retention(pop, initial_superusers: np.ndarray, now: float) -> float:
    """Share of the day-0 super-users still active: members, super-users, and posting in the
    last 30 days (a title alone does not count)."""
    rows = initial_superusers
    kept = pop.alive[rows] & (pop.role[rows] == SUPERUSER) & (pop.last_post[rows] >= now - ACTIVE_WINDOW_HOURS)
    return rate(kept.sum(), rows.size)


def steered_share(pop, rewards) -> float:
    """Share of the members who ever earned a badge that belong to the strongly reward-steered
    group (Hoernle et al. 2020); undefined when no badge was earned or no group is stronger."""
    earned = pop.live("badges") > 0
    if rewards.sensitivity_strong <= rewards.sensitivity_moderate:
        return float("nan")
    cutoff = (rewards.sensitivity_strong + rewards.sensitivity_moderate) / 2.0  # the float32 column, not equality
    return rate((pop.live("reward_sensitivity")[earned] > cutoff).sum(), earned.sum())


def summary(world, initial_superusers: np.ndarray, now: float) -> dict[str, float]:
    """Every KPI of the run so far (cumulative from the start), from the columns."""
    pop, counters = world.pop, world.counter_values()
    alive, role, last_post = pop.live("alive"), pop.live("role"), pop.live("last_post")
    recent = alive & (last_post >= now - ACTIVE_WINDOW_HOURS)
    role_count = np.bincount(role[alive], minlength=3)
    return {
        **answering_kpis(world.threads, now),
        **flow_kpis(counters),
        **cost_kpis(world.config, counters, now),
        **dict(zip(PARTICIPATION, participation_from_hist(np.bincount(pop.live("answers"))))),
        **roles_kpis(role_count, recent.sum(), (recent & (role == SUPERUSER)).sum(),
                     (alive & (last_post < now - LURK_WINDOW_HOURS)).sum()),
        "superuser_retention": superuser_retention(pop, initial_superusers, now),
        "badge_earners_steered_share": steered_share(pop, world.config.rewards),
        "days": now / 24.0,
    }


def members_table(pop) -> pd.DataFrame:
    """One row per member who ever joined: role (the last one held), whether still a member,
    join and leave day, and what they wrote; the source of the Lorenz curve of answers."""
    return pd.DataFrame({
        "role": pd.Categorical.from_codes(pop.live("role"), ROLE_NAMES),
        "alive": pop.live("alive"), "joined_day": pop.live("joined_at") / 24.0,
        "left_day": pop.live("left_at") / 24.0, "answers": pop.live("answers"),
        "accepted": pop.live("accepted"), "questions": pop.live("questions"), "points": pop.live("points"),
    })


def answer_rate_by_count(log, pop, now: float) -> np.ndarray:
    """Answers per member-day at each answer count c (index c): of the time members spent
    having written exactly c answers, how often they wrote the next one.

    It shows the goal gradient of badges: with a badge at c = 25 the rate climbs over
    c = 20..24 and falls at 25. Time at a count runs from the answer that reached it to the
    next answer, or to the member's departure or now.
    """
    member, time = log.live("member"), log.live("time")
    volunteer = member >= 0
    member, time = member[volunteer], time[volunteer]
    order = np.lexsort((time, member))
    member, time = member[order], time[order]
    starts = np.empty(member.size, dtype=bool)
    starts[:1] = True
    np.not_equal(member[1:], member[:-1], out=starts[1:])
    position = np.arange(member.size)
    count = position - np.maximum.accumulate(np.where(starts, position, 0)) + 1
    followed = np.append(~starts[1:], False)  # the member's next answer is the next row
    departure = np.where(np.isnan(pop.left_at[member]), now, np.minimum(pop.left_at[member], now))
    end = np.where(followed, np.append(time[1:], now), departure)
    exposure_days = np.bincount(count, weights=(end - time) / 24.0)
    answered = np.bincount(count, weights=followed.astype(float))
    return np.divide(answered, exposure_days, out=np.full(answered.size, np.nan), where=exposure_days > 0)
