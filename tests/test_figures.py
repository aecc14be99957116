"""The figure library: each figure shows what its data says (totals conserved, bands around
means, intervals where the table puts them), checked on a real run and on known tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS
from sim import CommunityModel
from sim.measures.kpis import gini
from sim.report import figures
from sim.runner import run_scenario
from sim.params.scenario import load_scenario


@pytest.fixture(scope="module")
def result():
    scenario = load_scenario(SCENARIOS / "social_2011.toml",
                             {"population.members": 1500, "scenario.days": 40})
    return run_scenario(scenario, 5)


def test_lorenz_gini_matches_the_runs_kpi(result):
    answers = result.members["answers"].to_numpy()
    members, share, found = figures.lorenz_points(answers)
    assert found == pytest.approx(result.summary["gini_answers"], abs=1e-9)
    assert found == pytest.approx(gini(np.bincount(answers)), abs=1e-9)
    assert share[0] == 0 and share[-1] == pytest.approx(1) and np.all(np.diff(share) >= 0)
    assert np.all(share <= members + 1e-12)  # fewest answers first: the curve is below the diagonal
    assert f"Gini {found:.3f}" in figures.lorenz_curve(answers).layout.title.text
    assert "Gini n/a" in figures.lorenz_curve(np.zeros(5, dtype=int)).layout.title.text
    assert figures.lorenz_points(np.array([3, 3, 3, 3]))[2] == pytest.approx(0.0)
    assert figures.lorenz_points(np.array([0, 0, 0, 8]))[2] == pytest.approx(0.75)


def test_issue_flows_conserve_every_issue(result):
    kpis = result.summary
    assert kpis["complaints"] > 0 and kpis["pileup_contacts"] > 0  # every branch is exercised
    links = pd.DataFrame(figures.issue_flows(kpis), columns=["source", "target", "value"])
    out_of = links.groupby("source").value.sum()
    into = links.groupby("target").value.sum()
    assert out_of["Issues"] == kpis["issues"]
    for node in ("Self-service (search)", "Forum", "Social media", "Contact centre"):
        assert into[node] == pytest.approx(out_of[node]), node  # whatever arrives at a node leaves it
    first_calls = kpis["direct_calls"] + kpis["escalation_calls"] + kpis["fallback_calls"] + kpis["pileup_calls"]
    assert into["Contact centre"] == first_calls  # every first call, answered or not
    assert kpis["calls_to_social"] > 0 and kpis["calls_given_up"] > 0  # callers who hung up, both ways
    assert (links.value > 0).all()
    sankey = figures.issue_flow_sankey(kpis).data[0]
    assert sum(sankey.link.value) == pytest.approx(links.value.sum())


def test_time_series_band_surrounds_the_replicate_mean():
    days = np.arange(1, 11)
    frames = [pd.DataFrame({"day": days, "answer_rate_24h": 0.5 + 0.01 * r + 0 * days, "cost_total": days * 10.0 * (r + 1),
                            "direct_contacts_day": r, "median_hours_to_first_answer": 2.0, "deflection_rate": 0.4,
                            "replicate": r}) for r in range(5)]
    figure = figures.kpi_time_series(pd.concat(frames), kpis=("answer_rate_24h", figures.DAILY_COST))
    band, mean = figure.data[0], figure.data[1]
    assert band.fill == "toself" and mean.y[0] == pytest.approx(0.52)
    upper, lower = band.y[:10], band.y[10:][::-1]
    assert upper == pytest.approx(np.full(10, 0.54)) and lower == pytest.approx(np.full(10, 0.50))
    daily_cost = figure.data[3].y  # cumulative cost differenced within each replicate: 10, 20, ... 50 a day
    assert daily_cost == pytest.approx(np.full(10, 30.0))
    single = figures.kpi_time_series(frames[0].drop(columns="replicate"), kpis=("answer_rate_24h",))
    assert len(single.data) == 1  # one run: a line, no band


def test_pyramid_and_role_flows_count_the_members(result):
    kpis = result.summary
    pyramid = figures.participation_pyramid(kpis)
    model_shares = -np.asarray(pyramid.data[0].x)
    assert model_shares.sum() == pytest.approx(1.0)
    assert list(pyramid.data[1].x) == [0.90, 0.09, 0.01]
    flows = figures.role_flows(result.daily)
    last = [trace.y[-1] for trace in flows.data[:3]]
    assert sum(last) == kpis["members_now"]
    assert flows.data[3].y[-1] == kpis["churned"]
    by_name = {trace.name: trace for trace in flows.data}
    if kpis["breaks"] == 0:  # no break: no break lines and no right-hand axis
        assert "Burnout breaks taken" not in by_name
        return
    assert by_name["Burnout breaks taken"].y[-1] == kpis["breaks"]
    assert by_name["Back from a break"].y[-1] == kpis["break_returns"]
    assert by_name["Back to reading after a break"].y[-1] == kpis["burnout_quits"]


def test_role_flows_show_burnout_breaks():
    model = CommunityModel(rng=2, members=1500, days=60, online_hours_median=1.0, fatigue_threshold=0.4)
    model.run()
    kpis, daily = model.summary(), model.datacollector.get_model_vars_dataframe()
    assert kpis["breaks"] > 0
    by_name = {trace.name: trace for trace in figures.role_flows(daily).data}
    assert by_name["Burnout breaks taken"].y[-1] == kpis["breaks"]
    assert by_name["Back from a break"].y[-1] + by_name["Back to reading after a break"].y[-1] == \
        kpis["break_returns"] + kpis["burnout_quits"]


def test_forest_plot_fills_only_detected_differences():
    table = pd.DataFrame({"kpi": ["answer_rate_24h", "deflection_rate", "cost_per_issue", "staff_answer_share"],
                          "a_mean": [0.5, 0.4, 10.0, 0.0], "b_mean": [0.6, 0.41, 8.0, 0.3],
                          "difference": [0.1, 0.01, -2.0, 0.3], "low": [0.05, -0.02, -3.0, 0.2],
                          "high": [0.15, 0.04, -1.0, 0.4]})
    figure = figures.forest_plot(table, a_name="A", b_name="B")
    trace = figure.data[0]
    assert len(trace.y) == 3  # a KPI that A never had (mean 0) has no relative change
    assert list(trace.x) == pytest.approx([0.2, 0.025, -0.2])
    assert [c != "white" for c in trace.marker.color] == [True, False, True]
    assert list(trace.error_x.array) == pytest.approx([0.1, 0.075, 0.1])


def test_sweep_figures_average_the_runs_at_each_level():
    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"behaviour.search_quality": np.repeat([0.4, 0.6, 0.8], 8),
                         "policy.forum.kind": np.tile(["none", "sla"], 12)})
    runs["deflection_rate"] = runs["behaviour.search_quality"] + rng.normal(0, 0.01, len(runs))
    effects = figures.sweep_effects(runs, "deflection_rate")
    quality = effects.data[0]
    assert list(quality.y) == pytest.approx(runs.groupby("behaviour.search_quality").deflection_rate.mean().to_list())
    assert np.all(np.asarray(quality.error_y.array) > 0)
    heat = figures.sweep_heatmap(runs, "deflection_rate", "behaviour.search_quality", "policy.forum.kind")
    expected = runs.groupby(["policy.forum.kind", "behaviour.search_quality"]).deflection_rate.mean().unstack()
    assert np.asarray(heat.data[0].z) == pytest.approx(expected.to_numpy())


def test_tornado_puts_the_largest_total_effect_on_top():
    indices = pd.DataFrame({"kpi": "answer_rate_24h", "parameter": ["a", "b", "c"], "S1": [0.1, 0.6, 0.0],
                            "S1_low": [0.0, 0.5, -0.1], "S1_high": [0.2, 0.7, 0.1], "ST": [0.2, 0.8, 0.01],
                            "ST_low": [0.1, 0.7, 0.0], "ST_high": [0.3, 0.9, 0.02]})
    figure = figures.sobol_tornado(indices)
    assert list(figure.data[0].y) == ["c", "a", "b"]  # plotly draws the last bar at the top
    assert list(figure.data[0].x) == [0.01, 0.2, 0.8]


def test_ovation_animation_has_a_frame_per_step():
    frames = [np.zeros(12, dtype=bool), np.r_[np.ones(6, dtype=bool), np.zeros(6, dtype=bool)], np.ones(12, dtype=bool)]
    hall = figures.ovation_hall(frames, rows=3, seats=4)
    assert len(hall.frames) == 3 and "100% standing" in hall.frames[2].layout.title.text
    shares = np.array([[0.0, 0.1], [0.5, 0.7], [1.0, 0.9]])
    over_time = figures.standing_share_over_time(shares)
    assert list(over_time.data[1].y) == pytest.approx([0.05, 0.6, 0.95])


def test_a_sankey_with_no_issue_yet_says_so_instead_of_an_undrawable_figure():
    from sim.report.figures import issue_flow_sankey, issue_flows

    kpis = dict.fromkeys(("issues", "self_service", "forum_threads", "metoos", "complaints", "calls_to_social", "solved",
                          "metoo_solved", "escalations_to_social", "escalation_calls", "escalations_given_up",
                          "direct_calls", "fallback_calls", "pileup_calls", "direct_contacts", "escalations",
                          "social_fallbacks", "pileup_contacts", "complaints_unanswered", "repeat_calls",
                          "repeat_contacts", "calls_given_up", "complaints_served"), 0.0)
    assert issue_flows(kpis) == []
    empty = issue_flow_sankey(kpis)
    assert empty.data == () and empty.layout.title.text.endswith("no issue yet")
    one = issue_flow_sankey({**kpis, "issues": 1.0, "self_service": 1.0})
    assert one.data[0].type == "sankey" and one.layout.title.text.endswith(": 1 issue")
