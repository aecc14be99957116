"""Acceptance: the asker accepts the first answer whose quality, as it looks to the asker,
clears its need in time. Kudos steer it: an answer looks better by kudos_acceptance_weight
per log(1 + kudos), and an asker looks again at an answer that gained kudos in the last hour
(social proof), so herding changes which answers solve threads.

An accepted answer solves the thread, adds it to the knowledge base and recognises its
author (a member; staff answers earn no one recognition); the helped asker may turn
responder (reciprocity)."""

from __future__ import annotations

import numpy as np

from sim.rules.experience import live_through
from sim.rules.roles import reciprocate
from sim.state.counters import SOLVED
from sim.state.jit import kernel
from sim.state.knowledge import add_solved
from sim.state.population import FORUM
from sim.state.threads import OPEN, SOLVED as THREAD_SOLVED, compact_open


@kernel
def looks_good_enough(w, thread: int, quality: float, row: int, time: float) -> bool:
    """Whether an answer (log row `row`) seen at `time` solves its thread: the thread is still
    open, the asker still waiting, and the answer's quality with its kudos' pull clears the
    asker's need."""
    kudos = float(w.log.kudos[row]) if 0 <= row < w.log.n[0] else 0.0
    perceived = quality + w.p.kudos_acceptance_weight * np.log1p(kudos)
    threads = w.threads
    return threads.status[thread] == OPEN and time <= threads.deadline[thread] and perceived >= threads.need[thread]


@kernel
def helped(w, asker: int, waited: float) -> None:
    """An asker whose question was solved after `waited` hours: it counts the help, learns the
    forum worked, feels it, and may start helping others (reciprocity)."""
    w.pop.times_helped[asker] += 1
    live_through(w, asker, FORUM, 1.0, waited)
    reciprocate(w, asker)


@kernel
def accept_answers(w) -> None:
    """Solve threads with a good-enough answer before the asker's deadline, earliest first:
    the hour's answers (staff and volunteers) when written, and the answers that gained kudos
    in the last hour as the hour starts.

    Reads the hour's answers, w.kudoed, the answer log's quality and kudos. Changes threads
    (status, solver, accepted answer, closed), the open list, pop.accepted, recognition and
    times_helped, the knowledge base, askers' memory of the forum and satisfaction, roles, the
    hour's accepted (volunteer solvers, for the reward schemes), counters[SOLVED]."""
    a, threads, pop, p, log = w.answers, w.threads, w.pop, w.p, w.log
    rows, times, thread, author, quality = a.row, a.time, a.thread, a.member, a.quality
    again = w.kudoed
    if again.size:
        rows = np.concatenate((again, rows))
        times = np.concatenate((np.full(again.size, w.now - 1.0), times))
        thread = np.concatenate((log.thread[again].astype(np.int64), thread))
        author = np.concatenate((log.member[again].astype(np.int64), author))
        quality = np.concatenate((log.quality[again].astype(np.float64), quality))
    order = np.argsort(times, kind="mergesort")
    solvers = np.empty(order.size, np.int64)
    n_solvers = 0
    solved = 0
    for j in order:
        t, time, solver = thread[j], times[j], author[j]
        if not looks_good_enough(w, t, quality[j], rows[j], time):
            continue
        threads.status[t] = THREAD_SOLVED
        threads.closed[t] = time
        threads.solver[t] = solver
        threads.accepted_answer[t] = rows[j]
        solved += 1
        if solver >= 0:
            pop.accepted[solver] += 1
            pop.recognition[solver] += p.recognition_per_accept
            solvers[n_solvers] = solver
            n_solvers += 1
        add_solved(w.kb, threads.topic[t], t)
        helped(w, threads.asker[t], time - threads.created[t])
    if solved:
        compact_open(threads.status, w.open_threads)
    w.accepted = solvers[:n_solvers]
    w.counters[SOLVED] += solved
