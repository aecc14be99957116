"""Churn and joining. Burnout (fatigue) raises a contributor's churn hazard, programme perks
lower it; new members
join at a rate that grows with the community's answer rate."""

from __future__ import annotations

import numpy as np

from sim.population import READER


def churn_one_day(model) -> np.ndarray:
    """Readers churn at the base hazard (a binomial count, then a uniform draw);
    contributors at a hazard raised by their fatigue."""
    b, rng, pop = model.config.behaviour, model.rng, model.population
    daily_hazard = b.churn_rate_per_year / 365.0
    readers = model.samplers.reader_rows
    leaving = [rng.choice(readers, rng.binomial(readers.size, -np.expm1(-daily_hazard)), replace=False)
               if readers.size else readers]
    contributors = model.samplers.contributor_rows
    hazard = (daily_hazard * (1.0 + b.burnout_churn_multiplier * pop.fatigue[contributors])
              * model.rewards.churn_multiplier(contributors))
    leaving.append(contributors[rng.random(contributors.size) < -np.expm1(-hazard)])
    gone = np.concatenate(leaving)
    model.remove_members(gone)
    return gone


def join_one_day(model, recent_answer_rate: float) -> np.ndarray:
    """Poisson joiners, scaled by (answer rate / reference) ** elasticity."""
    p = model.config.population
    alive = model.samplers.issue_rows.size
    pull = (max(recent_answer_rate, 0.0) / p.join_reference_answer_rate) ** p.join_answer_elasticity
    n = model.rng.poisson(alive * p.join_rate_per_year / 365.0 * pull)
    return model.add_members(np.full(n, READER, dtype=np.int8))
