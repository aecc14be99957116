"""KPIs (DESIGN.md §5) and the daily series. Participation measures use histograms of
answer counts, so a daily KPI snapshot costs O(members) numpy work, not a sort."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from sim.policies import policy_costs
from sim.arrays import run_starts
from sim.population import READER, RESPONDER, ROLE_NAMES, SUPERUSER
from sim.threads import SOLVED

LURK_WINDOW_HOURS = 12 * 168.0
ACTIVE_WINDOW_HOURS = 30 * 24.0

FLOW_COUNTERS = ("issues", "self_service", "community_self_service", "forum_threads", "answers",
                 "staff_answers", "solved", "direct_contacts", "escalations", "repeat_contacts",
                 "complaints", "complaints_served", "complaints_unanswered", "social_fallbacks", "joined", "churned",
                 "role_changes", "badge_awards", "rank_ups", "programme_invitations", "paid_answers",
                 "staff_assisted_answers", "onlooker_views", "launches", "answer_views", "kudos",
                 "herded_kudos", "pileup_joins", "pileup_contacts", "negative_impressions",
                 "positive_impressions")
CONTACT_COUNTERS = ("direct_contacts", "escalations", "repeat_contacts", "social_fallbacks",
                    "pileup_contacts")


class Counters(Counter):
    """Running totals of events; `add` takes keyword counts."""

    def add(self, **counts: int) -> None:
        for name, n in counts.items():
            self[name] += n


def top_share(counts: np.ndarray, k: float) -> float:
    """Share of the total held by the k largest counts (k may be fractional)."""
    total = counts.sum()
    if total == 0 or k <= 0:
        return float("nan")
    hist = np.bincount(counts)
    values = np.arange(hist.size)[::-1]
    members = hist[::-1]
    cum_members = np.cumsum(members)
    full = cum_members <= k
    taken = float((values[full] * members[full]).sum())
    remaining = k - (cum_members[full][-1] if full.any() else 0)
    boundary = np.argmax(~full) if (~full).any() else None
    if boundary is not None:
        taken += remaining * values[boundary]
    return taken / float(total)


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative integer counts, computed from their histogram."""
    n, total = counts.size, counts.sum()
    if n == 0 or total == 0:
        return float("nan")
    hist = np.bincount(counts)
    values = np.arange(hist.size)
    ranks_before = np.cumsum(hist) - hist
    rank_sum = hist * ranks_before + hist * (hist + 1) / 2.0  # sum of 1-based ranks per value
    weighted = float((values * rank_sum).sum())
    return 2.0 * weighted / (n * float(total)) - (n + 1.0) / n


def _rate(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def answering_kpis(threads, now: float) -> dict[str, float]:
    created = threads.live("created")
    first = threads.live("first_answer")
    answered = first <= now
    mature = created <= now - 24.0
    delay = first[answered] - created[answered]
    return {
        "answer_rate_24h": _rate(((first - created <= 24.0) & mature).sum(), mature.sum()),
        "answer_rate_ever": _rate(answered.sum(), created.size),
        "median_hours_to_first_answer": float(np.median(delay)) if delay.size else float("nan"),
        "solution_rate": _rate((threads.live("status") == SOLVED).sum(), created.size),
    }


def participation_kpis(pop, now: float) -> dict[str, float]:
    answers = pop.live("answers")
    alive = pop.live("alive")
    role = pop.live("role")
    last_post = pop.live("last_post")
    n_alive = int(alive.sum())
    recent = last_post >= now - ACTIVE_WINDOW_HOURS
    contributors = answers[answers > 0]
    superusers = int((alive & (role == SUPERUSER)).sum())
    return {
        "top1_answer_share": top_share(answers, 0.01 * answers.size),
        "top10_answer_share": top_share(contributors, 0.10 * contributors.size),
        "gini_answers": gini(answers),
        "lurker_share": _rate((alive & (last_post < now - LURK_WINDOW_HOURS)).sum(), n_alive),
        "superuser_share": _rate(superusers, n_alive),
        "superusers_active": int((alive & recent & (role == SUPERUSER)).sum()),
        "members_active": int((alive & recent).sum()),
        "members_now": n_alive,
        "readers": int((alive & (role == READER)).sum()),
        "responders": int((alive & (role == RESPONDER)).sum()),
        "superusers": superusers,
    }


def flow_kpis(counters: Counters) -> dict[str, float]:
    issues = counters["issues"]
    closed_complaints = counters["complaints_served"] + counters["complaints_unanswered"]
    return {
        "deflection_rate": _rate(counters["self_service"] + counters["solved"], issues),
        "forum_deflection_rate": _rate(counters["community_self_service"] + counters["solved"], issues),
        "self_service_rate": _rate(counters["self_service"], issues),
        "assisted_contacts": int(sum(counters[name] for name in CONTACT_COUNTERS)),
        "escalation_rate": _rate(counters["escalations"], counters["forum_threads"]),
        "social_share": _rate(counters["complaints"], issues),
        "social_unanswered_share": _rate(counters["complaints_unanswered"], closed_complaints),
        "staff_answer_share": _rate(counters["staff_answers"], counters["staff_answers"] + counters["answers"]),
        "volunteer_answers": int(counters["answers"]),
        "kudos_per_answer": _rate(counters["kudos"], counters["answers"] + counters["staff_answers"]),
        "herding_index": _rate(counters["herded_kudos"], counters["kudos"]),
        "pileup_mean_size": _rate(counters["pileup_joins"], counters["complaints"]),
        "brand_sentiment": net_sentiment(counters["positive_impressions"], counters["negative_impressions"]),
        **{name: counters[name] for name in FLOW_COUNTERS},
    }


def net_sentiment(positive: float, negative: float) -> float:
    """(positive - negative) / (positive + negative) impressions, from -1 to 1: complaints and
    pile-ups seen by followers against public fixes seen by theirs."""
    return _rate(positive - negative, positive + negative)


def cost_kpis(model, now: float) -> dict[str, float]:
    """Every cost in scenario currency; cost_total is the sum of the cost_* parts."""
    costs, counters = model.config.costs, model.counters
    moderation_hours = costs.moderation_hours_per_day * now / 24.0 if model.config.behaviour.forum_open else 0.0
    parts = {
        "cost_contacts": sum(counters[name] for name in CONTACT_COUNTERS) * costs.contact,
        "cost_self_service": counters["self_service"] * costs.self_service,
        "cost_moderation": moderation_hours * costs.staff_hour,
        **policy_costs(model),
        **model.rewards.costs(),
    }
    total = float(sum(parts.values()))
    return {"cost_total": total, "cost_per_issue": _rate(total, counters["issues"]),
            **{name: float(value) for name, value in parts.items()}}


def summary(model) -> dict[str, float]:
    """Every KPI of the run so far (cumulative from the start)."""
    now = float(model.time)
    return {
        **answering_kpis(model.threads, now),
        **flow_kpis(model.counters),
        **cost_kpis(model, now),
        **participation_kpis(model.population, now),
        "superuser_retention": superuser_retention(model.population, model.initial_superusers, now),
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


def superuser_retention(pop, initial_superusers: np.ndarray, now: float) -> float:
    """Share of the day-0 super-users still active: members, super-users, and posting in the
    last 30 days (a title alone does not count)."""
    rows = initial_superusers
    kept = (pop.alive[rows] & (pop.role[rows] == SUPERUSER)
            & (pop.last_post[rows] >= now - ACTIVE_WINDOW_HOURS))
    return _rate(kept.sum(), rows.size)


def recent_answer_rate(threads, now: float, window_days: float = 7.0) -> float:
    """24-hour answer rate of threads opened between window+1 and 1 day ago (for joining)."""
    created = threads.live("created")
    lo, hi = np.searchsorted(created, [now - 24.0 * (window_days + 1), now - 24.0])
    if hi <= lo:
        return float("nan")
    delay = threads.first_answer[lo:hi] - created[lo:hi]
    return float((delay <= 24.0).mean())


def answer_rate_by_count(model) -> np.ndarray:
    """Answers per member-day at each answer count c (index c): of the time members spent
    having written exactly c answers, how often they wrote the next one.

    It shows the goal gradient of badges: with a badge at c = 25 the rate climbs over
    c = 20..24 and falls at 25. Time at a count runs from the answer that reached it to the
    next answer, or to the member's departure or now.
    """
    log, pop, now = model.answer_log, model.population, float(model.time)
    member, time = log.live("member"), log.live("time")
    volunteer = member >= 0
    member, time = member[volunteer], time[volunteer]
    order = np.lexsort((time, member))
    member, time = member[order], time[order]
    starts = run_starts(member)
    position = np.arange(member.size)
    count = position - np.maximum.accumulate(np.where(starts, position, 0)) + 1
    followed = np.append(~starts[1:], False)  # the member's next answer is the next row
    departure = np.where(np.isnan(pop.left_at[member]), now, np.minimum(pop.left_at[member], now))
    end = np.where(followed, np.append(time[1:], now), departure)
    exposure_days = np.bincount(count, weights=(end - time) / 24.0)
    answered = np.bincount(count, weights=followed.astype(float))
    return np.divide(answered, exposure_days, out=np.full(answered.size, np.nan), where=exposure_days > 0)
