"""Product launches: a launch (a scheduled Mesa event) adds new topics, with little or no
documentation, and a surge of issues about them that decays back to a lasting share.

Topics of every launch exist from the start with zero weight, so the per-topic arrays never
resize; a launch only switches its topics on."""

from __future__ import annotations

import numpy as np

from sim.state.counters import LAUNCHES
from sim.state.jit import kernel


@kernel
def update_topic_mix(w) -> None:
    """Day start: the day's topic probabilities and issue-rate multiplier. A launched
    product's topics get its lasting share plus a decaying surge, relative to the normal rate.
    Reads w.topics, the time. Changes topics.cdf and topics.rate_multiplier."""
    t = w.topics
    weights = t.base_weights.copy()
    multiplier = 1.0
    for i in range(t.launch_day.size):
        if not t.launch_started[i]:
            continue
        days_since = (w.now - 24.0 * t.launch_day[i]) / 24.0
        intensity = t.launch_lasting[i] + t.launch_surge[i] * np.exp(-days_since / t.launch_decay_days[i])
        first = t.launch_first[i]
        last = first + t.launch_topics[i]
        weights[first:last] = intensity * t.launch_weights[first:last]
        multiplier += intensity
    t.cdf[:] = np.cumsum(weights / weights.sum())
    t.rate_multiplier[0] = multiplier


@kernel
def start_launch(w, launch: int) -> None:
    """The launch itself: its topics switch on, with the documentation it ships with."""
    t = w.topics
    first, last = t.launch_first[launch], t.launch_first[launch] + t.launch_topics[launch]
    t.launch_started[launch] = True
    w.kb.articles[first:last] += t.launch_articles[launch] * t.launch_weights[first:last]
    w.counters[LAUNCHES] += 1
