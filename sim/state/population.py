"""Columnar member state, the one source of truth for every member, and the tallies kept
beside it (members by role, by day of last post, by number of answers) so that the daily
record reads a few counts instead of scanning everyone.

Rows are never reused: a member keeps its row (identity and history) through role changes
and after churning. Every change of role, membership, post time or answer count goes
through the small kernels below, which keep the tallies exact.
"""

from __future__ import annotations

import numpy as np

from sim.state.columns import ColumnStore
from sim.state.counters import CHURNED_SLOT, ROLE_CHANGES_SLOT
from sim.state.jit import inline, kernel

READER, RESPONDER, SUPERUSER = 0, 1, 2
ROLE_NAMES = ("reader", "responder", "superuser")
FORUM, CONTACT, SOCIAL = 0, 1, 2
CHANNELS = ("forum", "contact", "social")

ACTIVE_DAYS = 30    # members_active: posted in the last 30 days
LURK_DAYS = 84      # lurker_share: no post in the last 12 weeks
POST_RING = 512     # day buckets of last posts told apart: the last 12 weeks and over a year ahead
OLD = POST_RING     # the bucket of members who never posted or last posted long ago


class Population(ColumnStore):
    """Per-member columns; `channel_*` columns have one slot per channel."""

    columns = {
        "alive": ("bool", False, ()),
        "role": ("int8", READER, ()),
        "identity": ("int64", -1, ()),      # (day joined << 32) | order that day: keys its own draws
        "joined_at": ("float32", 0.0, ()),     # hours (float32: a minute's precision over decades)
        "left_at": ("float32", np.nan, ()),
        "expertise": ("float32", 0.0, ()),
        "area": ("int32", 0, ()),
        "online_propensity": ("float32", 1.0, ()),
        "issue_propensity": ("float32", 1.0, ()),
        "intrinsic": ("float32", 0.0, ()),
        "recognition": ("float32", 0.0, ()),
        "fatigue": ("float32", 0.0, ()),
        "activity": ("float32", 0.0, ()),
        "answers": ("int32", 0, ()),
        "accepted": ("int32", 0, ()),
        "questions": ("int32", 0, ()),
        "views": ("float32", 0.0, ()),
        "times_helped": ("int32", 0, ()),
        "role_changes": ("int16", 0, ()),
        "role_since": ("float32", 0.0, ()),
        "last_post": ("float64", -np.inf, ()),
        "post_day": ("int32", -1, ()),          # the day of last_post as tallied (sim/state/population.py)
        "reach": ("float32", 0.0, ()),
        "conformity": ("float32", 0.5, ()),
        # the member's own event clocks (sim/rules/arrivals.py, contact centre, membership)
        "issue_clock": ("float64", np.inf, ()),  # issue-clock time of the next issue
        "issues": ("int32", 0, ()),              # issues had so far (numbers the next one)
        "contacts": ("int32", 0, ()),            # contact-centre calls answered so far
        "calls": ("int32", 0, ()),               # contact-centre calls placed so far (numbers the next)
        "churn_budget": ("float64", np.inf, ()),  # hazard still to accumulate before leaving
        # reward schemes (sim/levers/rewards.py)
        "reward_sensitivity": ("float32", 0.0, ()),
        "points": ("float32", 0.0, ()),
        "recent_points": ("float32", 0.0, ()),
        "rank": ("int16", 0, ()),
        "badges": ("int16", 0, ()),
        "leaderboard_value": ("float32", 0.0, ()),
        "in_programme": ("bool", False, ()),
        "paid": ("float32", 0.0, ()),
        # the feedback loops (sim/rules/satisfaction.py, sim/rules/motivation.py)
        "satisfaction": ("float32", 1.0, ()),   # 0-1, follows service outcomes, sets the churn hazard
        "break_until": ("float64", -np.inf, ()),  # a burnt-out contributor is offline until then
        "breaks": ("int16", 0, ()),               # breaks taken so far (numbers the next one's draws)
        "channel_success": ("float32", 0.5, (len(CHANNELS),)),
        "channel_wait": ("float32", 0.0, (len(CHANNELS),)),
    }

    def alive_rows(self, role: int | None = None) -> np.ndarray:
        mask = self.live("alive")
        if role is not None:
            mask = mask & (self.live("role") == role)
        return np.flatnonzero(mask)

    def count(self, role: int | None = None) -> int:
        return int(self.alive_rows(role).size)


PopulationColumns = Population.View


class Tallies:
    """Counts kept beside the columns (Python-allocated, updated by the kernels below): alive
    members by role, and alive members by role and day of last post (a ring of days plus an
    'old' bucket). The histogram of answer counts is grown, and so owned, by the kernels."""

    def __init__(self):
        self.role_count = np.zeros(3, dtype=np.int64)
        self.post_days = np.zeros((3, POST_RING + 1), dtype=np.int64)
        self.rolled_until = np.full(1, -1, dtype=np.int64)  # days at or before this are in OLD


@inline
def post_bucket(w, post_day: int) -> int:
    """The tally bucket of a member's tallied post day: its day in the ring, or OLD."""
    return OLD if post_day <= w.rolled_until[0] else post_day % POST_RING


@kernel
def note_post(w, member: int, time: float) -> None:
    """A question or answer at `time`: last_post moves on and the day tallies follow. The day
    the member is tallied under is kept (`post_day`), so it leaves the same bucket it entered;
    a post more than the ring ahead (over a year: never in practice) is tallied at the ring's
    last day."""
    pop = w.pop
    if time <= pop.last_post[member]:
        return
    pop.last_post[member] = time
    day = min(int(np.floor(time / 24.0)), w.rolled_until[0] + POST_RING)
    if pop.alive[member]:
        role = pop.role[member]
        w.post_days[role, post_bucket(w, pop.post_day[member])] -= 1
        w.post_days[role, post_bucket(w, day)] += 1
    pop.post_day[member] = day


@kernel
def note_answer(w, member: int) -> None:
    """One more answer by `member`, in its count and in the histogram of counts."""
    count = w.pop.answers[member]
    if count + 1 >= w.answer_hist.size:
        grown = np.zeros(2 * (count + 1), dtype=np.int64)
        grown[: w.answer_hist.size] = w.answer_hist
        w.answer_hist = grown
    w.answer_hist[count] -= 1
    w.answer_hist[count + 1] += 1
    w.pop.answers[member] = count + 1


@kernel
def set_role(w, member: int, role: int, now: float) -> bool:
    """Move a live member to another role (its row and history stay); the Mesa agent's
    class follows after the compiled call (sim/model.py). False if nothing changed."""
    pop = w.pop
    old = pop.role[member]
    if old == role or not pop.alive[member]:
        return False
    bucket = post_bucket(w, pop.post_day[member])
    w.post_days[old, bucket] -= 1
    w.post_days[role, bucket] += 1
    w.role_count[old] -= 1
    w.role_count[role] += 1
    pop.role[member] = role
    pop.role_changes[member] += 1
    pop.role_since[member] = now
    w.sync_rows[w.sync[ROLE_CHANGES_SLOT]] = member
    w.sync[ROLE_CHANGES_SLOT] += 1
    return True


@kernel
def leave(w, member: int, now: float) -> None:
    """Churn: the row stays (history); the member leaves every tally of the living, and its
    Mesa agent is removed after the compiled call (sim/model.py)."""
    pop = w.pop
    role = pop.role[member]
    pop.alive[member] = False
    pop.left_at[member] = now
    pop.issue_clock[member] = np.inf
    w.role_count[role] -= 1
    w.post_days[role, post_bucket(w, pop.post_day[member])] -= 1
    w.churn_rows[w.sync[CHURNED_SLOT]] = member
    w.sync[CHURNED_SLOT] += 1


@kernel
def enter(w, member: int, role: int, now: float) -> None:
    """A new live row in `role` with no posts and no answers yet."""
    pop = w.pop
    pop.alive[member] = True
    pop.role[member] = role
    pop.joined_at[member] = now
    pop.role_since[member] = now
    w.role_count[role] += 1
    w.post_days[role, OLD] += 1
    w.answer_hist[0] += 1


@kernel
def roll_post_days(w, day: int) -> None:
    """Fold the ring's days up to `day - LURK_DAYS - 1` into OLD: from now on they only
    count as lurkers (no post in the last 12 weeks)."""
    last = day - LURK_DAYS - 1
    for old_day in range(max(w.rolled_until[0] + 1, last - POST_RING + 1), last + 1):
        if old_day < 0:
            continue
        bucket = old_day % POST_RING
        for role in range(3):
            w.post_days[role, OLD] += w.post_days[role, bucket]
            w.post_days[role, bucket] = 0
    w.rolled_until[0] = max(w.rolled_until[0], last)
