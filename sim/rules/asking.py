"""Posting a question: an issue sent to the forum opens a thread."""

from __future__ import annotations

import numpy as np

from sim.rules.arrivals import Issues


def post_questions(model, issues: Issues) -> np.ndarray:
    """Open one thread per issue; each asker brings a patience and a quality need."""
    if len(issues) == 0:
        return np.empty(0, dtype=np.int64)
    b, rng, pop = model.config.behaviour, model.rng, model.population
    patience = rng.exponential(b.patience_hours, len(issues))
    ids = model.threads.open(
        asker=issues.member, topic=issues.topic, difficulty=issues.difficulty,
        need=rng.beta(b.need_alpha, b.need_beta, len(issues)),
        created=issues.time, deadline=issues.time + patience)
    np.add.at(pop.questions, issues.member, 1)
    np.maximum.at(pop.last_post, issues.member, issues.time)
    model.counters.add(forum_threads=len(issues))
    return ids
