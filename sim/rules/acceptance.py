"""Acceptance: the asker accepts the first answer whose quality clears its need in time.

An accepted answer solves the thread, adds it to the knowledge base and recognises its
author (a member; staff answers earn no one recognition); the helped asker may turn
responder (reciprocity)."""

from __future__ import annotations

import numpy as np

from sim.rules.experience import learn_from_experience
from sim.rules.roles import reciprocate
from sim.state.counters import SOLVED
from sim.state.jit import kernel
from sim.state.knowledge import add_solved
from sim.state.population import FORUM
from sim.state.threads import OPEN, SOLVED as THREAD_SOLVED, compact_open


@kernel
def accept_answers(w) -> None:
    """Solve threads with a good-enough answer before the asker's deadline, earliest first.

    Reads the hour's answers (staff and volunteers). Changes threads (status, solver,
    accepted answer, closed), the open list, pop.accepted, recognition and times_helped,
    the knowledge base, askers' memory of the forum, roles, the hour's accepted (volunteer
    solvers, for the reward schemes), counters[SOLVED]."""
    a, threads, pop, p = w.answers, w.threads, w.pop, w.p
    order = np.argsort(a.time, kind="mergesort")
    solvers = np.empty(order.size, np.int64)
    n_solvers = 0
    solved = 0
    for j in order:
        t = a.thread[j]
        if a.quality[j] < threads.need[t] or a.time[j] > threads.deadline[t] or threads.status[t] != OPEN:
            continue
        threads.status[t] = THREAD_SOLVED
        threads.closed[t] = a.time[j]
        threads.solver[t] = a.member[j]
        threads.accepted_answer[t] = a.row[j]
        solved += 1
        if a.member[j] >= 0:
            pop.accepted[a.member[j]] += 1
            pop.recognition[a.member[j]] += p.recognition_per_accept
            solvers[n_solvers] = a.member[j]
            n_solvers += 1
        add_solved(w.kb, threads.topic[t], t)
        asker = threads.asker[t]
        pop.times_helped[asker] += 1
        learn_from_experience(w, asker, FORUM, 1.0, a.time[j] - threads.created[t], p.experience_learning_rate)
        reciprocate(w, asker)
    if solved:
        compact_open(threads.status, w.open_threads)
    w.accepted = solvers[:n_solvers]
    w.counters[SOLVED] += solved
