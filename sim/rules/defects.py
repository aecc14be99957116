"""Product defects: which defect an issue comes from, the signals that reveal it, and the
voice-of-customer lever that fixes what the company notices (seed 004: service data shows
which product problems cost most, and visible problems press for a fix).

The company notices a defect when, while it listens, one of three signals crosses its
threshold: a thread's visible me-too count (sim/rules/metoo.py), the recent calls about it
(agents' reason codes), or the recent public complaints about it. Noticed defects are fixed
in the order noticed, no sooner than a lag after noticing and no faster than the product
teams' fixes a month. A fix ends the defect's issues and makes what was written about it
obsolete: its share of the topic's knowledge goes.
"""

from __future__ import annotations

import numpy as np

from sim.state.counters import DAYS_TO_FIX, DAYS_TO_NOTICE, DEFECTS_FIXED, DEFECTS_NOTICED
from sim.state.defects import ACTIVE, FIXED, NOTICED
from sim.state.jit import kernel

HOURS_PER_MONTH = 24.0 * 365.0 / 12.0


@kernel
def defect_of(w, topic: int, u: float) -> int:
    """The defect behind an issue on `topic` (by inversion of u over the topic's streams), or
    -1 for a how-to question."""
    d, per_topic = w.defects, w.p.defects_per_topic
    first = topic * per_topic
    cumulative = 1.0 - w.p.fixable_share  # the how-to stream comes first
    if u < cumulative:
        return -1
    for i in range(first, first + per_topic):
        cumulative += d.severity[i]
        if u < cumulative:
            return i
    return first + per_topic - 1


@kernel
def notice(w, defect: int) -> None:
    """The company learns of a defect (only while it listens) and books its fix: the lag after
    now, or the teams' next free slot if later. Changes the defect's state and times,
    defects.next_fix, counters."""
    d, p = w.defects, w.p
    if not p.listening or d.state[defect] != ACTIVE:
        return
    d.state[defect] = NOTICED
    w.counters[DEFECTS_NOTICED] += 1
    w.counters[DAYS_TO_NOTICE] += (w.now - d.born[defect]) / 24.0
    if p.fixes_per_month > 0:
        d.fixed_at[defect] = max(w.now + 24.0 * p.fix_lag_days, d.next_fix[0])
        d.next_fix[0] = d.fixed_at[defect] + HOURS_PER_MONTH / p.fixes_per_month


@kernel
def report_call(w, defect: int) -> None:
    """A call about a defect, logged under its reason code."""
    if defect >= 0:
        w.defects.calls[defect] += 1.0


@kernel
def report_complaint(w, defect: int) -> None:
    """A public complaint about a defect."""
    if defect >= 0:
        w.defects.complaints[defect] += 1.0


@kernel
def fix(w, defect: int) -> None:
    """Ship a fix: the defect's issues end, and its share of the topic's knowledge (articles
    and solved threads, in proportion to the topic's streams still running) is obsolete."""
    d, kb = w.defects, w.kb
    per_topic = w.p.defects_per_topic
    topic = defect // per_topic
    running = 1.0
    for i in range(topic * per_topic, (topic + 1) * per_topic):
        if d.state[i] == FIXED:
            running -= d.severity[i]
    kept = max(1.0 - d.severity[defect] / running, 0.0) if running > 0 else 0.0
    kb.articles[topic] *= kept
    kb.community[topic] *= kept
    d.state[defect] = FIXED
    w.counters[DEFECTS_FIXED] += 1
    w.counters[DAYS_TO_FIX] += (w.now - d.born[defect]) / 24.0


@kernel
def listen_to_customers(w) -> None:
    """Daily: recent calls and complaints fade; while the company listens, a defect whose calls
    or complaints cross their threshold is noticed, and booked fixes that are due ship.

    Reads w.defects. Changes their signals, states and times, the knowledge base and counters."""
    d, p = w.defects, w.p
    kept = np.exp(-1.0 / p.signal_memory_days)
    d.calls[:] *= kept
    d.complaints[:] *= kept
    if not p.listening:
        return
    for i in range(d.state.size):
        if d.state[i] == ACTIVE and ((p.listen_contact and d.calls[i] >= p.calls_threshold)
                                     or (p.listen_social and d.complaints[i] >= p.complaints_threshold)):
            notice(w, i)
        elif d.state[i] == NOTICED and d.fixed_at[i] <= w.now:
            fix(w, i)
