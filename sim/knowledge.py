"""The knowledge base: a decaying stock of solved threads and articles per topic.

Coverage saturates with the stock, coverage = 1 - exp(-S / s_half) (DESIGN.md §4). Each
topic keeps a ring of its latest solved threads so self-service views can be credited to
the members who wrote them ("one answer can help thousands").
"""

from __future__ import annotations

import numpy as np

RING = 8


class KnowledgeBase:
    def __init__(self, topic_weights: np.ndarray, initial_articles: float, half_stock: float,
                 half_life_days: float):
        k = topic_weights.size
        self.half_stock = half_stock
        self.daily_retention = 0.5 ** (1.0 / half_life_days)
        self.articles = initial_articles * topic_weights  # company docs and legacy threads
        self.community = np.zeros(k)  # stock of solved community threads
        self.recent_threads = np.full((k, RING), -1, dtype=np.int64)
        self.ring_next = np.zeros(k, dtype=np.int64)

    def coverage(self, topics: np.ndarray) -> np.ndarray:
        stock = self.articles[topics] + self.community[topics]
        return 1.0 - np.exp(-stock / self.half_stock)

    def community_share(self, topics: np.ndarray) -> np.ndarray:
        """Chance that a found answer is a community thread rather than an article."""
        stock = self.articles[topics] + self.community[topics]
        return np.divide(self.community[topics], stock, out=np.zeros(topics.size), where=stock > 0)

    def add_solved(self, topics: np.ndarray, thread_ids: np.ndarray) -> None:
        np.add.at(self.community, topics, 1.0)
        for topic, thread in zip(topics.tolist(), thread_ids.tolist()):  # solved threads only
            self.recent_threads[topic, self.ring_next[topic] % RING] = thread
            self.ring_next[topic] += 1

    def pick_threads(self, topics: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A recent solved thread per topic for credit (-1 where the topic has none)."""
        filled = np.minimum(self.ring_next[topics], RING)
        slots = (rng.random(topics.size) * np.maximum(filled, 1)).astype(np.int64)
        picks = self.recent_threads[topics, slots]
        return np.where(filled > 0, picks, -1)

    def decay_one_day(self) -> None:
        self.articles *= self.daily_retention
        self.community *= self.daily_retention
