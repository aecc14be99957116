"""Company response policies (DESIGN.md §4): staff answering in the forum and the social
team answering public complaints. Both are queues served by a team of limited hours.

Which items a policy takes, and in what order, is one small named rule per kind. A staff
answer competes with volunteers through the same mechanisms as any answer: it counts as
an existing answer (crowding and browse order) and, if accepted first, takes the
acceptance, the knowledge credit and the views that a volunteer would have earned.
"""

from __future__ import annotations

import numpy as np

from sim.complaints import SERVED
from sim.population import SOCIAL
from sim.rules.answering import Answers, log_answers, logistic
from sim.rules.channels import call_contact_centre, learn_from_experience
from sim.rules.social import show_to_onlookers
from sim.threads import STAFF


class Team:
    """Staff time as items per hour. Part of an item's time carries to the next hour, but
    idle time beyond one item is lost: a team cannot bank a quiet night for a busy morning."""

    def __init__(self, hours_per_day: float, minutes_per_item: float):
        self.minutes_per_hour = hours_per_day * 60.0 / 24.0
        self.minutes_per_item = minutes_per_item
        self.available = 0.0
        self.hours_worked = 0.0

    def items_this_hour(self) -> int:
        self.available = min(self.available, self.minutes_per_item) + self.minutes_per_hour
        return int(self.available // self.minutes_per_item)

    def spend(self, items: int) -> None:
        self.available -= items * self.minutes_per_item
        self.hours_worked += items * self.minutes_per_item / 60.0


# ----- forum: which threads staff take, in what order -----
def _without_staff(threads, ids):
    return ids[~threads.staff_answered[ids]]


def immediate_queue(model, ids):
    """Everything, as it arrives (oldest first); ready the moment it is posted."""
    ids = _without_staff(model.threads, ids)
    return ids, model.threads.created[ids]


def sla_queue(model, ids):
    """What is still unanswered H hours after posting, oldest first."""
    threads, hours = model.threads, model.config.policy.forum.sla_hours
    ids = ids[threads.n_answers[ids] == 0]
    return ids, threads.created[ids] + hours


def community_first_queue(model, ids):
    """The community gets a long head start; then staff take the hardest unanswered first."""
    threads, hours = model.threads, model.config.policy.forum.community_first_hours
    ids = ids[threads.n_answers[ids] == 0]
    ids = ids[np.argsort(-threads.difficulty[ids], kind="stable")]
    return ids, threads.created[ids] + hours


def triage_queue(model, ids):
    """Only questions above a difficulty, as they arrive."""
    threads = model.threads
    ids = _without_staff(threads, ids)
    ids = ids[threads.difficulty[ids] >= model.config.policy.forum.triage_difficulty]
    return ids, threads.created[ids]


FORUM_QUEUES = {"immediate": immediate_queue, "sla": sla_queue,
                "community_first": community_first_queue, "triage": triage_queue}


def _take_ready(team: Team, ready_at: np.ndarray, deadline: np.ndarray, hour_start: float,
                now: float, minutes: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Work through the ready items in queue order while the team has time. Each is done some
    minutes after it is ready (or the hour starts). The team cannot know who is about to give
    up: time spent on an item whose owner left before it was done is wasted, and only the
    items done in time are returned."""
    ready = np.flatnonzero(ready_at <= now)
    n = min(team.items_this_hour(), ready.size)
    team.spend(n)
    taken = ready[:n]
    done_at = np.maximum(ready_at[taken], hour_start) + rng.exponential(minutes / 60.0, n)
    in_time = done_at <= deadline[taken]
    return taken[in_time], done_at[in_time]


def staff_answers(model, hour_start: float) -> Answers:
    """The forum policy's answers this hour, written by staff within its capacity."""
    policy, team = model.config.policy.forum, model.forum_team
    if team is None:
        return Answers.none()
    threads = model.threads
    queue, ready_at = FORUM_QUEUES[policy.kind](model, threads.open_ids)
    picked, when = _take_ready(team, ready_at, threads.deadline[queue], hour_start, model.time,
                               policy.minutes_per_answer, model.rng)
    thread = queue[picked]
    gap = policy.staff_expertise - threads.difficulty[thread]
    noise = model.rng.normal(0.0, model.config.behaviour.quality_noise, thread.size)
    answers = Answers(np.full(thread.size, STAFF, dtype=np.int64), thread, when,
                      logistic(model.config.behaviour.quality_slope * gap + noise))
    threads.staff_answered[thread] = True
    threads.staff_answer_at[thread] = when
    np.add.at(threads.n_answers, thread, 1)
    np.minimum.at(threads.first_answer, thread, when)
    log_answers(model, answers)
    model.counters.add(staff_answers=thread.size)
    return answers


# ----- social: which complaints the team serves, in what order -----
def by_arrival(model, ids):
    return ids


def by_reach(model, ids):
    """The concierge: the loudest first, counting everyone who has piled on."""
    complaints = model.complaints
    return ids[np.argsort(-(complaints.reach[ids] + complaints.pile_reach[ids]), kind="stable")]


SOCIAL_QUEUES = {"respond_all": by_arrival, "loudest_first": by_reach, "dialog": by_arrival}


def serve_complaints(model, hour_start: float) -> np.ndarray:
    """Reply to public complaints within the team's capacity; return the ids served.

    A public reply (respond_all, loudest_first) settles the matter in front of the
    complainer's followers, who learn that shouting works. A dialog reply moves the matter to
    private messages: the complainer waits longer and onlookers see no outcome.
    """
    policy, team = model.config.policy.social, model.social_team
    if team is None:
        return np.empty(0, dtype=np.int64)
    complaints, rng = model.complaints, model.rng
    queue = SOCIAL_QUEUES[policy.kind](model, complaints.open_ids)
    picked, when = _take_ready(team, complaints.created[queue] + policy.latency_hours,
                               complaints.deadline[queue], hour_start, model.time,
                               policy.minutes_per_reply, rng)
    ids = queue[picked]
    if ids.size == 0:
        return ids
    complaints.close(ids, SERVED, when)
    members = complaints.member[ids].astype(np.int64)
    resolved = rng.random(ids.size) < policy.resolution
    in_public = policy.kind != "dialog"
    wait = when - complaints.created[ids] + (0.0 if in_public else policy.private_hours)
    learn_from_experience(model, members, SOCIAL, resolved.astype(float), wait)
    if in_public:
        show_to_onlookers(model, complaints.reach[ids], resolved.astype(float), wait)
        audience = complaints.reach[ids] + complaints.pile_reach[ids]
        model.counters.add(positive_impressions=float(audience[resolved].sum()))
    model.counters.add(complaints_served=ids.size)
    call_contact_centre(model, members[~resolved], counter="social_fallbacks")
    return ids


def build_teams(config) -> tuple[Team | None, Team | None]:
    """The forum staff and the social team, or None where the policy is to do nothing."""
    forum, social = config.policy.forum, config.policy.social
    forum_team = (Team(forum.staff_hours_per_day, forum.minutes_per_answer)
                  if forum.kind != "none" and config.behaviour.forum_open else None)
    social_team = Team(social.team_hours_per_day, social.minutes_per_reply) if social.kind != "ignore" else None
    return forum_team, social_team


def policy_costs(model) -> dict[str, float]:
    """Teams are paid for their capacity, whether or not the queue keeps them busy."""
    cfg, days = model.config, model.time / 24.0
    forum = cfg.policy.forum.staff_hours_per_day * days if model.forum_team else 0.0
    social = cfg.policy.social.team_hours_per_day * days if model.social_team else 0.0
    return {"cost_forum_staff": forum * cfg.costs.staff_hour,
            "cost_social_team": social * cfg.costs.social_hour}
