"""Product launches (scheduled Mesa events): a launch adds new topics, with little or no
documentation, and a surge of issues about them that decays back to a lasting share.

Topics of every launch exist from the start with zero weight, so the per-topic arrays
never resize; a launch only switches its topics on.
"""

from __future__ import annotations

import numpy as np

from sim.rules.arrivals import zipf_weights


class ProductLaunch:
    """One `[[launches]]` entry: its topics and its issue intensity over time."""

    def __init__(self, model, config, first_topic: int):
        self.model, self.config = model, config
        self.topics = np.arange(first_topic, first_topic + config.new_topics)
        self.weights = zipf_weights(config.new_topics, model.config.behaviour.topic_zipf)
        self.started = False

    def intensity(self, now: float) -> float:
        """New-topic issues relative to the normal rate: lasting share plus a decaying surge."""
        if not self.started:
            return 0.0
        days_since = (now - 24.0 * self.config.day) / 24.0
        return self.config.lasting_share + self.config.surge * np.exp(-days_since / self.config.surge_decay_days)

    def start(self) -> None:
        self.started = True
        self.model.knowledge.articles[self.topics] += self.config.articles * self.weights
        self.model.counters.add(launches=1)
        update_topic_mix(self.model)


def total_topics(config) -> int:
    return config.behaviour.topics + sum(launch.new_topics for launch in config.launches)


def build_launches(model) -> list[ProductLaunch]:
    launches, first = [], model.config.behaviour.topics
    for config in model.config.launches:
        launches.append(ProductLaunch(model, config, first))
        first += config.new_topics
    for launch in launches:
        model.schedule_event(launch.start, at=24.0 * launch.config.day)
    return launches


def update_topic_mix(model) -> None:
    """Topic probabilities and the issue-rate multiplier for the coming day."""
    weights = model.base_topic_weights.copy()
    multiplier = 1.0
    for launch in model.launches:
        intensity = launch.intensity(model.time)
        weights[launch.topics] = intensity * launch.weights
        multiplier += intensity
    model.topic_cdf = np.cumsum(weights / weights.sum())
    model.issue_rate_multiplier = multiplier
