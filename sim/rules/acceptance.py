"""Acceptance: the asker accepts the first answer whose quality clears its need in time.

An accepted answer solves the thread, adds it to the knowledge base and recognises its
author (a member; staff answers earn no one recognition); the helped asker may turn
responder (reciprocity, in rules/roles.py).
"""

from __future__ import annotations

import numpy as np

from sim.arrays import first_occurrences
from sim.population import FORUM
from sim.rules.answering import Answers
from sim.rules.channels import learn_from_experience
from sim.rules.roles import reciprocate
from sim.threads import OPEN, SOLVED


def accept_answers(model, answers: Answers) -> np.ndarray:
    """Solve threads with a good-enough answer before the asker's deadline; return their ids."""
    threads, pop = model.threads, model.population
    if answers.thread.size == 0:
        return answers.thread
    good = ((answers.quality >= threads.need[answers.thread])
            & (answers.time <= threads.deadline[answers.thread])
            & (threads.status[answers.thread] == OPEN))
    if not good.any():
        return np.empty(0, dtype=np.int64)
    order = np.flatnonzero(good)[np.argsort(answers.time[good], kind="stable")]
    thread, member, time, row = answers.thread[order], answers.member[order], answers.time[order], answers.row[order]
    first = first_occurrences(thread)
    thread, member, time, row = thread[first], member[first], time[first], row[first]
    threads.solver[thread] = member
    threads.accepted_answer[thread] = row
    threads.close(thread, SOLVED, time)
    volunteers = member[member >= 0]
    np.add.at(pop.accepted, volunteers, 1)
    np.add.at(pop.recognition, volunteers, model.config.behaviour.recognition_per_accept)
    model.rewards.on_accepted(volunteers)
    model.knowledge.add_solved(threads.topic[thread], thread)
    askers = threads.asker[thread]
    np.add.at(pop.times_helped, askers, 1)
    learn_from_experience(model, askers, FORUM, np.ones(thread.size), time - threads.created[thread])
    reciprocate(model, askers)
    model.counters.add(solved=thread.size)
    return thread
