"""The contact centre as a staffed queue (Erlang-A behaviour).

Every channel ends here when it fails: a customer calls, waits for one of the agents on
shift, and hangs up when the wait outlasts its patience. Calls are placed during the hour
(`place_call`) and answered at its end in the order they arrived (`answer_calls`), first
come first served, by agents whose free times carry from hour to hour. A caller who hangs
up calls again later, complains in public instead, or gives up unresolved. What a customer
went through (a wait, or a call it abandoned) is what it learns about the channel, so a slow
contact centre pushes customers towards the forum and social media.
"""

from __future__ import annotations

import numpy as np

from sim.rules.defects import report_call
from sim.rules.experience import feel, learn_from_experience, live_through
from sim.state.counters import (AGENT_MINUTES, BUSY_MINUTES, CALLS_ABANDONED, CALLS_ANSWERED, CALLS_GIVEN_UP,
                                CALLS_RETRIED, CALLS_WITHIN_TARGET, PENDING_CALLS, PLACED_COUNTER, REPEAT_CONTACTS,
                                WAIT_MINUTES)
from sim.state.jit import kernel
from sim.state.population import CONTACT
from sim.state.streams import CONTACT_KEY, exponential_quantile, keyed_uniform
from sim.state.world import Calls

# sub-keys of the contact stream, one per draw of a call
RESOLVED, PATIENCE, HANDLE, AFTER_HANGING_UP, RETRY_DELAY, PLACED_AT, REPEAT_DELAY = range(7)
COMPLAIN = -1   # a pending entry that is a public complaint to open, not a call
DONE = -2       # an entry answered or abandoned this hour, dropped at the hour's end
CLOSED = np.inf  # the start of service of a call no shift will ever take


@kernel
def reserve_calls(w, room: int) -> None:
    """Make the pending calls hold at least `room` entries, so that a rule that places calls
    while it walks them never sees the arrays replaced under it."""
    calls, n = w.calls, w.calls_n
    if room <= calls.member.size:
        return
    size = max(room, 2 * calls.member.size + 16)
    grown = Calls(np.empty(size, np.int64), np.empty(size), np.empty(size, np.int64),
                  np.empty(size, np.int64), np.empty(size, np.int64))
    grown.member[:n], grown.time[:n], grown.kind[:n] = calls.member[:n], calls.time[:n], calls.kind[:n]
    grown.attempt[:n], grown.number[:n] = calls.attempt[:n], calls.number[:n]
    w.calls = grown


@kernel
def place_call(w, member: int, time: float, kind: int, attempt: int) -> None:
    """Queue a call (or, with kind COMPLAIN, a complaint to open) at `time`; `kind` is the
    contact counter it counts under once answered. Changes the pending calls, pop.calls."""
    n = w.calls_n
    reserve_calls(w, n + 1)
    calls = w.calls
    calls.member[n], calls.time[n], calls.kind[n], calls.attempt[n] = member, time, kind, attempt
    calls.number[n] = w.pop.calls[member]
    w.pop.calls[member] += 1
    w.calls_n = n + 1
    w.sync[PENDING_CALLS] = n + 1


@kernel
def call_contact_centre(w, member: int, counter: int, time: float, attempt: int, defect: int) -> None:
    """A call about an issue, at `time`, counted under `counter` once answered and at once
    among the calls placed from where it came, and logged under the `defect` behind it (-1:
    none known; sim/rules/defects.py); `attempt` counts the calls already made about the issue
    (by a customer who hung up, complained in public and now calls again)."""
    place_call(w, member, time, counter, attempt)
    w.counters[PLACED_COUNTER[counter]] += 1
    report_call(w, defect)


@kernel
def call_at_random_time(w, member: int, counter: int, defect: int) -> None:
    """A call some time in the current hour (for crowd processes with no clock of their
    own). Stream: contact (keyed by member and its number of calls)."""
    u = keyed_uniform(w.keys[CONTACT_KEY, PLACED_AT], w.pop.identity[member], w.pop.calls[member])
    call_contact_centre(w, member, counter, w.now - u, 0, defect)


@kernel
def next_staffed(time: float, roster) -> float:
    """The first moment from `time` on at which an agent is on shift (CLOSED if never)."""
    t = time
    for _ in range(25):
        if roster[int(t) % 24] > 0:
            return t
        t = np.floor(t) + 1.0
    return CLOSED


@kernel
def serve_in_order(arrival, patience, handle, roster, share, free, wait, answered) -> None:
    """First come, first served, by the agents on shift at each call's hour: a call starts
    when it is staffed and one of them is free, unless its caller has hung up by then. A
    caller who hangs up takes no agent time, so later calls' waits follow from earlier
    answered calls alone (the virtual waiting time of Erlang-A). An agent who gives only a
    share of its time to calls takes handle / share to finish one.

    Reads the calls' arrival, patience and handle times (hours, in arrival order), the roster
    (agents on shift by hour of day) and their share of time on calls. Changes free (each
    agent's next free time), wait and answered (per call)."""
    for i in range(arrival.size):
        staffed = next_staffed(arrival[i], roster)
        if staffed == CLOSED:
            wait[i], answered[i] = patience[i], False
            continue
        on_shift = roster[int(staffed) % 24]
        agent = np.argmin(free[:on_shift])
        start = max(staffed, free[agent])
        wait[i] = start - arrival[i]
        answered[i] = wait[i] <= patience[i]
        if answered[i]:
            free[agent] = start + handle[i] / share
        else:
            wait[i] = patience[i]


@kernel
def due_calls(w) -> np.ndarray:
    """Pending calls placed before the hour's end, in the order they arrived."""
    calls = w.calls
    due = np.empty(w.calls_n, np.int64)
    count = 0
    for i in range(w.calls_n):
        if calls.kind[i] >= 0 and calls.time[i] < w.now:
            due[count] = i
            count += 1
    due = due[:count]
    return due[np.argsort(calls.time[due], kind="mergesort")]


@kernel
def answer_calls(w) -> None:
    """The hour's calls, answered or abandoned in order of arrival.

    Reads the pending calls, w.agents_by_hour, pop.identity, contacts. Changes the agents'
    free times, the pending calls (a repeat call for an unresolved answer, a retry or a
    complaint for a caller who hung up), pop.contacts, members' memory of the contact centre,
    counters (the call's contact counter when answered; calls, waits, agent time).
    Stream: contact (keyed by member and its number of calls)."""
    p, pop = w.p, w.pop
    w.counters[AGENT_MINUTES] += 60.0 * w.agent_share * w.agents_by_hour[int(w.now - 1.0) % 24]
    due = due_calls(w)
    n = due.size
    reserve_calls(w, w.calls_n + n)  # each due call places at most one more (a repeat, retry or complaint)
    calls = w.calls
    patience, handle = np.empty(n), np.empty(n)
    for i in range(n):
        c = due[i]
        identity, number = pop.identity[calls.member[c]], calls.number[c]
        patience[i] = exponential_quantile(keyed_uniform(w.keys[CONTACT_KEY, PATIENCE], identity, number),
                                           p.patience_minutes / 60.0)
        handle[i] = exponential_quantile(keyed_uniform(w.keys[CONTACT_KEY, HANDLE], identity, number),
                                         p.handle_minutes / 60.0)
    wait, answered = np.empty(n), np.zeros(n, np.bool_)
    serve_in_order(calls.time[due], patience, handle, w.agents_by_hour, w.agent_share, w.agent_free, wait, answered)
    for i in range(n):
        c = due[i]
        member, kind, attempt, time = calls.member[c], calls.kind[c], calls.attempt[c], calls.time[c]
        identity, number = pop.identity[member], calls.number[c]
        calls.kind[c] = DONE
        if answered[i]:
            finish_answered_call(w, member, kind, wait[i], handle[i], time)
            continue
        w.counters[CALLS_ABANDONED] += 1
        live_through(w, member, CONTACT, 0.0, wait[i])
        u = keyed_uniform(w.keys[CONTACT_KEY, AFTER_HANGING_UP], identity, number)
        later = time + wait[i] + exponential_quantile(keyed_uniform(w.keys[CONTACT_KEY, RETRY_DELAY], identity, number),
                                                      p.retry_hours)
        if attempt + 1 >= p.max_attempts:  # called about it often enough
            w.counters[CALLS_GIVEN_UP] += 1
        elif u < p.retry_share:
            place_call(w, member, max(later, w.now), kind, attempt + 1)
            w.counters[CALLS_RETRIED] += 1
        elif u < p.retry_share + p.complain_share:
            place_call(w, member, time + wait[i], COMPLAIN, attempt + 1)  # counted once opened
        else:
            w.counters[CALLS_GIVEN_UP] += 1
    drop_entries(w, DONE)


@kernel
def finish_answered_call(w, member: int, kind: int, wait: float, handle: float, time: float) -> None:
    """An answered call is an assisted contact; an unresolved first contact brings a repeat
    call about a day later. Stream: contact (keyed by member and its number of contacts)."""
    p, pop = w.p, w.pop
    identity = pop.identity[member]
    resolved = keyed_uniform(w.keys[CONTACT_KEY, RESOLVED], identity, pop.contacts[member]) < p.first_contact_resolution
    pop.contacts[member] += 1
    w.counters[kind] += 1
    w.counters[CALLS_ANSWERED] += 1
    w.counters[WAIT_MINUTES] += 60.0 * wait
    w.counters[BUSY_MINUTES] += 60.0 * handle
    if 3600.0 * wait <= p.service_target_seconds:
        w.counters[CALLS_WITHIN_TARGET] += 1
    learn_from_experience(w, member, CONTACT, 1.0, wait, p.experience_learning_rate)  # the channel works
    feel(w, member, 1.0 if resolved else 0.0, wait)  # though the matter may not be settled
    if not resolved and kind != REPEAT_CONTACTS:
        delay = exponential_quantile(keyed_uniform(w.keys[CONTACT_KEY, REPEAT_DELAY], identity, pop.calls[member]),
                                     p.repeat_hours)
        call_contact_centre(w, member, REPEAT_CONTACTS, max(time + wait + handle / w.agent_share + delay, w.now), 0, -1)


@kernel
def drop_entries(w, kind: int) -> None:
    """Remove the pending entries of one kind, keeping the rest in order."""
    calls, kept = w.calls, 0
    for i in range(w.calls_n):
        if calls.kind[i] != kind:
            calls.member[kept], calls.time[kept], calls.kind[kept] = calls.member[i], calls.time[i], calls.kind[i]
            calls.attempt[kept], calls.number[kept] = calls.attempt[i], calls.number[i]
            kept += 1
    w.calls_n = kept
    w.sync[PENDING_CALLS] = kept
