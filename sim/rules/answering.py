"""Forum answering: online contributors browse open threads and decide whether to answer.

P(answer) = logistic(role bias + expertise match + motivation + reward value - crowding by
existing answers) (DESIGN.md §4); the reward value and any staff access come from the reward
schemes' step between browsing and writing (sim/levers/rewards.py). Work is proportional to
the members online this hour times the browse limit, never to all members.
"""

from __future__ import annotations

import numpy as np

from sim.rules.online import draw_online
from sim.state.buffers import add_answers, add_views, append
from sim.state.counters import ANSWERS
from sim.state.jit import inline, kernel
from sim.state.population import SUPERUSER, note_answer, note_post
from sim.state.streams import (ANSWERING, BROWSING, QUALITY, exponential_quantile, keyed_uniform, normal_quantile,
                               pick)
from sim.state.world import Candidates

LOOKS = 1024  # event numbers of an hour's looks: hour x LOOKS + look (browse_limit is at most 1000)


@inline
def logistic(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


@inline
def answers_before(threads, thread: int, time: float) -> int:
    """Answers a thread had at `time`. Volunteers' answers of the current hour are recorded
    only after every visit, so only a staff answer can lie in the future of a visit."""
    late_staff = threads.staff_answered[thread] and threads.staff_answer_at[thread] > time
    return threads.n_answers[thread] - (1 if late_staff else 0)


@inline
def motivation(pop, member: int) -> float:
    """Intrinsic + log1p(recognition) - fatigue: recognition has diminishing returns, so a
    prolific member's record cannot push its propensity to certainty."""
    return pop.intrinsic[member] + np.log1p(pop.recognition[member]) - pop.fatigue[member]


@kernel
def answer_logit(w, member: int, thread: int, when: float, value: float, bonus: float) -> float:
    """The log-odds that a member who sees a thread at `when` answers it."""
    p, pop, threads = w.p, w.pop, w.threads
    role_bias = p.bias_superuser if pop.role[member] == SUPERUSER else p.bias_responder
    gap = pop.expertise[member] + bonus - threads.difficulty[thread]
    in_area = pop.area[member] == w.topics.area[threads.topic[thread]]
    return (role_bias + p.weight_expertise * gap + (p.area_match_bonus if in_area else 0.0)
            + p.weight_motivation * motivation(pop, member) + value
            - p.crowding_per_answer * answers_before(threads, thread, when))


@inline
def seen_before(thread, first: int, last: int, t: int) -> bool:
    for i in range(first, last):
        if thread[i] == t:
            return True
    return False


@kernel
def browse_threads(w) -> None:
    """Each online contributor looks at up to b open threads, unanswered and recent first,
    and sees each one's latest answer if it was written by then.

    Reads w.online, open threads. Changes the hour's candidates (member, thread, visit time,
    look number) for threads that existed at the visit and that the visitor did not ask, and
    the hour's views. Stream: browsing (keyed by member, hour and look)."""
    p, threads = w.p, w.threads
    members, visit = draw_online(w)
    hour = int(round(w.now))
    open_ids = w.open_threads.id[:w.open_threads.n[0]]
    hour_start = w.now - 1.0
    cum = np.empty(open_ids.size)
    total = 0.0
    for i in range(open_ids.size):
        t = open_ids[i]
        weight = 1.0 if answers_before(threads, t, hour_start) == 0 else p.answered_browse_weight
        total += weight * 2.0 ** (-(w.now - threads.created[t]) / p.browse_age_half_life_hours)
        cum[i] = total
    looks = min(p.browse_limit, open_ids.size)
    n = members.size * looks if total > 0 else 0
    member, thread, when, look = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n), np.empty(n, np.int64)
    count = 0
    for i in range(members.size if n else 0):
        first = count
        identity = w.pop.identity[members[i]]
        for j in range(looks):
            t = open_ids[pick(cum, keyed_uniform(w.keys[BROWSING, 0], identity, hour * LOOKS + j))]
            if threads.created[t] >= visit[i] or threads.asker[t] == members[i]:
                continue
            if seen_before(thread, first, count, t):  # looked at twice: one visit
                continue
            member[count], thread[count], when[count], look[count] = members[i], t, visit[i], j
            count += 1
    member, thread, when, look = member[:count], thread[:count], when[:count], look[:count]
    w.candidates = Candidates(member, thread, when, look, np.zeros(count), np.zeros(count))
    row = threads.last_answer[thread].astype(np.int64)
    for i in range(count):
        if row[i] >= 0 and w.log.time[row[i]] > when[i]:
            row[i] = -1  # written after this visit
    add_views(w, member, row, when)


@kernel
def within_capacity(member, time, thread, capacity: int):
    """Mask keeping each member's first `capacity` answers of the hour: the earliest, and on
    a tie (one visit) the oldest threads."""
    keep = np.ones(member.size, np.bool_)
    if member.size <= capacity:
        return keep
    order = np.argsort(thread, kind="mergesort")
    order = order[np.argsort(time[order], kind="mergesort")]
    order = order[np.argsort(member[order], kind="mergesort")]
    rank = 0
    for i in range(order.size):
        rank = rank + 1 if i > 0 and member[order[i]] == member[order[i - 1]] else 0
        keep[order[i]] = rank < capacity
    return keep


@kernel
def log_answers(w, member, thread, time, quality):
    """Add answers (by members or staff) to the log, to their threads and to the hour's
    answers (for acceptance); each asker sees the answer."""
    log, threads = w.log, w.threads
    rows = np.empty(member.size, np.int64)
    first = np.empty(member.size, np.int64)
    firsts = 0
    for j in range(member.size):
        t = thread[j]
        row = log.n[0]
        log.n[0] += 1
        log.member[row], log.thread[row], log.time[row], log.quality[row] = member[j], t, time[j], quality[j]
        threads.last_answer[t] = row
        if threads.n_answers[t] == 0:
            first[firsts] = t
            firsts += 1
        threads.n_answers[t] += 1
        threads.first_answer[t] = min(threads.first_answer[t], time[j])
        rows[j] = row
    w.newly_answered = append(w.newly_answered, first[:firsts])
    add_views(w, threads.asker[thread].astype(np.int64), rows, time)
    add_answers(w, member, thread, time, quality, rows)


@kernel
def write_answers(w) -> None:
    """Decide on every candidate, keep each member's first answers up to its hourly
    capacity, then write them: the writing takes minutes, quality = logistic(slope x
    (expertise - difficulty) + noise).

    Reads the hour's candidates (with the reward value and staff access set by the reward
    step). Changes threads, the answer log, pop.answers, activity, fatigue and last_post,
    the hour's answers and views, counters[ANSWERS]. Streams: answering (decision, writing
    time) and quality, keyed by member, hour and look."""
    c, p, pop, threads = w.candidates, w.p, w.pop, w.threads
    hour = int(round(w.now))
    event = np.empty(c.member.size, np.int64)
    decided = np.zeros(c.member.size, np.bool_)
    for i in range(c.member.size):
        event[i] = hour * LOOKS + c.look[i]
        logit = answer_logit(w, c.member[i], c.thread[i], c.when[i], c.value[i], c.bonus[i])
        decided[i] = keyed_uniform(w.keys[ANSWERING, 0], pop.identity[c.member[i]], event[i]) < logistic(logit)
    chosen = np.flatnonzero(decided)
    chosen = chosen[within_capacity(c.member[chosen], c.when[chosen], c.thread[chosen], p.answer_capacity_per_hour)]
    n = chosen.size
    member, thread, time, quality = c.member[chosen], c.thread[chosen], np.empty(n), np.empty(n)
    for j in range(n):
        identity, e = pop.identity[member[j]], event[chosen[j]]
        time[j] = c.when[chosen[j]] + exponential_quantile(keyed_uniform(w.keys[ANSWERING, 1], identity, e),
                                                            p.writing_minutes / 60.0)
        gap = pop.expertise[member[j]] + c.bonus[chosen[j]] - threads.difficulty[thread[j]]
        noise = normal_quantile(keyed_uniform(w.keys[QUALITY, 0], identity, e), 0.0, p.quality_noise)
        quality[j] = logistic(p.quality_slope * gap + noise)
    for j in range(n):
        m = member[j]
        note_answer(w, m)
        pop.activity[m] += 1.0
        pop.fatigue[m] += p.fatigue_per_answer
        note_post(w, m, time[j])
    w.counters[ANSWERS] += n
    log_answers(w, member, thread, time, quality)
