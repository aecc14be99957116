"""The Mesa model: determinism, identity-preserving role changes, Mesa integration."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim import CommunityModel, Scenario, run_scenario
from sim.agents import Member, Reader, Responder, SuperUser
from sim.state.population import READER, RESPONDER, SUPERUSER

MESA_4 = int(mesa.__version__.split(".")[0]) >= 4


def test_same_seed_reproduces_summary_and_daily_series():
    runs = [CommunityModel(rng=7, members=1000, days=30) for _ in range(2)]
    for model in runs:
        model.run()
    np.testing.assert_equal(runs[0].summary(), runs[1].summary())
    a, b = (m.datacollector.get_model_vars_dataframe() for m in runs)
    pd.testing.assert_frame_equal(a, b)


def test_different_seeds_differ():
    a, b = (CommunityModel(rng=s, members=1000, days=30) for s in (1, 2))
    a.run()
    b.run()
    assert a.summary() != b.summary()


def test_agents_by_type_matches_population(small_model):
    pop = small_model.population
    for cls, code in ((Reader, READER), (Responder, RESPONDER), (SuperUser, SUPERUSER)):
        agents = small_model.agents_by_type.get(cls, [])
        rows = sorted(a.row for a in agents)
        assert rows == pop.alive_rows(code).tolist()
    assert len(small_model.agents) == pop.count()


def test_role_transitions_happened_and_kept_identity(small_model):
    pop = small_model.population
    changed = np.flatnonzero(pop.live("role_changes") > 0)
    assert changed.size > 0, "a 120-day run should see promotions or reciprocity"
    for row in changed[:50].tolist():
        agent = small_model.member(row)
        if agent is None:
            continue
        assert agent.row == row and agent.role_code == pop.role[row]
        assert type(agent).__name__ == ("Reader", "Responder", "SuperUser")[pop.role[row]]


def test_change_role_keeps_unique_id_and_history():
    model = CommunityModel(rng=5, members=500, days=10)
    model.run()
    row = int(model.population.alive_rows(READER)[0])
    agent = model.member(row)
    before = (agent.unique_id, agent.questions, agent.joined_at)
    model.change_role(np.array([row]), SUPERUSER)
    assert model.member(row) is agent and isinstance(agent, SuperUser)
    assert (agent.unique_id, agent.questions, agent.joined_at) == before
    assert agent in model.agents_by_type[SuperUser] and agent not in model.agents_by_type[Reader]
    assert agent.role == "superuser" and agent.role_changes == 1


def test_churn_removes_agent_but_keeps_row():
    model = CommunityModel(rng=5, members=800, days=60, churn_rate_per_year=3.0)
    model.run()
    gone = np.flatnonzero(~model.population.live("alive"))
    assert gone.size > 0
    assert all(model.member(int(r)) is None for r in gone[:20])
    assert np.isfinite(model.population.left_at[gone]).all()
    assert model.summary()["churned"] == gone.size


def test_members_are_mesa_agents_reading_population_columns(small_model):
    agent = next(iter(small_model.agents_by_type[SuperUser]))
    assert isinstance(agent, Member) and isinstance(agent, mesa.Agent)
    assert agent.expertise == pytest.approx(float(small_model.population.expertise[agent.row]))
    agent.fatigue = 0.5
    assert small_model.population.fatigue[agent.row] == pytest.approx(0.5)
    assert agent.motivation == pytest.approx(agent.intrinsic + np.log1p(agent.recognition) - 0.5, rel=1e-5)


@pytest.mark.skipif(MESA_4, reason="checks Mesa 3.5's model.steps counter, which Mesa 4 removed "
                    "(test_mesa4.py checks the clock and the stop on every Mesa)")
def test_time_is_hours_and_model_stops_after_its_days():
    model = CommunityModel(rng=1, members=300, days=2)
    while model.running:
        model.step()
    assert model.time == 48 and model.steps == 48
    daily = model.datacollector.get_model_vars_dataframe()
    assert list(daily["day"]) == [1.0, 2.0]


def test_answers_have_continuous_timestamps(small_model):
    threads = small_model.threads
    first = threads.live("first_answer")
    answered = np.isfinite(first)
    delay = first[answered] - threads.live("created")[answered]
    assert (delay > 0).all()
    assert np.mean(delay % 1.0 != 0) > 0.99  # times within the hour, not on the hour


def test_flat_keywords_and_scenario_are_equivalent():
    scenario = Scenario.model_validate({"population": {"members": 400}, "scenario": {"days": 5}})
    a = CommunityModel(scenario=scenario, rng=2)
    b = CommunityModel(rng=2, members=400, days=5)
    a.run()
    b.run()
    np.testing.assert_equal(a.summary(), b.summary())  # NaN KPIs compare equal
    assert a.config.population.members == 400 and isinstance(a.scenario, mesa.experimental.scenarios.Scenario)


def test_unknown_keyword_is_refused():
    with pytest.raises(TypeError, match="membrs"):
        CommunityModel(rng=1, membrs=10)


def test_run_scenario_returns_summary_and_daily():
    result = run_scenario(Scenario.model_validate({"population": {"members": 300}, "scenario": {"days": 3}}), seed=4)
    assert result.seed == 4 and len(result.daily) == 3
    assert result.summary["days"] == 3


@pytest.mark.skipif(MESA_4, reason="Mesa 4 removed mesa.batch_run (its runner is "
                    "mesa.experimental.scenarios: test_mesa4.py)")
def test_mesa_batch_run_returns_kpis():
    results = mesa.batch_run(CommunityModel, parameters={"members": [300, 600], "days": 3},
                             rng=[1, 2], max_steps=72, display_progress=False)
    assert len(results) == 4
    for row in results:
        assert {"members", "members_now", "answer_rate_24h", "deflection_rate", "cost_total"} <= row.keys()
        assert row["Step"] == 72
    by_size = {(r["members"], r["rng"]) for r in results}
    assert by_size == {(300, 1), (300, 2), (600, 1), (600, 2)}


@pytest.mark.parametrize("members, shares", [(3, (0.0, 0.5, 0.5)), (5, (0.0, 0.7, 0.3)),
                                             (1, (0.0, 0.5, 0.5)), (10000, (0.9, 0.09, 0.01))])
def test_initial_roles_follow_shares_and_sum_to_members(members, shares):
    reader, responder, superuser = shares
    model = CommunityModel(rng=1, members=members, days=1, reader_share=reader,
                           responder_share=responder, superuser_share=superuser)
    counts = [model.population.count(code) for code in (READER, RESPONDER, SUPERUSER)]
    assert sum(counts) == members
    assert all(abs(c - s * members) < 1 for c, s in zip(counts, shares))


def test_seed_keyword_is_refused_in_favour_of_rng():
    with pytest.raises(TypeError, match="rng="):
        CommunityModel(seed=5, members=100)


def test_numpy_scalars_are_accepted_as_keywords():
    model = CommunityModel(rng=1, members=np.int64(200), forum_open=np.False_, search_quality=np.float32(0.5))
    assert model.config.population.members == 200 and model.config.behaviour.forum_open is False


def test_agentset_get_agg_select_read_the_columns(small_model):
    superusers = small_model.agents_by_type[SuperUser]
    rows = np.array(superusers.get("row"))
    assert superusers.agg("answers", sum) == int(small_model.population.answers[rows].sum())
    busy = superusers.select(lambda a: a.answers > 0)
    assert len(busy) == int((small_model.population.answers[rows] > 0).sum())


def test_cost_adds_up_contacts_self_service_and_staff(small_model):
    k, costs = small_model.summary(), small_model.config.costs
    members, days = small_model.config.population.members, 120
    staff_hours = costs.moderation_hours_per_1000_members * members / 1000 * days
    assert k["assisted_contacts"] == (k["direct_contacts"] + k["escalations"] + k["repeat_contacts"]
                                      + k["social_fallbacks"] + k["pileup_contacts"])
    agent_hours = k["agent_minutes"] / 60
    world = small_model.world  # 0.28 agents at 1,500 members: one agent, 28% of its time on calls
    assert agent_hours == pytest.approx(24 * days * world.agents_by_hour.mean() * world.agent_share)
    expected = (agent_hours * costs.agent_hour + k["self_service"] * costs.self_service
                + staff_hours * costs.staff_hour
                + costs.platform_per_1000_members_per_year * members / 1000 * days / 365)
    assert k["cost_total"] == pytest.approx(expected)
    assert k["cost_per_issue"] == pytest.approx(expected / k["issues"])
