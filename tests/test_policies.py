"""Response policies: staff answering in the forum and the social team, as queues with limited
hours. Directions are checked over fixed-seed replicates on common random numbers; queue
rules are checked one hour at a time."""

from __future__ import annotations

import numpy as np
import pytest

from sim import CommunityModel, load_scenario, run_scenario
from sim.levers.policies import forum_queue, items_this_hour, spend
from sim.state.threads import SERVED, UNANSWERED
from sim.state.world import HOURS_WORKED, _team

from conftest import SCENARIOS, YEAR, assert_above_zero, paired, replicate

# 3,000 members: the policy effects are many standard errors wide, so a smaller year keeps CI short
POLICY_YEAR = dict(YEAR, members=3000)
STAFFED = dict(POLICY_YEAR, forum_staff_hours_per_day=24.0)
LOUD_PUBLIC = dict(POLICY_YEAR, utility_social=-1.5, social_team_hours_per_day=1.0)


@pytest.fixture(scope="module")
def forum_runs() -> dict[str, list[dict]]:
    return replicate({
        "immediate": dict(STAFFED, forum_kind="immediate"),
        "community_first": dict(STAFFED, forum_kind="community_first", forum_community_first_hours=12.0),
        # the same comparison with the competition switched off: staff answers neither crowd
        # volunteers' propensity nor push threads down their browse list
        "immediate_no_crowding": dict(STAFFED, forum_kind="immediate", crowding_per_answer=0.0,
                                      answered_browse_weight=1.0),
        "community_first_no_crowding": dict(STAFFED, forum_kind="community_first",
                                            forum_community_first_hours=12.0,
                                            crowding_per_answer=0.0, answered_browse_weight=1.0),
    })


@pytest.fixture(scope="module")
def social_runs() -> dict[str, list[dict]]:
    """The social team's kinds the tests below compare (respond_all is compared with ignore in
    tests/test_loops.py)."""
    return replicate({kind: dict(LOUD_PUBLIC, social_kind=kind) for kind in ("ignore", "loudest_first", "dialog")})


@pytest.mark.slow
def test_immediate_staff_answers_raise_the_short_term_answer_rate(forum_runs):
    assert_above_zero(paired(forum_runs, "answer_rate_24h", "immediate", "community_first"),
                      "answer rate within 24 h, immediate - community_first")
    assert_above_zero(paired(forum_runs, "median_hours_to_first_answer", "community_first", "immediate"),
                      "median hours to first answer, community_first - immediate")


@pytest.mark.slow
def test_immediate_staff_answers_crowd_out_volunteers_and_superusers(forum_runs):
    assert_above_zero(paired(forum_runs, "volunteer_answers", "community_first", "immediate"),
                      "volunteer answers, community_first - immediate")
    assert_above_zero(paired(forum_runs, "superusers", "community_first", "immediate"),
                      "super-users at year end, community_first - immediate")
    for run in forum_runs["immediate"]:
        assert run["staff_answer_share"] > 0.5


@pytest.mark.slow
def test_crowding_out_comes_from_competition_for_threads(forum_runs):
    """Switch off crowding and browse order and staff take far fewer answers from volunteers:
    the loss is produced by the mechanism, not imposed."""
    def lost_share(immediate, first):
        return [1.0 - i["volunteer_answers"] / c["volunteer_answers"]
                for i, c in zip(forum_runs[immediate], forum_runs[first])]
    with_competition = lost_share("immediate", "community_first")
    without = lost_share("immediate_no_crowding", "community_first_no_crowding")
    assert_above_zero(np.subtract(with_competition, without), "volunteer answers lost to staff, with - without")


@pytest.mark.slow
def test_loudest_first_grows_the_social_share(social_runs):
    assert_above_zero(paired(social_runs, "social_share", "loudest_first", "dialog"),
                      "social share, loudest_first - dialog")
    assert_above_zero(paired(social_runs, "social_share", "loudest_first", "ignore"),
                      "social share, loudest_first - ignore")


@pytest.mark.slow
def test_ignored_complaints_all_go_unanswered_and_fall_back_to_calls(social_runs):
    for run in social_runs["ignore"]:
        assert run["social_unanswered_share"] == 1.0 and run["complaints_served"] == 0
        assert run["fallback_calls"] == run["complaints_unanswered"] > 0  # every ignored complainer calls
        assert run["cost_social_team"] == 0.0


@pytest.mark.slow
def test_public_concierge_teaches_shouting_over_the_year():
    """Comcast-style concierge, at the scenario's own size: the share of issues taken to social
    media is higher in the last quarter than in the first month (95% interval over ten seeds).
    Since the contact centre is a staffed queue the rise is small (about half a point): callers
    who hang up already complain in the first month. At 3,000 members, with the team scaled
    down to size, it is not detectable."""
    scenario = load_scenario(SCENARIOS / "comcast_twitter_concierge.toml")
    rises = []
    for seed in range(1, 11):
        daily = run_scenario(scenario, seed).daily
        first = daily.complaints_day[:30].sum() / daily.issues_day[:30].sum()
        last = daily.complaints_day[-90:].sum() / daily.issues_day[-90:].sum()
        rises.append(last - first)
    assert_above_zero(rises, "social share, last quarter - first month")


def test_loudest_first_serves_the_loudest():
    model = CommunityModel(rng=4, members=5000, days=120, utility_social=-1.0,
                           social_kind="loudest_first", social_team_hours_per_day=0.5)
    model.run()
    c = model.complaints
    reach, status = c.live("reach"), c.live("status")
    assert (status == SERVED).any() and (status == UNANSWERED).any()
    assert np.median(reach[status == SERVED]) > 2 * np.median(reach[status == UNANSWERED])


def test_team_capacity_limits_items_and_carries_only_part_of_an_item():
    team = _team(hours_per_day=4.8, minutes_per_item=15.0)  # 12 minutes an hour
    taken = []
    for _ in range(10):
        n = items_this_hour(team)
        spend(team, n)
        taken.append(n)
    assert sum(taken) == 8 and max(taken) == 1  # 120 minutes of work in 15-minute items
    idle = _team(hours_per_day=4.8, minutes_per_item=15.0)
    for _ in range(10):
        items_this_hour(idle)  # nothing to do: the time is not banked
    assert items_this_hour(idle) == 1 and idle[HOURS_WORKED] == 0.0


def _model_with_threads(**params) -> CommunityModel:
    model = CommunityModel(rng=2, members=500, days=10, **params)
    t = model.threads
    model.threads.open(asker=np.zeros(4, dtype=np.int32), topic=np.zeros(4, dtype=np.int32),
                       difficulty=np.array([0.2, 0.9, 0.7, 0.4]), need=np.zeros(4),
                       created=np.array([0.0, 0.0, 5.0, 9.0]), deadline=np.full(4, 100.0))
    t.n_answers[:4] = [0, 0, 1, 0]
    return model


def test_sla_takes_only_threads_unanswered_for_h_hours():
    model = _model_with_threads(forum_kind="sla", forum_sla_hours=6.0)
    ids, ready = forum_queue(model.world.ref)
    assert ids.tolist() == [0, 1, 3] and ready.tolist() == [6.0, 6.0, 15.0]


def test_community_first_takes_the_hardest_unanswered_first():
    model = _model_with_threads(forum_kind="community_first", forum_community_first_hours=24.0)
    ids, ready = forum_queue(model.world.ref)
    assert ids.tolist() == [1, 3, 0] and ready.tolist() == [24.0, 33.0, 24.0]


def test_triage_takes_only_hard_questions():
    model = _model_with_threads(forum_kind="triage", forum_triage_difficulty=0.6)
    ids, _ = forum_queue(model.world.ref)
    assert ids.tolist() == [1, 2]


def test_staff_answers_are_logged_and_earn_no_member_recognition():
    model = CommunityModel(rng=5, members=1500, days=60, forum_kind="immediate",
                           forum_staff_hours_per_day=24.0)
    model.run()
    log, threads = model.answer_log, model.threads
    staff = log.live("member") < 0
    assert staff.sum() == model.counters["staff_answers"] > 0
    solved_by_staff = threads.live("solver") == -2
    assert solved_by_staff.any()
    assert model.population.live("accepted").sum() == model.counters["solved"] - solved_by_staff.sum()


def test_costs_add_up_to_the_total():
    model = CommunityModel(rng=6, members=1500, days=60, forum_kind="sla", forum_staff_hours_per_day=6.0,
                           social_kind="respond_all", social_team_hours_per_day=2.0, utility_social=-1.0,
                           pay_enabled=True, pay_per_accepted=2.0, programme_enabled=True)
    model.run()
    k, cfg = model.summary(), model.config
    agents = cfg.contact_centre.capacity("agents", 1500)  # fewer than one: one agent, part of its time
    assert agents < 1
    assert k["cost_contact_centre"] == pytest.approx(60 * 24 * agents * cfg.costs.agent_hour)
    assert k["cost_self_service"] == pytest.approx(k["self_service"] * cfg.costs.self_service)
    assert k["cost_platform"] == pytest.approx(60 / 365 * 1.5 * cfg.costs.platform_per_1000_members_per_year)
    assert k["cost_moderation"] == pytest.approx(60 * 1.5 * cfg.costs.moderation_hours_per_1000_members
                                                 * cfg.costs.staff_hour)
    assert k["cost_forum_staff"] == pytest.approx(60 * 6.0 * cfg.costs.staff_hour)
    assert k["cost_social_team"] == pytest.approx(60 * 2.0 * cfg.costs.social_hour)
    assert k["cost_pay"] == pytest.approx(2.0 * k["paid_answers"]) and k["cost_pay"] > 0
    programme = cfg.rewards.programme
    member_days = model.counters["programme_member_days"]
    assert member_days > 0 and k["staff_assisted_answers"] > 0
    assert k["cost_programme"] == pytest.approx(
        member_days * 12 / 365 * programme.cost_per_member_month
        + k["staff_assisted_answers"] * programme.staff_access_minutes / 60 * cfg.costs.staff_hour)
    parts = ("cost_contact_centre", "cost_self_service", "cost_platform", "cost_moderation", "cost_forum_staff",
             "cost_social_team", "cost_pay", "cost_programme")
    assert sorted(key for key in k if key.startswith("cost_")) == sorted((*parts, "cost_total", "cost_per_issue",
                                                                          "cost_per_month", "cost_per_contact"))
    assert k["cost_total"] == pytest.approx(sum(k[part] for part in parts))
    assert k["cost_per_issue"] == pytest.approx(k["cost_total"] / k["issues"])
