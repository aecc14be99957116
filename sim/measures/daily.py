"""The daily record: every KPI as of the day's end, plus the day's flows, read from running
tallies (counters, members by role and by day of last post, the histogram of answer counts,
the answer-delay heaps) rather than by rescanning members and threads. A test keeps it
equal to the column-scanning `summary` (sim/measures/kpis.py) at every day's end."""

from __future__ import annotations

import numpy as np

from sim.measures.answering import median_delay
from sim.measures.kpis import (cost_kpis, flow_kpis, net_sentiment, participation_from_hist, rate, roles_kpis,
                               superuser_retention)
from sim.state.counters import FLOW_COUNTERS
from sim.state.jit import kernel
from sim.state.population import ACTIVE_DAYS, OLD, POST_RING, SUPERUSER, roll_post_days


@kernel
def answering_tallies(w):
    """(median delay, the histogram of answer counts) from the compiled side."""
    return median_delay(w), w.answer_hist.copy()


def answering_from_tallies(counters: dict[str, float], median: float) -> dict[str, float]:
    return {
        "answer_rate_24h": rate(counters["answered_within_24h"], counters["mature_threads"]),
        "answer_rate_ever": rate(counters["answered_threads"], counters["forum_threads"]),
        "median_hours_to_first_answer": median,
        "solution_rate": rate(counters["solved"], counters["forum_threads"]),
    }


def active_counts(post_days: np.ndarray, day: int) -> tuple[int, int, int]:
    """Live members who posted in the last 30 days, super-users among them, and lurkers (no
    post in 12 weeks), at the end of `day` (the ring holds days up to a few ahead)."""
    recent = [d % POST_RING for d in range(day - ACTIVE_DAYS, day + 3)]
    active = post_days[:, recent].sum(axis=1)
    return int(active.sum()), int(active[SUPERUSER]), int(post_days[:, OLD].sum())


class DailyRecord:
    """Builds each day's record; remembers yesterday's counters for the day's flows."""

    def __init__(self):
        self.flows_before = dict.fromkeys(FLOW_COUNTERS, 0.0)

    def record(self, world, initial_superusers: np.ndarray, now: float) -> dict[str, float]:
        day = int(round(now / 24.0))
        roll_post_days(world.ref, day)
        counters = world.counter_values()
        median, answer_hist = answering_tallies(world.ref)
        tallies = world.tallies
        kpis = {
            **answering_from_tallies(counters, median),
            **flow_kpis(counters),
            **cost_kpis(world.config, counters, now),
            **participation_from_hist(answer_hist),
            **roles_kpis(tallies.role_count, *active_counts(tallies.post_days, day)),
            "superuser_retention": superuser_retention(world.pop, initial_superusers, now),
            "days": now / 24.0,
        }
        flows = {f"{name}_day": counters[name] - self.flows_before[name] for name in FLOW_COUNTERS}
        self.flows_before = {name: counters[name] for name in FLOW_COUNTERS}
        sentiment = net_sentiment(flows["positive_impressions_day"], flows["negative_impressions_day"])
        return {"day": now / 24.0, **kpis, **flows, "brand_sentiment_day": sentiment}
