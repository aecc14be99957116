"""Topics and the knowledge base.

Topics: their popularity (Zipf), their area, and the products launched later, whose topics
exist from the start with zero weight so no per-topic array ever resizes.

Knowledge: a decaying stock of articles and solved community threads per topic; coverage
saturates with the stock, coverage = 1 - exp(-S / s_half) (DESIGN.md §4). Each topic keeps a
ring of its latest solved threads so self-service views can be credited to the members who
wrote them ("one answer can help thousands").
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.state.jit import inline, kernel

RING = 8  # recent solved threads remembered per topic

Topics = namedtuple("Topics", [
    "base_weights",      # popularity of the original topics (launch topics 0)
    "area",              # area of each topic
    "area_cdf",          # cumulative popularity of areas: new members' speciality
    "cdf",               # cumulative topic mix of the current day
    "rate_multiplier",   # [issue rate relative to normal today]
    "launch_day", "launch_first", "launch_topics", "launch_lasting", "launch_surge",
    "launch_decay_days", "launch_articles", "launch_started",
    "launch_weights",    # popularity of each launch topic within its launch
])

Knowledge = namedtuple("Knowledge", ["articles", "community", "recent", "ring_next"])


def zipf_weights(k: int, exponent: float) -> np.ndarray:
    """Popularity of topic ranks 1..k under Zipf's law (normalised)."""
    w = np.arange(1, k + 1, dtype=float) ** -exponent
    return w / w.sum()


def build_topics(config) -> Topics:
    b, launches = config.behaviour, config.launches
    n_topics = b.topics + sum(launch.new_topics for launch in launches)
    base = np.zeros(n_topics)
    base[: b.topics] = zipf_weights(b.topics, b.topic_zipf)
    area = np.concatenate([(np.arange(b.topics) * b.topic_areas) // b.topics,
                           np.arange(n_topics - b.topics) % b.topic_areas]).astype(np.int64)
    first = b.topics + np.concatenate([[0], np.cumsum([launch.new_topics for launch in launches])[:-1]]).astype(np.int64)
    weights = np.zeros(n_topics)
    for start, launch in zip(first.tolist(), launches):
        weights[start:start + launch.new_topics] = zipf_weights(launch.new_topics, b.topic_zipf)
    column = lambda name, dtype: np.array([getattr(launch, name) for launch in launches], dtype=dtype)  # noqa: E731
    members = config.population.members
    articles = np.array([launch.capacity("articles", members) for launch in launches], dtype=float)
    return Topics(base, area, np.cumsum(np.bincount(area, weights=base)), np.cumsum(base), np.ones(1),
                  column("day", np.int64), first, column("new_topics", np.int64), column("lasting_share", float),
                  column("surge", float), column("surge_decay_days", float), articles,
                  np.zeros(len(launches), dtype=bool),
                  weights)


def build_knowledge(config, topics: Topics) -> Knowledge:
    k = topics.base_weights.size
    initial = config.behaviour.capacity("initial_articles", config.population.members)
    return Knowledge(initial * topics.base_weights, np.zeros(k),
                     np.full((k, RING), -1, dtype=np.int64), np.zeros(k, dtype=np.int64))


@inline
def coverage(kb, half_stock: float, topic: int) -> float:
    return 1.0 - np.exp(-(kb.articles[topic] + kb.community[topic]) / half_stock)


@inline
def community_share(kb, topic: int) -> float:
    """Chance that a found answer is a community thread rather than an article."""
    stock = kb.articles[topic] + kb.community[topic]
    return kb.community[topic] / stock if stock > 0 else 0.0


@kernel
def add_solved(kb, topic: int, thread: int) -> None:
    kb.community[topic] += 1.0
    kb.recent[topic, kb.ring_next[topic] % RING] = thread
    kb.ring_next[topic] += 1
