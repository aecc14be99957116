"""Issue arrivals: each member's own Poisson clock, with Zipf topics.

Every member has issues at rate propensity x (1 / issue_interval_days) x the day's launch
multiplier. Rather than a count over everyone, each member carries its next issue's time on
a shared issue clock (expected issues per unit of propensity), drawn from its own keyed
stream, so a member present in two scenarios has the same issues at the same times.
"""

from __future__ import annotations

import numpy as np

from sim.rules.defects import defect_of
from sim.state.counters import ISSUES, ISSUES_PREVENTED, QUEUE_LEFT
from sim.state.defects import FIXED
from sim.state.jit import inline, kernel
from sim.state.streams import ARRIVALS, TOPICS, exponential_quantile, keyed_uniform, pick
from sim.state.world import Issues

UNRESOLVED, FOUND, TO_FORUM, TO_CONTACT, TO_SOCIAL = 0, 1, 2, 3, 4  # an issue's outcome; channel c is 2 + c


@inline
def issue_gap(w, member: int, number: int) -> float:
    """Issue-clock time from a member's issue `number - 1` to issue `number`."""
    u = keyed_uniform(w.keys[ARRIVALS, 0], w.pop.identity[member], number)
    return exponential_quantile(u, 1.0) / w.pop.issue_propensity[member]


@kernel
def start_issue_clock(w, member: int) -> None:
    """A new member's first issue, counted from now on the issue clock."""
    w.pop.issues[member] = 0
    w.pop.issue_clock[member] = w.issue_clock + issue_gap(w, member, 0)


@kernel
def schedule_issues(w) -> None:
    """Day start: queue the day's issues of every member, in time order.

    Reads pop.alive, issue_clock, issue_propensity, identity, issues; topics.rate_multiplier.
    Changes pop.issue_clock, pop.issues, the day queue, w.issue_clock, sync[QUEUE_LEFT].
    Stream: arrivals (keyed by member and issue number)."""
    pop = w.pop
    speed = w.topics.rate_multiplier[0] / (w.p.issue_interval_days * 24.0)  # clock per hour
    start, end = w.issue_clock, w.issue_clock + 24.0 * speed
    day_end = np.nextafter(w.now + 24.0, -np.inf)  # rounding must not push an issue into tomorrow
    due = np.flatnonzero(pop.alive[:pop.n[0]] & (pop.issue_clock[:pop.n[0]] < end))
    member, number, time = np.empty(2 * due.size, np.int64), np.empty(2 * due.size, np.int64), np.empty(2 * due.size)
    count = 0
    for m in due:
        while pop.issue_clock[m] < end:
            if count == member.size:
                member, number, time = (np.concatenate((member, member)), np.concatenate((number, number)),
                                        np.concatenate((time, time)))
            member[count], number[count] = m, pop.issues[m]
            time[count] = min(w.now + (pop.issue_clock[m] - start) / speed, day_end)
            count += 1
            pop.issues[m] += 1
            pop.issue_clock[m] += issue_gap(w, m, pop.issues[m])
    order = np.argsort(time[:count], kind="mergesort")
    w.queue_member, w.queue_k, w.queue_time = member[order], number[order], time[order]
    w.queue_next = 0
    w.issue_clock = end
    w.sync[QUEUE_LEFT] = count


@kernel
def draw_issues(w) -> None:
    """The queued issues that arise this hour, each with its topic and the defect behind it;
    an issue whose defect has been fixed does not arise (it is prevented).

    Reads the day queue, topics.cdf, defects, pop.identity. Changes the hour's issues
    (w.issues), the queue position, sync[QUEUE_LEFT], counters[ISSUES], counters[ISSUES_PREVENTED].
    Stream: topics (keyed by member and issue number: the topic, the defect)."""
    first = w.queue_next
    last = first
    while last < w.queue_time.size and w.queue_time[last] < w.now:
        last += 1
    n = last - first
    member, number, time = w.queue_member[first:last], w.queue_k[first:last], w.queue_time[first:last]
    topic, defect = np.empty(n, np.int64), np.empty(n, np.int64)
    arises = np.ones(n, np.bool_)
    for i in range(n):
        identity = w.pop.identity[member[i]]
        topic[i] = pick(w.topics.cdf, keyed_uniform(w.keys[TOPICS, 0], identity, number[i]))
        defect[i] = defect_of(w, topic[i], keyed_uniform(w.keys[TOPICS, 1], identity, number[i]))
        arises[i] = defect[i] < 0 or w.defects.state[defect[i]] != FIXED
    kept = np.count_nonzero(arises)
    if kept < n:
        member, number, time, topic, defect = member[arises], number[arises], time[arises], topic[arises], defect[arises]
    w.issues = Issues(member, number, time, topic, defect, np.zeros(kept, np.int8))
    w.queue_next = last
    w.sync[QUEUE_LEFT] = w.queue_time.size - last
    w.counters[ISSUES] += kept
    w.counters[ISSUES_PREVENTED] += n - kept
