"""Motivation = intrinsic + recognition - fatigue. Daily: recognition and the activity
record decay, fatigue recovers with rest, and a contributor whose fatigue crosses the
burnout threshold takes a break: offline for a drawn time, then back in its role or back to
reading. Only contributors carry these, so the cost is proportional to responders and
super-users, not to all members."""

from __future__ import annotations

from sim.rules.roles import change_role
from sim.state.counters import BREAK_RETURNS, BREAKS, BURNOUT_QUITS
from sim.state.jit import kernel
from sim.state.population import READER
from sim.state.streams import MEMBERSHIP, exponential_quantile, keyed_uniform

BREAK_LENGTH, COMES_BACK = 2, 3  # sub-keys of the membership stream, keyed by member and break


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


@kernel
def take_breaks(w) -> None:
    """A contributor at or above the fatigue threshold stops for a break (exponential, mean
    break_days, times perk_break_factor in the programme); one whose break is over comes back
    to its role with return_share, else goes back to reading. Off with breaks = false.

    Reads w.online.contributors, pop.fatigue, break_until, in_programme. Changes
    break_until, breaks, roles, counters. Stream: membership (keyed by member and break)."""
    p, pop = w.p, w.pop
    if not p.breaks:
        return
    for m in w.online.contributors:
        identity, taken = pop.identity[m], pop.breaks[m]
        if pop.break_until[m] > w.now:
            continue
        if taken > 0 and pop.break_until[m] > w.now - 24.0:  # the break ended today
            if keyed_uniform(w.keys[MEMBERSHIP, COMES_BACK], identity, taken) >= p.return_share:
                w.counters[BURNOUT_QUITS] += 1
                change_role(w, m, READER)
                continue
            w.counters[BREAK_RETURNS] += 1
        if pop.fatigue[m] >= p.fatigue_threshold:
            mean = p.break_days * (p.programme_perk_break_factor if pop.in_programme[m] else 1.0)
            length = exponential_quantile(keyed_uniform(w.keys[MEMBERSHIP, BREAK_LENGTH], identity, taken), mean)
            pop.break_until[m] = w.now + 24.0 * length
            pop.breaks[m] += 1
            w.counters[BREAKS] += 1
