"""Product defects: the issue streams behind each topic, and what the company knows of them.

Each topic's issues come from a how-to stream that no fix removes (1 - fixable_share of the
topic's rate) and from `defects_per_topic` fixable defects whose severities (shares of the
topic's rate) split fixable_share at random. Defects of a launched product's topics start at
its launch. Defects are laid out by topic: topic t's are rows t·D .. t·D + D - 1.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.state.streams import TOPICS, exponential_quantile, keyed_uniform

ACTIVE, NOTICED, FIXED = 0, 1, 2  # a defect's state
SEVERITY = 2  # sub-key of the topics stream: a defect's severity, keyed by topic and defect

Defects = namedtuple("Defects", [
    "severity",    # share of its topic's issue rate
    "born",        # hour the defect starts (0, or its product's launch)
    "state",       # ACTIVE, NOTICED or FIXED
    "calls",       # recent calls about it (exponentially forgotten)
    "complaints",  # recent public complaints about it
    "fixed_at",    # when its fix ships (booked when noticed; NaN until then)
    "open_thread",  # the latest thread about it, which me-toos join while it is open (-1: none)
    "next_fix",    # [hour from which the product teams can ship their next fix]
])


def build_defects(config, topics, keys: np.ndarray) -> Defects:
    product = config.product
    per_topic, n_topics = product.defects_per_topic, topics.base_weights.size
    draws = np.array([[exponential_quantile(keyed_uniform(keys[TOPICS, SEVERITY], t, d), 1.0)
                       for d in range(per_topic)] for t in range(n_topics)]).reshape(n_topics, per_topic)
    severity = product.fixable_share * draws / draws.sum(axis=1, keepdims=True)
    born = np.zeros(n_topics)
    for i, launch in enumerate(config.launches):
        first = topics.launch_first[i]
        born[first:first + launch.new_topics] = 24.0 * launch.day
    n = n_topics * per_topic
    return Defects(severity.ravel(), np.repeat(born, per_topic), np.zeros(n, np.int8), np.zeros(n), np.zeros(n),
                   np.full(n, np.nan), np.full(n, -1, np.int64), np.zeros(1))
