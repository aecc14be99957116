"""Issue arrivals: a Poisson process per member, with Zipf topics and Beta difficulty."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Issues:
    """A batch of product issues that arose in one hour."""

    member: np.ndarray
    topic: np.ndarray
    difficulty: np.ndarray
    time: np.ndarray

    def subset(self, mask: np.ndarray) -> "Issues":
        return Issues(self.member[mask], self.topic[mask], self.difficulty[mask], self.time[mask])

    def __len__(self) -> int:
        return self.member.size


def zipf_weights(k: int, exponent: float) -> np.ndarray:
    """Popularity of topic ranks 1..k under Zipf's law (normalised)."""
    w = np.arange(1, k + 1, dtype=float) ** -exponent
    return w / w.sum()


def draw_issues(model, hour_start: float) -> Issues:
    """Issues of the hour: a Poisson count over all members, assigned by issue propensity.

    Sampling members by cumulative propensity costs O(issues log members), not O(members).
    """
    sampler, b = model.samplers, model.config.behaviour
    n = model.rng.poisson(sampler.issue_rate_per_hour)
    if n == 0 or sampler.issue_rows.size == 0:
        return Issues(*(np.empty(0, dtype=d) for d in ("int64", "int64", "float64", "float64")))
    rng = model.rng
    pick = np.searchsorted(sampler.issue_cum, rng.random(n) * sampler.issue_cum[-1], side="right")
    members = sampler.issue_rows[np.minimum(pick, sampler.issue_rows.size - 1)]
    topics = np.searchsorted(model.topic_cdf, rng.random(n), side="right")
    difficulty = rng.beta(b.difficulty_alpha, b.difficulty_beta, n)
    times = np.sort(hour_start + rng.random(n))
    return Issues(members, np.minimum(topics, b.topics - 1), difficulty, times)
