"""CommunityModel: the Mesa model that wires the world, the schedule and the agents together.

The model holds no behaviour of its own: each process is a compiled rule (sim/rules, with
the levers in sim/levers) and sim/schedule.py says in which order they run. Mesa keeps the
clock (one step is one hour), the scheduled events (product launches), the agents (one per
member, of class Reader, Responder or SuperUser) and the daily DataCollector.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np

from sim.agents import AGENT_CLASS_BY_ROLE, Member
from sim.levers.launches import start_launch
from sim.measures.daily import DAILY_KEYS, DailyRecord
from sim.measures.kpis import summary
from sim.params.scenario import Scenario, build_scenario, flat_parameter_paths
from sim.rules.membership import found_community, initial_propensities
from sim.rules.online import index_members
from sim.rules.roles import change_role
from sim.schedule import DAY_END, DAY_START, run_hour
from sim.state.counters import CHURNED_SLOT, ROLE_CHANGES_SLOT, CounterView
from sim.state.population import READER, RESPONDER, SUPERUSER
from sim.state.world import World, set_herding_share

HOURS_PER_DAY = 24


class CommunityModel(mesa.Model):
    """A support community: members ask, search, answer, call, climb ranks and leave.

    Build it from a validated scenario (`scenario=`), from flat keyword overrides of the
    default scenario (`members=5000, search_quality=0.8`), or both. One step is one hour.
    The pydantic scenario lives in `model.config`; Mesa's own `model.scenario` is left to Mesa.
    """

    def __init__(self, scenario: Scenario | None = None, rng: Any = None, **overrides: Any):
        seed = world_seed(rng)  # before Mesa sees `rng`: drawing from a Generator advances it
        super().__init__(rng=rng)
        self.config = self._resolve(scenario, overrides)
        self.hours = self.config.scenario.days * HOURS_PER_DAY
        self.world = World(self.config, seed=seed)
        self.population, self.threads, self.answer_log = self.world.pop, self.world.threads, self.world.log
        self.complaints = self.world.complaints
        self.counters = CounterView(self.world.counters)
        self._members: list[Member | None] = []
        self._found_community()
        self.initial_superusers = self.population.alive_rows(SUPERUSER)
        self._launches = [partial(start_launch, self.world.ref, index) for index in range(len(self.config.launches))]
        for launch, start in zip(self.config.launches, self._launches):  # Mesa keeps only weak references
            self.schedule_event(start, at=24.0 * launch.day)
        self._record = DailyRecord()
        self._day_record: dict[str, float] = {}
        self.datacollector = DailyCollector(model_reporters={key: partial(_day_value, key=key) for key in DAILY_KEYS})
        self.running = True

    @staticmethod
    def _resolve(scenario: Scenario | None, overrides: dict[str, Any]) -> Scenario:
        if "seed" in overrides:
            raise TypeError("CommunityModel is seeded with rng=, not seed= (DESIGN.md §3)")
        paths = flat_parameter_paths()
        unknown = [k for k in overrides if k not in paths]
        if unknown:
            raise TypeError(f"CommunityModel got unknown parameter(s) {unknown}; "
                            f"use the scenario's parameter names, e.g. 'members'")
        data = scenario.model_dump() if scenario is not None else {}
        plain = {paths[k]: v.item() if isinstance(v, np.generic) else v for k, v in overrides.items()}
        return build_scenario(data, plain, source="CommunityModel keywords")

    def _found_community(self) -> None:
        """Roles at the start follow engagement: the most online 1% are super-users, the next
        9% responders (with the default shares), so each role is held by people who act it."""
        p = self.config.population
        propensity = initial_propensities(self.world.ref, p.members)
        counts = apportion(p.members, np.array([p.superuser_share, p.responder_share, p.reader_share]))
        roles = np.empty(p.members, dtype=np.int64)
        roles[np.argsort(-propensity, kind="stable")] = np.repeat([SUPERUSER, RESPONDER, READER], counts)
        found_community(self.world.ref, roles)
        index_members(self.world.ref)
        self._sync_agents()

    # ----- Mesa's side of the columns -----
    def _sync_agents(self) -> None:
        """Bring Mesa's agents in line with the columns after a compiled call: role changes
        swap an agent's class (same object, unique_id and row), churn removes the agent (the
        row stays), new rows get agents of their role's class."""
        world, pop = self.world, self.population
        if world.sync[ROLE_CHANGES_SLOT]:
            for row in world.sync_rows[: world.sync[ROLE_CHANGES_SLOT]].tolist():
                self._swap_class(self._members[row], AGENT_CLASS_BY_ROLE[pop.role[row]])
            world.sync[ROLE_CHANGES_SLOT] = 0
        if world.sync[CHURNED_SLOT]:
            for row in world.churn_rows[: world.sync[CHURNED_SLOT]].tolist():
                self._members[row].remove()
                self._members[row] = None
            world.sync[CHURNED_SLOT] = 0
        first = len(self._members)
        if pop.size > first:
            roles = pop.role[first: pop.size].tolist()
            self._members.extend(AGENT_CLASS_BY_ROLE[code](self, row) for row, code in enumerate(roles, start=first))

    def _swap_class(self, agent: Member, new_class: type) -> None:
        if type(agent) is new_class:
            return
        unique_id = agent.unique_id
        self.deregister_agent(agent)
        agent.__class__ = new_class
        self.register_agent(agent)
        agent.unique_id = unique_id

    def change_role(self, rows, role_code: int) -> None:
        """Move members to another role (their agent keeps its object, unique_id and row)."""
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if role_code not in (READER, RESPONDER, SUPERUSER):
            raise ValueError(f"role_code must be {READER}, {RESPONDER} or {SUPERUSER} (got {role_code!r})")
        if rows.size and (rows.min() < 0 or rows.max() >= self.population.size):
            raise ValueError(f"rows must be members' rows, 0 to {self.population.size - 1}")
        for row in rows.tolist():
            change_role(self.world.ref, row, int(role_code))
        self._sync_agents()

    def member(self, row: int) -> Member | None:
        """The Mesa agent of a population row (None once the member has churned)."""
        return self._members[row]

    def seed_kudos(self, share: float) -> None:
        """Run the herding experiment on new answers (sim/experiments/herding.py)."""
        set_herding_share(self.world.ref, share)

    # ----- the schedule -----
    def step(self) -> None:
        now, ref = float(self.time), self.world.ref
        hour = int(now)  # Mesa steps at every whole hour (Mesa 4 counts no `steps`)
        if hour % HOURS_PER_DAY == 1:
            for step in DAY_START:
                step.rule(ref)
        needed = run_hour(ref, now)
        if needed:
            self.world.reserve_hour(needed)
            if run_hour(ref, now):
                raise RuntimeError(f"hour {now:g}: the stores are still short of room after growing")
        if self.world.sync[ROLE_CHANGES_SLOT]:
            self._sync_agents()
        if hour % HOURS_PER_DAY == 0:
            self._end_of_day(now)
        if now >= self.hours:
            self.running = False

    def _end_of_day(self, now: float) -> None:
        for step in DAY_END:
            self.world.reserve_day()
            step.rule(self.world.ref)
            self._sync_agents()
        self._day_record = self._record.record(self.world, self.initial_superusers, now)
        self.datacollector.collect(self)
        self.world.plan_capacity((self.hours - now) / HOURS_PER_DAY)

    def summary(self) -> dict[str, float]:
        """The KPIs of DESIGN.md §5 (plus extras), cumulative over the run so far."""
        return summary(self.world, self.initial_superusers, float(self.time))

    def run(self) -> None:
        """Run the scenario's full duration."""
        self.run_for(self.hours - self.time)


class DailyCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per key of the daily record. The record
    holds plain numbers made afresh each day, so `collect` appends them all at once instead
    of calling and deep-copying one reporter at a time (that cost more than the day's work)."""

    def collect(self, model) -> None:
        for key, column in self.model_vars.items():
            column.append(model._day_record[key])
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)


def world_seed(rng: Any) -> int:
    """The integer the world's random streams are spawned from: `rng` itself when it is an
    integer, else one draw from it, as Mesa 3.5 drew its `_seed` (which Mesa 4 no longer has),
    so a seed gives the same run on either Mesa."""
    if isinstance(rng, (int, np.integer)):
        return int(rng)
    return int(np.random.default_rng(rng).integers(np.iinfo(np.int32).max))


def apportion(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing to `total` in proportion to `shares` (largest remainder)."""
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact, kind="stable")[: total - counts.sum()]] += 1
    return counts


def _day_value(model: CommunityModel, key: str) -> float:
    """DataCollector reporter reading one key of the day's record (picklable, unlike a lambda)."""
    return model._day_record[key]
