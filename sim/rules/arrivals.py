"""Issue arrivals: a Poisson process per member, with Zipf topics and Beta difficulty."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import weighted_draw


@dataclass
class Issues:
    """A batch of product issues that arose in one hour."""

    member: np.ndarray
    topic: np.ndarray
    difficulty: np.ndarray
    time: np.ndarray

    @classmethod
    def none(cls) -> "Issues":
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))

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
    n = model.rng.poisson(sampler.issue_rate_per_hour * model.issue_rate_multiplier)
    if n == 0 or sampler.issue_rows.size == 0:
        return Issues.none()
    rng = model.rng
    members = sampler.issue_rows[weighted_draw(sampler.issue_cum, n, rng)]
    topics = np.searchsorted(model.topic_cdf, rng.random(n), side="right")
    difficulty = rng.beta(b.difficulty_alpha, b.difficulty_beta, n)
    times = np.sort(hour_start + rng.random(n))
    return Issues(members, np.minimum(topics, model.topic_cdf.size - 1), difficulty, times)
