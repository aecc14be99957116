"""Motivation = intrinsic + recognition - fatigue. Daily: recognition and the activity
record decay, fatigue recovers with rest. Only contributors carry these, so the cost is
proportional to responders and super-users, not to all members."""

from __future__ import annotations

import numpy as np


def decay_one_day(model, contributors: np.ndarray) -> None:
    b, pop = model.config.behaviour, model.population
    pop.recognition[contributors] *= 0.5 ** (1.0 / b.recognition_half_life_days)
    pop.activity[contributors] *= 0.5 ** (1.0 / b.activity_half_life_days)
    pop.fatigue[contributors] *= 1.0 - b.fatigue_recovery_per_day
