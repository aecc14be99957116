"""CommunityModel: wires population, threads, knowledge and rules into the hourly step.

The model holds no behaviour of its own; each process is a rule function in sim/rules.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np

from sim import metrics
from sim.agents import AGENT_CLASS_BY_ROLE, Member
from sim.complaints import Complaints
from sim.knowledge import KnowledgeBase
from sim.policies import build_teams, serve_complaints, staff_answers
from sim.population import CONTACT, FORUM, READER, RESPONDER, SOCIAL, SUPERUSER, Population
from sim.rewards import RewardSchemes, draw_sensitivity
from sim.rules import membership, motivation, roles
from sim.rules.acceptance import accept_answers
from sim.rules.answering import write_answers
from sim.rules.arrivals import draw_issues, zipf_weights
from sim.rules.asking import post_questions
from sim.rules.channels import call_contact_centre, choose_channels
from sim.rules.escalation import escalate_expired
from sim.rules.kudos import AnswerViews, draw_conformity, give_kudos
from sim.rules.launches import build_launches, total_topics, update_topic_mix
from sim.rules.search import search_knowledge_base
from sim.rules.social import complain_in_public, give_up_unanswered, pile_on
from sim.samplers import build_samplers
from sim.params.scenario import Scenario, build_scenario, flat_parameter_paths
from sim.threads import AnswerLog, Threads

HOURS_PER_DAY = 24


class CommunityModel(mesa.Model):
    """A support community: members ask, search, answer, call, climb ranks and leave.

    Build it from a validated scenario (`scenario=`), from flat keyword overrides of the
    default scenario (`members=5000, search_quality=0.8`), or both. One step is one hour.
    The pydantic scenario lives in `model.config`; Mesa's own `model.scenario` is left to Mesa.
    """

    def __init__(self, scenario: Scenario | None = None, rng: Any = None, **overrides: Any):
        super().__init__(rng=rng)
        self.config = self._resolve(scenario, overrides)
        cfg = self.config
        self.hours = cfg.scenario.days * HOURS_PER_DAY
        b = cfg.behaviour
        n_topics = total_topics(cfg)  # launch topics exist from the start with zero weight
        self.base_topic_weights = np.zeros(n_topics)
        self.base_topic_weights[: b.topics] = zipf_weights(b.topics, b.topic_zipf)
        self.topic_area = np.concatenate([(np.arange(b.topics) * b.topic_areas) // b.topics,
                                          np.arange(n_topics - b.topics) % b.topic_areas])
        self.area_weights = np.bincount(self.topic_area, weights=self.base_topic_weights)
        self.population = Population(cfg.population.members)
        self.threads = Threads(capacity=max(1024, cfg.population.members // 4))
        self.answer_log = AnswerLog(capacity=max(1024, cfg.population.members // 2))
        self.complaints = Complaints(capacity=1024)
        self.answer_views = AnswerViews()
        self.interventions: list = []  # experiments acting on new answers (sim/experiments)
        self.knowledge = KnowledgeBase(self.base_topic_weights, b.initial_articles, b.coverage_half_stock,
                                       b.knowledge_half_life_days)
        self.counters = metrics.Counters()
        self.rewards = RewardSchemes(self)
        self.forum_team, self.social_team = build_teams(cfg)
        self._members: list[Member | None] = []
        self.add_members(*self._initial_members())
        self.initial_superusers = self.population.alive_rows(SUPERUSER)
        self.samplers = build_samplers(self)
        self.launches = build_launches(self)
        update_topic_mix(self)
        self._flows_at_last_collect = metrics.Counters()
        self._day_record: dict[str, float] = {}
        keys = list(self._daily_record())
        self.datacollector = mesa.DataCollector(
            model_reporters={key: partial(_day_value, key=key) for key in keys})
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

    def _initial_members(self) -> tuple[np.ndarray, np.ndarray]:
        """Roles at the start follow engagement: the most online 1% are super-users, the next
        9% responders (with the default shares), so each role is held by people who act it."""
        p = self.config.population
        propensity = np.sort(self._draw_online_propensity(p.members))[::-1]
        counts = apportion(p.members, np.array([p.superuser_share, p.responder_share, p.reader_share]))
        return np.repeat(np.array([SUPERUSER, RESPONDER, READER], dtype=np.int8), counts), propensity

    def _draw_online_propensity(self, n: int) -> np.ndarray:
        return self.rng.lognormal(0.0, self.config.population.online_sigma, n)

    # ----- membership and roles (identity-preserving) -----
    def add_members(self, role_codes: np.ndarray, online_propensity: np.ndarray | None = None) -> np.ndarray:
        """New members with drawn traits; each gets a Mesa agent of its role's class."""
        n, pop, rng, p = role_codes.size, self.population, self.rng, self.config.population
        rows = pop.add(n)
        if n == 0:
            return rows
        b = self.config.behaviour
        mean = np.array([p.expertise_reader, p.expertise_responder, p.expertise_superuser])[role_codes]
        pop.role[rows] = role_codes
        pop.joined_at[rows] = self.time
        pop.role_since[rows] = self.time
        pop.expertise[rows] = rng.beta(mean * p.expertise_concentration,
                                       (1 - mean) * p.expertise_concentration)
        pop.area[rows] = rng.choice(self.area_weights.size, n, p=self.area_weights)
        pop.online_propensity[rows] = (self._draw_online_propensity(n) if online_propensity is None
                                       else online_propensity)
        pop.issue_propensity[rows] = rng.gamma(p.issue_propensity_shape, 1.0 / p.issue_propensity_shape, n)
        pop.intrinsic[rows] = rng.normal(b.intrinsic_mean, b.intrinsic_sd, n)
        pop.reach[rows] = rng.lognormal(np.log(b.reach_median), b.reach_sigma, n)
        pop.channel_success[rows, SOCIAL] = b.social_prior_success
        pop.conformity[rows] = draw_conformity(rng, n, b)
        pop.reward_sensitivity[rows] = draw_sensitivity(rng, n, self.config.rewards)
        self._members.extend(AGENT_CLASS_BY_ROLE[code](self, row)
                             for row, code in zip(rows.tolist(), role_codes.tolist()))
        self.counters.add(joined=n if self.steps else 0)
        return rows

    def remove_members(self, rows: np.ndarray) -> None:
        """Churn: the row stays (history), the Mesa agent leaves the model."""
        pop = self.population
        pop.alive[rows] = False
        pop.left_at[rows] = self.time
        for row in rows.tolist():
            self._members[row].remove()
            self._members[row] = None
        self.counters.add(churned=rows.size)

    def change_role(self, rows: np.ndarray, role_code: int) -> None:
        """Move members to another role class, keeping agent object, unique_id and row."""
        rows = rows[self.population.role[rows] != role_code]
        if rows.size == 0:
            return
        self.population.role[rows] = role_code
        self.population.role_changes[rows] += 1
        self.population.role_since[rows] = self.time
        new_class = AGENT_CLASS_BY_ROLE[role_code]
        for row in rows.tolist():
            agent = self._members[row]
            unique_id = agent.unique_id
            self.deregister_agent(agent)
            agent.__class__ = new_class
            self.register_agent(agent)
            agent.unique_id = unique_id
        self.counters.add(role_changes=rows.size)

    def member(self, row: int) -> Member | None:
        """The Mesa agent of a population row (None once the member has churned)."""
        return self._members[row]

    # ----- the hourly step -----
    def step(self) -> None:
        hour_start = self.time - 1.0
        first_new_answer = self.answer_log.size
        issues = draw_issues(self, hour_start)
        self.counters.add(issues=len(issues))
        found = search_knowledge_base(self, issues)
        unresolved = issues.subset(~found)
        channel = choose_channels(self, unresolved.member)
        post_questions(self, unresolved.subset(channel == FORUM))
        call_contact_centre(self, unresolved.member[channel == CONTACT])
        complain_in_public(self, unresolved.subset(channel == SOCIAL))
        staff = staff_answers(self, hour_start)
        accept_answers(self, staff + write_answers(self))
        escalate_expired(self, until=self.time)
        served = serve_complaints(self, hour_start)
        gone = give_up_unanswered(self, until=self.time)
        pile_on(self, hour_start, np.concatenate([self.complaints.open_ids, served, gone]))
        for intervention in self.interventions:
            intervention.on_new_answers(self, np.arange(first_new_answer, self.answer_log.size))
        viewer, row, _ = self.answer_views.take()
        give_kudos(self, viewer, row)
        if self.steps % HOURS_PER_DAY == 0:
            self._end_of_day()
        if self.time >= self.hours:
            self.running = False

    def _end_of_day(self) -> None:
        """Daily processes, then sampler rebuild and the daily record."""
        motivation.decay_one_day(self, self.samplers.contributor_rows)
        self.knowledge.decay_one_day()
        self.rewards.end_of_day(self.steps // HOURS_PER_DAY)
        roles.promote_and_demote(self)
        membership.churn_one_day(self)
        rate = metrics.recent_answer_rate(self.threads, self.time)
        no_signal = np.isnan(rate) or not self.config.behaviour.forum_open
        membership.join_one_day(self, self.config.population.join_reference_answer_rate if no_signal else rate)
        self.samplers = build_samplers(self)
        update_topic_mix(self)
        self._day_record = self._daily_record()
        self.datacollector.collect(self)

    def _daily_record(self) -> dict[str, float]:
        kpis = self.summary()
        flows = {f"{name}_day": self.counters[name] - self._flows_at_last_collect[name]
                 for name in metrics.FLOW_COUNTERS}
        self._flows_at_last_collect = metrics.Counters(self.counters)
        sentiment = metrics.net_sentiment(flows["positive_impressions_day"], flows["negative_impressions_day"])
        return {"day": self.time / HOURS_PER_DAY, **kpis, **flows, "brand_sentiment_day": sentiment}

    def summary(self) -> dict[str, float]:
        """The KPIs of DESIGN.md §5 (plus extras), cumulative over the run so far."""
        return metrics.summary(self)

    def run(self) -> None:
        """Run the scenario's full duration."""
        self.run_for(self.hours - self.time)


def apportion(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing to `total` in proportion to `shares` (largest remainder)."""
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact, kind="stable")[: total - counts.sum()]] += 1
    return counts


def _day_value(model: CommunityModel, key: str) -> float:
    """DataCollector reporter reading one key of the day's record (picklable, unlike a lambda)."""
    return model._day_record[key]
