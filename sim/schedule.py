"""The schedule: what happens at the start of a day, in every hour and at the end of a day,
in order, as data. docs/MODEL.md §1.3 lists the same steps (a test keeps them equal).

Each step is a compiled function of the world whose docstring says what it reads, changes
and draws from. An hour runs as one compiled call over HOURLY (`run_hour`); the day's steps
are called one by one, so that between them Python can make room for newcomers and keep
Mesa's agents in step with the columns (sim/model.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from numba import literal_unroll

from sim.levers import launches, policies, rewards
from sim.measures import answering as answering_tallies
from sim.rules import acceptance, answering, arrivals, asking, channels, contact_centre, defects, escalation, kudos
from sim.rules import knowledge, membership, metoo
from sim.rules import motivation, online, roles, search, social
from sim.state import buffers
from sim.state.jit import kernel
from sim.state.counters import QUEUE_LEFT
from sim.state.world import MINUTES_PER_HOUR, MINUTES_PER_ITEM


@dataclass(frozen=True)
class Step:
    name: str     # as docs/MODEL.md §1.3 lists it
    rule: Callable  # a compiled function of the world


DAY_START = (
    Step("update_topic_mix", launches.update_topic_mix),
    Step("schedule_issues", arrivals.schedule_issues),
)

HOURLY = (
    Step("clear_hour", buffers.clear_hour),
    Step("draw_issues", arrivals.draw_issues),
    Step("search_knowledge_base", search.search_knowledge_base),
    Step("choose_channels", channels.choose_channels),
    Step("post_questions", asking.post_questions),
    Step("call_directly", channels.call_directly),
    Step("complain_in_public", social.complain_in_public),
    Step("staff_answers", policies.staff_answers),
    Step("browse_threads", answering.browse_threads),
    Step("value_of_answering", rewards.value_of_answering),
    Step("write_answers", answering.write_answers),
    Step("reward_answers", rewards.reward_answers),
    Step("accept_answers", acceptance.accept_answers),
    Step("reward_acceptance", rewards.reward_acceptance),
    Step("follow_threads", metoo.follow_threads),
    Step("escalate_expired", escalation.escalate_expired),
    Step("serve_complaints", policies.serve_complaints),
    Step("peer_replies", social.peer_replies),
    Step("give_up_unanswered", social.give_up_unanswered),
    Step("pile_on", social.pile_on),
    Step("answer_calls", contact_centre.answer_calls),
    Step("seed_kudos", kudos.seed_kudos),
    Step("give_kudos", kudos.give_kudos),
    Step("reward_kudos", rewards.reward_kudos),
    Step("track_answering", answering_tallies.track_answering),
)

DAY_END = (
    Step("rest_one_day", motivation.rest_one_day),
    Step("take_breaks", motivation.take_breaks),
    Step("age_knowledge", knowledge.age_one_day),
    Step("listen_to_customers", defects.listen_to_customers),
    Step("update_leaderboard", rewards.update_leaderboard),
    Step("review_programme", rewards.review_programme),
    Step("promote_and_demote", roles.promote_and_demote),
    Step("shield_programme_members", rewards.shield_programme_members),
    Step("churn_one_day", membership.churn_one_day),
    Step("draw_joiners", membership.draw_joiners),
    Step("add_joiners", membership.add_joiners),
    Step("index_members", online.index_members),
)

_HOURLY_RULES = tuple(step.rule for step in HOURLY)


@kernel
def answers_bound(w) -> int:
    """The most answers one hour can bring: every contributor in the online index (whoever
    browses this hour is drawn from it) writing up to its hourly capacity, and staff answering
    as fast as their time allows."""
    p, team = w.p, w.forum_team
    per_member = min(p.browse_limit, p.answer_capacity_per_hour)
    staff = int(team[MINUTES_PER_HOUR] // team[MINUTES_PER_ITEM]) + 2
    return (w.online.responders.size + w.online.superusers.size) * per_member + staff


@kernel
def run_hour(w, now: float) -> int:
    """One hour: every HOURLY step in order, the clock set to the hour's end. If the stores
    lack room for what the hour could add (a thread and a complaint per issue still queued
    today, a me-too per issue, a complaint per pending call and per waiting question,
    `answers_bound` answers), nothing runs and the answer rows needed are returned,
    for Python to make room and call again; 0 once the hour has run."""
    left, answers = w.sync[QUEUE_LEFT], answers_bound(w)
    # an issue, a caller who hung up or an asker who waited in vain may complain
    complaints = left + w.calls_n + w.open_threads.n[0] + w.open_metoos.n[0]
    if (w.threads.n[0] + left > w.threads.asker.size or w.open_threads.n[0] + left > w.open_threads.id.size
            or w.metoos.n[0] + left > w.metoos.member.size or w.open_metoos.n[0] + left > w.open_metoos.id.size
            or w.complaints.n[0] + complaints > w.complaints.member.size
            or w.open_complaints.n[0] + complaints > w.open_complaints.id.size
            or w.log.n[0] + answers > w.log.member.size):
        return answers
    w.now = now
    for rule in literal_unroll(_HOURLY_RULES):
        rule(w)
    return 0
