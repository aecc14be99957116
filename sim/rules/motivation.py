"""Motivation = intrinsic + recognition - fatigue. Daily: recognition and the activity
record decay, fatigue recovers with rest. Only contributors carry these, so the cost is
proportional to responders and super-users, not to all members."""

from __future__ import annotations

from sim.state.jit import kernel


@kernel
def rest_one_day(w) -> None:
    """Reads w.online.contributors. Changes their recognition, activity and fatigue."""
    p, pop = w.p, w.pop
    recognition_kept = 0.5 ** (1.0 / p.recognition_half_life_days)
    activity_kept = 0.5 ** (1.0 / p.activity_half_life_days)
    for m in w.online.contributors:
        pop.recognition[m] *= recognition_kept
        pop.activity[m] *= activity_kept
        pop.fatigue[m] *= 1.0 - p.fatigue_recovery_per_day
