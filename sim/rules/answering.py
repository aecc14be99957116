"""Forum answering: online contributors browse open threads and decide whether to answer.

P(answer) = logistic(role bias + expertise match + motivation + reward value - crowding
- fatigue) (DESIGN.md §4); reward value and staff access come from sim/rewards.py. Work is proportional to the members online this hour times the browse
limit, never to all members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arrays import first_occurrences, run_starts, weighted_draw
from sim.population import SUPERUSER


@dataclass
class Answers:
    """Answers written in one hour, one element per answer."""

    member: np.ndarray
    thread: np.ndarray
    time: np.ndarray
    quality: np.ndarray
    row: np.ndarray | None = None  # answer-log rows, once recorded

    @classmethod
    def none(cls) -> "Answers":
        empty = np.empty(0, dtype=np.int64)
        return cls(empty, empty, np.empty(0), np.empty(0), empty)

    def __add__(self, other: "Answers") -> "Answers":
        if other.member.size == 0 or self.member.size == 0:
            return self if other.member.size == 0 else other
        return Answers(*(np.concatenate([a, b]) for a, b in
                         zip((self.member, self.thread, self.time, self.quality, self.row),
                             (other.member, other.thread, other.time, other.quality, other.row))))


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def online_contributors(model) -> tuple[np.ndarray, np.ndarray]:
    """Responders and super-users online this hour, and when in the hour they visit.

    A binomial count per role, then members drawn by their online propensity.
    """
    rng, parts = model.rng, []
    for sampler in (model.samplers.responders, model.samplers.superusers):
        if sampler.rows.size == 0:
            continue
        k = rng.binomial(sampler.rows.size, sampler.mean_probability)
        if k:
            parts.append(sampler.rows[weighted_draw(sampler.cum, k, rng)])
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0)
    members = np.concatenate(parts)
    members = members[first_occurrences(members)]
    return members, model.time - 1.0 + rng.random(members.size)


def browse(model, members: np.ndarray, visit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each visitor looks at up to b open threads: unanswered and recent ones first.

    Returns (member, thread, visit time) pairs for threads that already existed at the visit
    and that the visitor did not ask.
    """
    threads, b = model.threads, model.config.behaviour
    open_ids = threads.open_ids
    age = model.time - threads.created[open_ids]
    hour_start = model.time - 1.0
    weight = (np.where(threads.answers_before(open_ids, hour_start) == 0, 1.0, b.answered_browse_weight)
              * np.exp2(-age / b.browse_age_half_life_hours))
    cum = np.cumsum(weight)
    if members.size == 0 or cum.size == 0 or cum[-1] <= 0:  # nobody online, or nothing in sight
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    looks = min(b.browse_limit, open_ids.size)
    thread = open_ids[weighted_draw(cum, (members.size, looks), model.rng)].ravel()
    member = np.repeat(members, looks)
    when = np.repeat(visit, looks)
    keep = (threads.created[thread] < when) & (threads.asker[thread] != member)
    member, thread, when = member[keep], thread[keep], when[keep]
    first = first_occurrences(member * threads.capacity + thread)
    return member[first], thread[first], when[first]


def expertise_gap(model, member: np.ndarray, thread: np.ndarray) -> np.ndarray:
    """Expertise (plus any staff access) minus the thread's difficulty."""
    difficulty = model.threads.difficulty[thread]
    return (model.population.expertise[member] + model.rewards.expertise_bonus(member, difficulty)
            - difficulty)


def answer_probability(model, member: np.ndarray, thread: np.ndarray, when: np.ndarray) -> np.ndarray:
    """The chance that a member who sees a thread at time `when` answers it."""
    b, pop, threads = model.config.behaviour, model.population, model.threads
    role_bias = np.where(pop.role[member] == SUPERUSER, b.bias_superuser, b.bias_responder)
    match = (b.weight_expertise * expertise_gap(model, member, thread)
             + b.area_match_bonus * (pop.area[member] == model.topic_area[threads.topic[thread]]))
    logit = (role_bias + match + b.weight_motivation * motivation(pop, member)
             + model.rewards.answer_value(member) - b.crowding_per_answer * threads.answers_before(thread, when))
    return logistic(logit)


def motivation(pop, member: np.ndarray) -> np.ndarray:
    """Intrinsic + log1p(recognition) - fatigue: recognition has diminishing returns, so
    a prolific member's record cannot push its propensity to certainty."""
    return pop.intrinsic[member] + np.log1p(pop.recognition[member]) - pop.fatigue[member]


def answer_quality(model, member: np.ndarray, thread: np.ndarray) -> np.ndarray:
    b = model.config.behaviour
    noise = model.rng.normal(0.0, b.quality_noise, member.size)
    return logistic(b.quality_slope * expertise_gap(model, member, thread) + noise)


def within_capacity(member: np.ndarray, time: np.ndarray, capacity: int) -> np.ndarray:
    """Mask keeping each member's first `capacity` answers of the hour."""
    if member.size <= capacity:
        return np.ones(member.size, dtype=bool)
    order = np.lexsort((time, member))
    starts = np.flatnonzero(run_starts(member[order]))
    rank = np.arange(member.size) - np.repeat(starts, np.diff(np.append(starts, member.size)))
    keep = np.zeros(member.size, dtype=bool)
    keep[order[rank < capacity]] = True
    return keep


def write_answers(model) -> Answers:
    """The hour's answers: browse, decide, cap by capacity, then record them."""
    b, rng = model.config.behaviour, model.rng
    members, visit = online_contributors(model)
    member, thread, when = browse(model, members, visit)
    show_latest_answer(model, member, thread, when)
    answers = rng.random(member.size) < answer_probability(model, member, thread, when)
    if not answers.any():
        return Answers.none()
    member, thread, when = member[answers], thread[answers], when[answers]
    keep = within_capacity(member, when, b.answer_capacity_per_hour)
    member, thread, when = member[keep], thread[keep], when[keep]
    time = when + rng.exponential(b.writing_minutes / 60.0, member.size)
    result = Answers(member, thread, time, answer_quality(model, member, thread))
    record_answers(model, result)
    return result


def record_answers(model, answers: Answers) -> None:
    b, pop, threads = model.config.behaviour, model.population, model.threads
    np.add.at(threads.n_answers, answers.thread, 1)
    np.minimum.at(threads.first_answer, answers.thread, answers.time)
    np.add.at(pop.answers, answers.member, 1)
    np.add.at(pop.activity, answers.member, 1.0)
    np.add.at(pop.fatigue, answers.member, b.fatigue_per_answer)
    np.maximum.at(pop.last_post, answers.member, answers.time)
    log_answers(model, answers)
    model.rewards.on_answers(answers.member, threads.difficulty[answers.thread])
    model.counters.add(answers=answers.member.size)


def log_answers(model, answers: Answers) -> None:
    """Add answers (by members or staff) to the log; each is shown to the thread's asker."""
    threads = model.threads
    answers.row = model.answer_log.append(answers.member, answers.thread, answers.time, answers.quality)
    np.maximum.at(threads.last_answer, answers.thread, answers.row)
    model.answer_views.add(threads.asker[answers.thread], answers.row, answers.time)


def show_latest_answer(model, member: np.ndarray, thread: np.ndarray, when: np.ndarray) -> None:
    """A contributor browsing a thread sees its latest answer, if it was written by then."""
    row = model.threads.last_answer[thread]
    written = (row >= 0) & (model.answer_log.time[np.maximum(row, 0)] <= when)
    model.answer_views.add(member[written], row[written], when[written])

