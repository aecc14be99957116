"""The world: the model's whole state as one typed object.

`World.ref` is a numba structref that every compiled rule takes as `w`: member columns,
threads, complaints, the answer log, topics and knowledge, parameters (`w.p`), random
streams (`w.rng`, `w.keys`), counters, tallies, the day's issue queue and the hour's
buffers. Passing it costs about a microsecond, so an hour is one compiled call.

Python owns the store arrays (`World.pop`, `World.threads`, ...) and grows them between
compiled calls; the rules allocate the hour's buffers themselves. Arrays Python reads often
(counters, tallies, sync) are shared, not copied.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import types
from numba.experimental import structref

from sim.state.counters import COUNTERS, JOINERS, PENDING_CALLS, QUEUE_LEFT
from sim.state.defects import build_defects
from sim.state.jit import kernel
from sim.state.knowledge import build_knowledge, build_topics
from sim.state.params import kernel_params
from sim.state.population import Population, Tallies
from sim.state.streams import spawn_streams
from sim.state.threads import AnswerLog, Complaints, MeToos, Threads

# team slots: staff time as items per hour (sim/levers/policies.py)
MINUTES_PER_HOUR, MINUTES_PER_ITEM, AVAILABLE, HOURS_WORKED = range(4)

# hour buffers, replaced by the rules each hour
Issues = namedtuple("Issues", ["member", "k", "time", "topic", "defect", "outcome"])
Answers = namedtuple("Answers", ["member", "thread", "time", "quality", "row"])
Views = namedtuple("Views", ["viewer", "row", "time"])
Candidates = namedtuple("Candidates", ["member", "thread", "when", "look", "value", "bonus"])
Calls = namedtuple("Calls", ["member", "time", "kind", "attempt", "number"])  # pending calls, kept across hours
Online = namedtuple("Online", ["readers", "contributors", "alive", "responders", "responder_cum",
                               "superusers", "superuser_cum", "mean_probability"])


def _ints(n: int = 0) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


def _rows(n: int) -> np.ndarray:
    """Member rows waiting for Python (sim/model.py _sync_agents); int32 halves their size."""
    return np.zeros(n, dtype=np.int32)


def _floats(n: int = 0) -> np.ndarray:
    return np.zeros(n, dtype=np.float64)


def empty_issues() -> Issues:
    return Issues(_ints(), _ints(), _floats(), _ints(), _ints(), np.zeros(0, dtype=np.int8))


def empty_answers() -> Answers:
    return Answers(_ints(), _ints(), _floats(), _floats(), _ints())


def empty_views() -> Views:
    return Views(_ints(), _ints(), _floats())


def empty_candidates() -> Candidates:
    return Candidates(_ints(), _ints(), _floats(), _ints(), _floats(), _floats())


def empty_online() -> Online:
    return Online(_ints(), _ints(), _ints(), _ints(), _floats(), _ints(), _floats(), _floats(2))


@structref.register
class WorldType(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class WorldRef(structref.StructRefProxy):
    """The compiled side of the world (fields: WORLD_FIELDS)."""


WORLD_FIELDS = (
    # stores (Python-allocated; new views are sent after growth)
    "pop", "threads", "open_threads", "complaints", "open_complaints", "log", "metoos", "open_metoos",
    # fixed for the run
    "topics", "kb", "defects", "p", "rng", "keys", "rank_thresholds", "badge_thresholds",
    # shared with Python
    "counters", "role_count", "post_days", "rolled_until", "sync", "sync_rows", "churn_rows",
    "forum_team", "social_team", "agents_by_hour", "agent_share", "agent_free",
    # kept by the rules
    "now", "issue_clock", "herding_share", "answer_hist",
    "queue_member", "queue_k", "queue_time", "queue_next", "calls", "calls_n",
    "issues", "candidates", "answers", "views", "closed_complaints", "newly_answered", "accepted", "kudos_authors", "kudoed",
    "first_row", "online", "hazard_factor", "leaderboard_rows", "kudos_keys", "kudos_used",
    # kept by the measures
    "pending_first", "low_heap", "high_heap", "low_n", "high_n", "mature_next",
)
structref.define_constructor(WorldRef, WorldType, WORLD_FIELDS)
structref.define_boxing(WorldType, WorldRef)


@kernel
def _new_world(values):
    return WorldRef(*values)


@kernel
def _send_stores(w, pop, threads, open_threads, complaints, open_complaints, log, metoos, open_metoos, sync_rows,
                 churn_rows):
    w.pop, w.threads, w.open_threads = pop, threads, open_threads
    w.complaints, w.open_complaints, w.log = complaints, open_complaints, log
    w.metoos, w.open_metoos = metoos, open_metoos
    w.sync_rows, w.churn_rows = sync_rows, churn_rows


@kernel
def set_herding_share(w, share: float) -> None:
    w.herding_share = share


PLAN_MARGIN = 1.15     # planned room beyond the recent pace
PLAN_WINDOW_DAYS = 28  # the pace is measured over the last four weeks
GROWTH = 1.25       # the least a store grows by when it must


def member_rows_bound(config) -> int:
    """Rows enough, at the start, for every member the run is likely to have: joining at its
    largest pull (a forum answering everything), compounding as the community grows, plus
    four standard deviations, but never more than twice the first members (long or fast-
    growing runs then grow the columns as members join). The member columns are the largest
    store, so in ordinary runs they should never need to grow (and briefly be held twice)."""
    p, days = config.population, config.scenario.days
    pull = min((1.0 / p.join_reference_answer_rate) ** p.join_answer_elasticity, 3.0)
    rate = p.join_rate_per_year * pull  # joiners a year per member, at most
    growth = min(max(rate - config.behaviour.churn_rate_per_year, 0.0) * days / 365.0, 5.0)
    joiners = p.members * rate * days / 365.0 * (np.expm1(growth) / growth if growth > 0 else 1.0)
    return int(min(p.members + joiners + 4.0 * np.sqrt(joiners), 2 * p.members) + 64)


def _team(hours_per_day: float, minutes_per_item: float) -> np.ndarray:
    team = np.zeros(4)
    team[MINUTES_PER_HOUR], team[MINUTES_PER_ITEM] = hours_per_day * 60.0 / 24.0, minutes_per_item
    return team


def agent_roster(config) -> tuple[np.ndarray, float]:
    """Agents on shift in each hour of the day, and the share of their time they give to calls.
    The scenario's agents (or agents per 1,000 members, for the members at the start) are on
    shift in each open hour. A fraction above one alternates between the whole numbers around
    it (1.5 agents: 2 and 1 by turns; the day's agent hours are the whole number nearest to
    agents x open hours). Below one, a single agent is on shift who spends that share of its
    time on calls (a blended agent, doing other work the rest of the time), so a small centre
    keeps its hours and scales its capacity and its cost."""
    centre = config.contact_centre
    on_shift = centre.capacity("agents", config.population.members)
    roster = np.zeros(24, np.int64)
    if on_shift <= 0:
        return roster, 1.0
    share = min(on_shift, 1.0)
    on_shift = max(on_shift, 1.0)
    for i, hour in enumerate(range(centre.open_hour, centre.close_hour)):
        roster[hour] = int(np.floor((i + 1) * on_shift + 0.5) - np.floor(i * on_shift + 0.5))
    return roster, share


class World:
    """The state of one run, from Python's side, with its compiled twin in `ref`."""

    def __init__(self, config, seed: int):
        members = config.population.members
        self.config = config
        self.pop = Population(member_rows_bound(config))
        self.threads = Threads(max(1024, members // 4))
        self.complaints = Complaints(1024)
        self.log = AnswerLog(max(1024, members // 2))
        self.metoos = MeToos(1024)
        self.tallies = Tallies()
        answer_hist = np.zeros(64, dtype=np.int64)  # grown by the kernels themselves
        self.topics = build_topics(config)
        self.kb = build_knowledge(config, self.topics)
        self.counters = np.zeros(len(COUNTERS))
        self.sync = np.zeros(5, dtype=np.int64)
        self.sync_rows, self.churn_rows = _rows(self.pop.capacity), _rows(self.pop.capacity)
        forum, social = config.policy.forum, config.policy.social
        members = config.population.members
        self.forum_team = _team(forum.capacity("staff_hours_per_day", members), forum.minutes_per_answer)
        self.social_team = _team(social.capacity("team_hours_per_day", members), social.minutes_per_reply)
        self.agents_by_hour, self.agent_share = agent_roster(config)
        self.generators, self.keys = spawn_streams(seed)
        self.defects = build_defects(config, self.topics, self.keys)
        t = self.tallies
        values = (
            self.pop.view(), self.threads.view(), self.threads.open_list.view(), self.complaints.view(),
            self.complaints.open_list.view(), self.log.view(), self.metoos.view(), self.metoos.open_list.view(),
            self.topics, self.kb, self.defects, kernel_params(config), self.generators, self.keys,
            np.asarray(config.rewards.points.rank_thresholds, dtype=np.float64),
            np.asarray(config.rewards.badges.thresholds, dtype=np.int64),
            self.counters, t.role_count, t.post_days, t.rolled_until, self.sync, self.sync_rows, self.churn_rows,
            self.forum_team, self.social_team, self.agents_by_hour, self.agent_share,
            np.zeros(max(1, self.agents_by_hour.max())),
            0.0, 0.0, 0.0, answer_hist,
            _ints(), _ints(), _floats(), 0, Calls(_ints(16), _floats(16), _ints(16), _ints(16), _ints(16)), 0,
            empty_issues(), empty_candidates(), empty_answers(), empty_views(), _ints(), _ints(), _ints(), _ints(), _ints(),
            0, empty_online(), _floats(), _ints(), np.full(1024, -1, dtype=np.int64), 0,
            _ints(), _floats(64), _floats(64), 0, 0, 0,
        )
        self.ref = _new_world(values)
        for store in (self.pop, self.threads, self.complaints, self.log, self.metoos):
            store.on_growth = self.send_stores
        self.planned = (self.threads, self.complaints, self.log, self.metoos)
        self.sizes: list[list[int]] = []  # the planned stores' sizes at each day's end

    def send_stores(self) -> None:
        _send_stores(self.ref, self.pop.view(), self.threads.view(), self.threads.open_list.view(),
                     self.complaints.view(), self.complaints.open_list.view(), self.log.view(),
                     self.metoos.view(), self.metoos.open_list.view(), self.sync_rows, self.churn_rows)

    def reserve_members(self, extra: int) -> None:
        if self.pop.reserve(extra):
            self.sync_rows, self.churn_rows = _rows(self.pop.capacity), _rows(self.pop.capacity)
            self.send_stores()

    def reserve_hour(self, answers_bound: int) -> None:
        """Room for what one hour can add: a thread or a me-too and a complaint per issue still
        queued today, a complaint per pending call and per question still waiting (its asker
        may complain once its patience runs out), and `answers_bound` answers."""
        left = int(self.sync[QUEUE_LEFT])
        waiting = self.threads.open_list.size + self.metoos.open_list.size
        grew = self.threads.reserve(left, GROWTH)
        grew = self.metoos.reserve(left, GROWTH) or grew
        grew = self.complaints.reserve(left + int(self.sync[PENDING_CALLS]) + waiting, GROWTH) or grew
        grew = self.log.reserve(answers_bound, GROWTH) or grew
        if grew:
            self.send_stores()

    def reserve_day(self) -> None:
        """Room for the members joining at the end of the day (drawn by the join rule)."""
        self.reserve_members(int(self.sync[JOINERS]))

    def plan_capacity(self, days_left: float) -> None:
        """Daily: grow threads, complaints and the answer log early to what their pace over the
        last weeks says they will need by the run's end (with a margin), so that they seldom
        grow late, when copying a large array briefly holds it twice."""
        self.sizes.append([store.size for store in self.planned])
        window = self.sizes[-PLAN_WINDOW_DAYS - 1:]
        if len(window) < 2 or days_left <= 0:
            return
        grew = False
        for store, first, last in zip(self.planned, window[0], window[-1]):
            pace = (last - first) / (len(window) - 1)
            grew = store.reserve(int(PLAN_MARGIN * pace * days_left), GROWTH, open_extra=0) or grew
        if grew:
            self.send_stores()

    def counter_values(self) -> dict[str, float]:
        return dict(zip(COUNTERS, self.counters.tolist()))
