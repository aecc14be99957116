"""Company response policies (DESIGN.md §4): staff answering in the forum and the social
team answering public complaints. Both are queues served by a team of limited hours.

Which items a policy takes, and in what order, is one small named queue rule per kind. A
staff answer competes with volunteers through the same mechanisms as any answer: it counts
as an existing answer (crowding and browse order) and, if accepted first, takes the
acceptance, the knowledge credit and the views that a volunteer would have earned.
"""

from __future__ import annotations

import numpy as np

from sim.rules.answering import log_answers, logistic
from sim.rules.social import settle_complaints
from sim.state.counters import COMPLAINTS_SERVED, STAFF_ANSWERS
from sim.state.jit import kernel
from sim.state.params import (FORUM_COMMUNITY_FIRST, FORUM_IMMEDIATE, FORUM_NONE, FORUM_SLA, SOCIAL_DIALOG,
                              SOCIAL_IGNORE, SOCIAL_LOUDEST_FIRST)
from sim.state.streams import QUALITY, keyed_uniform, normal_quantile
from sim.state.threads import STAFF
from sim.state.world import AVAILABLE, HOURS_WORKED, MINUTES_PER_HOUR, MINUTES_PER_ITEM


# ----- a team's time -----
@kernel
def items_this_hour(team) -> int:
    """Staff time as items per hour. Part of an item's time carries to the next hour, but
    idle time beyond one item is lost: a team cannot bank a quiet night for a busy morning."""
    team[AVAILABLE] = min(team[AVAILABLE], team[MINUTES_PER_ITEM]) + team[MINUTES_PER_HOUR]
    return int(team[AVAILABLE] // team[MINUTES_PER_ITEM])


@kernel
def spend(team, items: int) -> None:
    team[AVAILABLE] -= items * team[MINUTES_PER_ITEM]
    team[HOURS_WORKED] += items * team[MINUTES_PER_ITEM] / 60.0


@kernel
def take_ready(team, ready_at, deadline, hour_start: float, now: float, rng):
    """Work through the ready items in queue order while the team has time. Each is done some
    minutes after it is ready (or the hour starts). The team cannot know who is about to give
    up: time spent on an item whose owner left before it was done is wasted, and only the
    items done in time are returned (their queue positions, and when they were done)."""
    ready = np.flatnonzero(ready_at <= now)
    n = min(items_this_hour(team), ready.size)
    spend(team, n)
    done_at = np.empty(n)
    in_time = np.zeros(n, np.bool_)
    for i in range(n):
        done_at[i] = max(ready_at[ready[i]], hour_start) + rng.exponential(team[MINUTES_PER_ITEM] / 60.0)
        in_time[i] = done_at[i] <= deadline[ready[i]]
    return ready[:n][in_time], done_at[in_time]


# ----- forum: which threads staff take, in what order -----
@kernel
def forum_queue(w):
    """The open threads staff would take, in order, and when each becomes ready:
    immediate: everything without a staff answer, oldest first, ready at once;
    sla: what is still unanswered H hours after posting, oldest first;
    community_first: the unanswered, hardest first, after a long head start;
    triage: only questions above a difficulty, as they arrive."""
    p, t = w.p, w.threads
    ids = w.open_threads.id[:w.open_threads.n[0]]
    if p.forum_kind == FORUM_IMMEDIATE:
        ids = ids[~t.staff_answered[ids]]
        return ids, t.created[ids]
    if p.forum_kind == FORUM_SLA:
        ids = ids[t.n_answers[ids] == 0]
        return ids, t.created[ids] + p.forum_sla_hours
    if p.forum_kind == FORUM_COMMUNITY_FIRST:
        ids = ids[t.n_answers[ids] == 0]
        ids = ids[np.argsort(-t.difficulty[ids], kind="mergesort")]
        return ids, t.created[ids] + p.forum_community_first_hours
    ids = ids[~t.staff_answered[ids]]
    ids = ids[t.difficulty[ids] >= p.forum_triage_difficulty]
    return ids, t.created[ids]


@kernel
def staff_answers(w) -> None:
    """The forum policy's answers this hour, written by staff within its capacity.

    Reads open threads. Changes the forum team's time, threads (staff answer flags, answers),
    the answer log, the hour's answers and views, counters[STAFF_ANSWERS].
    Streams: policy (when each is done), quality (keyed by thread)."""
    p, threads = w.p, w.threads
    if p.forum_kind == FORUM_NONE or not p.forum_open:
        return
    queue, ready_at = forum_queue(w)
    picked, when = take_ready(w.forum_team, ready_at, threads.deadline[queue], w.now - 1.0, w.now, w.rng.policy)
    thread = queue[picked]
    quality = np.empty(thread.size)
    for i in range(thread.size):
        gap = p.forum_staff_expertise - threads.difficulty[thread[i]]
        noise = normal_quantile(keyed_uniform(w.keys[QUALITY, 1], thread[i], 0), 0.0, p.quality_noise)
        quality[i] = logistic(p.quality_slope * gap + noise)
        threads.staff_answered[thread[i]] = True
        threads.staff_answer_at[thread[i]] = when[i]
    log_answers(w, np.full(thread.size, STAFF, np.int64), thread, when, quality)
    w.counters[STAFF_ANSWERS] += thread.size


# ----- social: which complaints the team serves, in what order -----
@kernel
def social_queue(w):
    """Open complaints in the order the team takes them: by arrival, or (the concierge,
    loudest_first) the loudest first, counting everyone who has piled on."""
    c = w.complaints
    ids = w.open_complaints.id[:w.open_complaints.n[0]].copy()
    if w.p.social_kind == SOCIAL_LOUDEST_FIRST:
        ids = ids[np.argsort(-(c.reach[ids] + c.pile_reach[ids]), kind="mergesort")]
    return ids


@kernel
def serve_complaints(w) -> None:
    """Reply to public complaints within the team's capacity.

    A public reply (respond_all, loudest_first) settles the matter in front of the
    complainer's followers, who learn that shouting works. A dialog reply moves the matter to
    private messages: the complainer waits longer and onlookers see no outcome.
    Reads open complaints. Changes the social team's time, complaints' status, the hour's
    closed complaints, members' memory of the social channel, counters, and what a call
    changes. Streams: policy (when each is done), social (resolution, onlookers)."""
    p, complaints = w.p, w.complaints
    if p.social_kind == SOCIAL_IGNORE:
        return
    queue = social_queue(w)
    picked, when = take_ready(w.social_team, complaints.created[queue] + p.social_latency_hours,
                              complaints.deadline[queue], w.now - 1.0, w.now, w.rng.policy)
    ids = queue[picked]
    if ids.size == 0:
        return
    in_public = p.social_kind != SOCIAL_DIALOG
    resolved, wait = np.empty(ids.size), np.empty(ids.size)
    for i in range(ids.size):
        resolved[i] = 1.0 if w.rng.social.random() < p.social_resolution else 0.0
        wait[i] = when[i] - complaints.created[ids[i]] + (0.0 if in_public else p.social_private_hours)
    settle_complaints(w, ids, when, resolved, wait, in_public, in_public)
    w.counters[COMPLAINTS_SERVED] += ids.size
