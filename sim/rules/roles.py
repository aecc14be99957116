"""Role transitions. Every change keeps the member's row, agent and unique_id, so identity
and history survive: reader -> responder by reciprocity, responder -> super-user by
sustained activity and recognition, super-user -> responder when activity falls."""

from __future__ import annotations

import numpy as np

from sim.population import READER, RESPONDER, SUPERUSER


def reciprocate(model, askers: np.ndarray) -> None:
    """A reader who was helped may start helping others."""
    pop = model.population
    readers = askers[(pop.role[askers] == READER) & pop.alive[askers]]
    turning = readers[model.rng.random(readers.size) < model.config.behaviour.reciprocity]
    if turning.size:
        model.change_role(np.unique(turning), RESPONDER)


def weekly_activity(model, rows: np.ndarray) -> np.ndarray:
    """Answers per week implied by the decaying activity record (a daily-decayed sum)."""
    retention = 0.5 ** (1.0 / model.config.behaviour.activity_half_life_days)
    return model.population.activity[rows] * (1.0 - retention) * 7.0


def promote_and_demote(model) -> None:
    """Daily: sustained, recognised responders rise; fading super-users step back.

    Activity is judged only after one activity half-life in the role, so a member is
    measured on a settled record rather than on the empty one it started the role with.
    Programme members keep the role while in the programme; its own review drops the idle.
    """
    b, pop = model.config.behaviour, model.population
    settled_since = model.time - 24.0 * b.activity_half_life_days
    responders = model.samplers.responders.rows
    superusers = model.samplers.superusers.rows
    superusers = superusers[pop.role_since[superusers] <= settled_since]
    rising = responders[(weekly_activity(model, responders) >= b.promote_answers_per_week)
                        & (pop.recognition[responders] >= b.promote_recognition)]
    fading = superusers[(weekly_activity(model, superusers) < b.demote_answers_per_week)
                        & ~pop.in_programme[superusers]]
    model.change_role(rising, SUPERUSER)
    model.change_role(fading, RESPONDER)
