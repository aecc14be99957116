"""The daily record: every KPI as of the day's end, plus the day's flows, read from running
tallies (counters, members by role and by day of last post, the histogram of answer counts,
the answer-delay heaps) rather than by rescanning members and threads. A test keeps it
equal to the column-scanning `summary` (sim/measures/kpis.py) at every day's end."""

from __future__ import annotations

import numpy as np

from sim.measures.answering import median_delay
from sim.measures.kpis import (PARTICIPATION, brand_sentiment, cost_kpis, flow_kpis, participation_from_hist, rate,
                               roles_kpis, superuser_retention)
from sim.measures.registry import KPIS
from sim.state.counters import FLOW_COUNTERS
from sim.state.jit import kernel
from sim.state.population import ACTIVE_DAYS, OLD, POST_RING, SUPERUSER, roll_post_days


@kernel
def tally_kpis(w, day: int):
    """The KPIs that would need a scan, read from the tallies at the end of `day`: (median
    delay, participation (top1, top10, Gini), live members who posted in the last 30 days or
    later, super-users among them, lurkers with no post in 12 weeks). Days older than 12 weeks
    are folded into the 'old' bucket first."""
    roll_post_days(w, day)
    active = np.zeros(3, np.int64)
    for d in range(max(day - ACTIVE_DAYS, 0), w.rolled_until[0] + POST_RING + 1):
        active += w.post_days[:, d % POST_RING]
    return (median_delay(w), participation_from_hist(w.answer_hist), active.sum(), active[SUPERUSER],
            w.post_days[:, OLD].sum())


def answering_from_tallies(counters: dict[str, float], median: float) -> dict[str, float]:
    return {
        "answer_rate_24h": rate(counters["answered_within_24h"], counters["mature_threads"]),
        "answer_rate_ever": rate(counters["answered_threads"], counters["forum_threads"]),
        "median_hours_to_first_answer": median,
        "solution_rate": rate(counters["solved"], counters["forum_threads"]),
    }


# A KPI that needs a scan of every member is left to the run's summary, so a day's record
# costs what the day's events cost.
SUMMARY_ONLY = ("badge_earners_steered_share",)
DAILY_KEYS = ("day", *(k for k in KPIS if k not in SUMMARY_ONLY), *(f"{name}_day" for name in FLOW_COUNTERS),
              "brand_sentiment_day")


class DailyRecord:
    """Builds each day's record (keys: DAILY_KEYS); remembers yesterday's counters for the
    day's flows."""

    def __init__(self):
        self.flows_before = dict.fromkeys(FLOW_COUNTERS, 0.0)

    def record(self, world, initial_superusers: np.ndarray, now: float) -> dict[str, float]:
        counters = world.counter_values()
        median, participation, active, superusers_active, lurkers = tally_kpis(world.ref, int(round(now / 24.0)))
        kpis = {
            **answering_from_tallies(counters, median),
            **flow_kpis(counters),
            **cost_kpis(world.config, counters, now),
            **dict(zip(PARTICIPATION, participation)),
            **roles_kpis(world.tallies.role_count, active, superusers_active, lurkers),
            "superuser_retention": superuser_retention(world.pop, initial_superusers, now),
            "days": now / 24.0,
        }
        flows = {f"{name}_day": counters[name] - self.flows_before[name] for name in FLOW_COUNTERS}
        self.flows_before = {name: counters[name] for name in FLOW_COUNTERS}
        sentiment = brand_sentiment({name: flows[f"{name}_day"] for name in
                                     ("positive_impressions", "answer_views", "negative_impressions")})
        return {"day": now / 24.0, **kpis, **flows, "brand_sentiment_day": sentiment}
