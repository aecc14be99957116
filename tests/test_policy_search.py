"""optimize: declared levers and uncertainties, objectives and constraints as researchers write
them, the Pareto front and regret worked out right on hand-built values, a search that beats
random search at equal budget, and a resumable store."""

from __future__ import annotations

import json

import numpy as np
import optuna
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.design import design_points, planned_points, replicate_seeds, run_id, states_of_the_world
from sim.experiments.executors import Job, run_jobs
from sim.experiments.objectives import (Constraint, Objective, front_of_feasible, max_regret, pareto_mask,
                                       parse_constraint, parse_objective, robust_value)
from sim.experiments.policy_search import optimize
from sim.params.scenario import ScenarioError, build_scenario, load_scenario
from sim.report.build import build_report

runner = CliRunner()
TWO_LEVERS = """
[scenario]
name = "two levers"
seed = {seed}
days = {days}
[population]
members = {members}
[policy.forum]
kind = "sla"
[levers]
"policy.forum.sla_hours" = {{low = 1, high = 48}}
"policy.forum.staff_hours_per_1000_members" = {{low = 0.1, high = 4}}
[uncertainties]
"population.issue_interval_days" = {{low = 40, high = 90}}
[sweep]
replicates = 2
states = 3
"""
GOALS = ["cost_per_issue:min", "answer_rate_24h:max"]
AT_LEAST_90 = ["answer_rate_24h>=0.9"]


def scenario_file(tmp_path, seed: int = 5, days: int = 20, members: int = 300, extra: str = ""):
    path = tmp_path / "levers.toml"
    path.write_text(TWO_LEVERS.format(seed=seed, days=days, members=members) + extra)
    return path


# --- declarations -------------------------------------------------------------------------

def test_levers_are_crossed_with_common_states_of_the_world(tmp_path):
    scenario = load_scenario(scenario_file(tmp_path), {"sweep.design": "grid"})
    points = design_points(scenario)
    states = states_of_the_world(scenario)
    assert len(points) == planned_points(scenario, "grid") == 2 * 2 * 3
    by_policy = pd.DataFrame(points).groupby(["policy.forum.sla_hours", "policy.forum.staff_hours_per_1000_members"])
    for _, rows in by_policy:  # every policy meets the same three futures
        assert rows["population.issue_interval_days"].tolist() == [s["population.issue_interval_days"] for s in states]
    assert all(40 <= s["population.issue_interval_days"] <= 90 for s in states)


def test_a_sweep_of_levers_and_uncertainties_stores_each_apart(tmp_path):
    from sim.experiments import sweep

    path = scenario_file(tmp_path, days=5, members=200)
    rows = sweep(path, tmp_path / "store", overrides={"sweep.design": "grid", "sweep.states": 2, "sweep.replicates": 1},
                 workers=1)
    assert len(rows) == 2 * 2 * 2, "two levels of each lever, at each of two states, once"
    description = json.loads((tmp_path / "store" / "sweep.json").read_text())
    assert description["levers"] == ["policy.forum.sla_hours", "policy.forum.staff_hours_per_1000_members"]
    assert description["uncertainties"] == ["population.issue_interval_days"]
    assert description["parameters"] == description["levers"] + description["uncertainties"]
    assert rows["population.issue_interval_days"].nunique() == 2


def test_a_key_cannot_be_both_a_lever_and_an_uncertainty(tmp_path):
    path = tmp_path / "both.toml"
    path.write_text('[levers]\n"policy.forum.sla_hours" = [1, 2]\n[uncertainties]\n"policy.forum.sla_hours" = [3]\n')
    with pytest.raises(ScenarioError, match="both a lever and an uncertainty"):
        load_scenario(path)


@pytest.mark.parametrize("text, problem", [
    ('[levers]\n"policy.forum.nope" = [1]\n', "unknown parameter"),
    ('[levers]\n"scenario.seed" = [1, 2]\n', "cannot be swept"),
    ('[levers]\n"policy.forum.sla_hours" = {low = 5, high = 1}\n', "exceeds high"),
    ('[uncertainties]\n"population.members" = {low = 1, high = inf}\n', "finite"),
    ('[levers]\n"policy.forum.sla_hours" = [1]\n[sweep.parameters]\n"population.members" = [100]\n', "not both"),
    ('[levers]\n"policy.forum.sla_hours" = [1]\n[sweep.levers]\n"policy.forum.sla_hours" = [2]\n', "given twice"),
])
def test_bad_lever_declarations_are_refused(tmp_path, text, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=problem):
        load_scenario(path)


@pytest.mark.parametrize("args, problem", [
    (["--objective", "nope:min"], "unknown KPI 'nope'"),
    (["--objective", "cost_per_issue:up"], "must be min or max"),
    (["--objective", "staff_answer_share"], "neither better higher nor lower"),
    (["--objective", "cost_per_issue", "--objective", "cost_per_issue:max"], "given twice"),
    (["--objective", "cost_per_issue", "--constraint", "answer_rate_24h>=inf"], "finite"),
    (["--objective", "cost_per_issue", "--constraint", "answer_rate_24h>=nan"], "finite"),
    (["--objective", "cost_per_issue", "--constraint", "answer_rate_24h=0.9"], "expected KPI>=NUMBER"),
    (["--objective", "cost_per_issue", "--constraint", "answer_rate_24h>=lots"], "not a number"),
    (["--objective", "cost_per_issue", "--robust", "maybe"], "percentile, regret"),
    (["--objective", "cost_per_issue", "--sampler", "grid"], "tpe, nsga2, random"),
    (["--objective", "cost_per_issue", "--robust", "percentile", "--percentile", "20"], "at least 50"),
    (["--objective", "cost_per_issue", "--trials", "0"], "--trials"),
    (["--objective", "cost_per_issue", "--constraint", "answer_rate_24h>=90"], "a share from 0 to 1"),
    (["--objective", "cost_per_issue", "--percentile", "80"], "give --robust"),
    (["--objective", "cost_per_issue", "--states", "4"], "give --robust"),
    (["--objective", "cost_per_issue", "--set", "policy.forum.sla_hours=3"], "is a lever"),
    (["--objective", "cost_per_issue", "--trials", "100000", "--robust", "percentile", "--states", "100000"],
     "more than the 1,000,000"),
    (["--objective", "cost_per_issue", "--set", "policy.forum.kind=none", "--set", "population.reader_share=1.5"],
     "reader_share"),
])
def test_bad_objectives_constraints_and_options_exit_2_with_one_line(tmp_path, args, problem):
    result = runner.invoke(app, ["optimize", str(scenario_file(tmp_path)), *args, "--dry-run"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0] and "Traceback" not in result.output


def test_a_lever_whose_end_makes_an_invalid_scenario_is_refused(tmp_path):
    path = scenario_file(tmp_path, extra="")
    path.write_text(path.read_text().replace('"policy.forum.sla_hours" = {low = 1, high = 48}',
                                             '"population.reader_share" = {low = 0.5, high = 0.95}'))
    result = runner.invoke(app, ["optimize", str(path), "--objective", "cost_per_issue", "--dry-run"])
    assert result.exit_code == 2 and "levers.population.reader_share" in result.output


def test_robust_search_needs_uncertainties_and_a_search_needs_levers(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text('[levers]\n"policy.forum.sla_hours" = [1, 2]\n')
    result = runner.invoke(app, ["optimize", str(path), "--objective", "cost_per_issue", "--robust", "percentile"])
    assert result.exit_code == 2 and "declare [uncertainties]" in result.output
    path.write_text('[scenario]\nname = "x"\n')
    result = runner.invoke(app, ["optimize", str(path), "--objective", "cost_per_issue"])
    assert result.exit_code == 2 and "declare at least one" in result.output


def test_dry_run_counts_policies_states_and_replicates(tmp_path):
    result = runner.invoke(app, ["optimize", str(scenario_file(tmp_path)), "--objective", "cost_per_issue",
                                 "--robust", "percentile", "--trials", "5", "--dry-run", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0 and "30 runs" in result.output and "5 policies x 3 state(s) x 2 replicate(s)" in result.output
    assert not (tmp_path / "o").exists()


# --- the arithmetic on hand-built values ---------------------------------------------------

def test_objectives_take_the_registry_direction_and_constraints_read_as_shortfalls():
    assert parse_objective("cost_per_issue") == Objective("cost_per_issue", "min")
    assert parse_objective("answer_rate_24h") == Objective("answer_rate_24h", "max")
    at_least = parse_constraint(" answer_rate_24h >= 0.9 ")
    assert at_least == Constraint("answer_rate_24h", ">=", 0.9)
    assert at_least.shortfall(0.95) < 0 < at_least.shortfall(0.85) and at_least.shortfall(float("nan")) == float("inf")
    assert parse_constraint("cost_per_issue<=20").shortfall(25) == 5


def test_the_pareto_front_keeps_exactly_the_undominated_rows():
    table = pd.DataFrame({"cost_per_issue": [10, 12, 11, 15, 10, np.nan],
                          "answer_rate_24h": [0.8, 0.95, 0.8, 0.9, 0.85, 0.99]})
    front = pareto_mask(table, [Objective("cost_per_issue", "min"), Objective("answer_rate_24h", "max")])
    # row 0 and row 2 are dominated by row 4 (as cheap, better answered); row 3 by row 1; NaN never counts
    assert front.tolist() == [False, True, False, False, True, False]


def test_regret_and_percentiles_are_judged_against_the_worse_side():
    per_state = [[10.0, 20.0, 30.0], [12.0, 18.0, 40.0], [11.0, 25.0, 29.0]]  # costs: lower is better
    everyone = np.array([True, True, True])
    # best per state: 10, 18, 29; regrets: [0,2,1], [2,0,11], [1,7,0]
    assert max_regret(per_state, "min", everyone).tolist() == [2.0, 11.0, 7.0]
    # with the second policy infeasible it sets no benchmark: best 10, 20, 29
    assert max_regret(per_state, "min", np.array([True, False, True])).tolist() == [1.0, 11.0, 5.0]
    assert max_regret([[0.9, 0.5], [0.8, 0.7]], "max", np.array([True, True])).tolist() == pytest.approx([0.2, 0.1])
    states = np.arange(1.0, 11.0)
    # the value reached in 90% of the ten states: a cost at most 9 in nine, a rate at least 2 in nine
    assert robust_value(states, favours_high=False, percentile=90) == 9.0
    assert robust_value(states, favours_high=True, percentile=90) == 2.0
    # one state in four below 90% fails "in 90% of states", however close the others are
    assert robust_value(np.array([0.95, 0.88, 0.95, 0.95]), favours_high=True, percentile=90) == 0.88
    assert np.isnan(robust_value(np.array([np.nan]), True, 90))


def test_a_cheaper_policy_that_breaks_a_constraint_keeps_no_feasible_one_off_the_front():
    table = pd.DataFrame({"cost_per_issue": [5.0, 9.0, 8.0, 12.0], "feasible": [False, True, True, True]})
    front = front_of_feasible(table, [Objective("cost_per_issue", "min")])
    assert front.tolist() == [False, False, True, False], "the cheapest feasible policy is the front"


# --- a real search, small -------------------------------------------------------------------

def test_a_search_resumes_in_its_folder_without_running_anything_twice(tmp_path):
    path, out = scenario_file(tmp_path), tmp_path / "search"
    first = optimize(path, GOALS, AT_LEAST_90, out, trials=3, workers=1)
    again = optimize(path, GOALS, AT_LEAST_90, out, trials=5, workers=1)
    assert len(first["trials"]) == 3 and len(again["trials"]) == 5
    pd.testing.assert_frame_equal(again["trials"].head(3).drop(columns="pareto"), first["trials"].drop(columns="pareto"))
    stored = pd.read_parquet(out / "runs")
    assert stored.run_id.is_unique and len(stored) == 5 * 2, "each policy's two replicates, stored once"
    with pytest.raises(ScenarioError, match="holds another search"):
        optimize(path, ["cost_per_issue:min"], AT_LEAST_90, out, trials=6, workers=1)


def test_a_trial_cut_short_is_proposed_again(tmp_path):
    path, out = scenario_file(tmp_path), tmp_path / "search"
    optimize(path, GOALS, AT_LEAST_90, out, trials=2, workers=1)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(out / "optimize.journal")))
    study = optuna.load_study(study_name="optimize", storage=storage)
    cut_short = study.ask({"policy.forum.sla_hours": optuna.distributions.FloatDistribution(1, 48),
                           "policy.forum.staff_hours_per_1000_members": optuna.distributions.FloatDistribution(0.1, 4)})
    params = dict(cut_short.params)  # left RUNNING, as a killed search leaves it
    found = optimize(path, GOALS, AT_LEAST_90, out, trials=3, workers=1)
    assert len(found["trials"]) == 3
    assert found["trials"].iloc[-1]["policy.forum.sla_hours"] == pytest.approx(params["policy.forum.sla_hours"])


def test_the_report_draws_the_front_and_refuses_a_crafted_table(tmp_path):
    path, out = scenario_file(tmp_path), tmp_path / "search"
    result = runner.invoke(app, ["optimize", str(path), "--objective", "cost_per_issue", "--objective", "answer_rate_24h",
                                 "--constraint", "answer_rate_24h>=0.5", "--trials", "4", "--workers", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Pareto front of the feasible policies" in result.output
    report = build_report(out)
    assert report.kind == "optimize" and report.figures[0][0] == "Pareto front"
    hover = report.figures[0][1].data[0].text[0]
    assert "policy.forum.sla_hours = " in hover and "95% CI" in hover
    trials = pd.read_csv(out / "trials.csv")
    trials["feasible"] = True  # a forged verdict is worked out again, never read:
    trials.loc[0, "answer_rate_24h"] = 0.1  # the cheapest policy, had the verdict been trusted, breaks the constraint
    trials.loc[0, "cost_per_issue"] = trials.cost_per_issue.min() - 1
    trials.to_csv(out / "trials.csv", index=False)
    assert not build_report(out).parameters.trial.isin([int(trials.trial[0])]).any()
    trials.loc[1, "cost_per_issue"] = np.inf
    trials.to_csv(out / "trials.csv", index=False)
    with pytest.raises(ScenarioError, match="infinite"):
        build_report(out)
    document = json.loads((out / "optimize.json").read_text())
    (out / "optimize.json").write_text(json.dumps({**document, "kind": "sweep"}))
    with pytest.raises(ScenarioError, match="not an optimize output"):
        build_report(out)


# --- the search against random search, and its choice on fresh seeds ------------------------

def hypervolume(front: pd.DataFrame, worst_cost: float, floor: float) -> float:
    """The area the feasible front dominates in (cost down, answer rate up), bounded by the
    worst cost and the constraint's floor: larger is a better front."""
    points = sorted(zip(front.cost_per_issue, front.answer_rate_24h))  # cheapest first
    area, best = 0.0, floor
    for (cost, rate), right in zip(points, [c for c, _ in points[1:]] + [worst_cost]):
        best = max(best, rate)  # from here to the next point, the best rate reached for this cost
        area += (right - cost) * (best - floor)
    return area


@pytest.mark.slow
def test_the_search_dominates_random_search_at_equal_budget_and_its_choice_holds_on_fresh_seeds(tmp_path):
    path = scenario_file(tmp_path, days=60, members=2000)
    volumes, choices = {"tpe": [], "random": []}, []
    for seed in (1, 2, 3):
        found = {sampler: optimize(path, GOALS, AT_LEAST_90, trials=24, workers=2, sampler=sampler,
                                   overrides={"scenario.seed": seed}) for sampler in volumes}
        worst = max(found[s]["trials"].cost_per_issue.max() for s in volumes)
        for sampler, result in found.items():
            volumes[sampler].append(hypervolume(result["front"], worst, 0.9))
        choices.append((seed, found["tpe"]["choice"]))
    assert all(t >= r for t, r in zip(volumes["tpe"], volumes["random"])), volumes
    assert np.mean(volumes["tpe"]) > np.mean(volumes["random"]), volumes
    for seed, choice in choices:  # the chosen policy, run again on five seeds the search never saw
        assert len(choice) == 1
        policy = {key: float(choice.iloc[0][key]) for key in ("policy.forum.sla_hours",
                                                              "policy.forum.staff_hours_per_1000_members")}
        scenario = build_scenario(load_scenario(path, {"scenario.seed": seed}).model_dump(mode="json"), policy)
        seeds = replicate_seeds(10_000 + seed, 5)
        outcomes = run_jobs([Job(run_id(scenario, s), scenario, s) for s in seeds], workers=2)
        rates = [outcome.summary["answer_rate_24h"] for outcome in outcomes.values()]
        assert np.mean(rates) >= 0.9, (seed, policy, rates)


def test_levers_refused_together_are_refused_before_anything_is_written(tmp_path):
    path = scenario_file(tmp_path)
    path.write_text(path.read_text().replace('"policy.forum.sla_hours" = {low = 1, high = 48}',
                                             '"policy.forum.staff_hours_per_day" = {low = 1, high = 8}'))
    result = runner.invoke(app, ["optimize", str(path), "--objective", "cost_per_issue", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "with every one at its low end" in lines[0], result.output
    assert not (tmp_path / "o").exists()


def test_a_journal_lock_left_by_a_killed_search_is_not_waited_on(tmp_path):
    """Optuna locks its journal with a symbolic link, which a SIGKILL leaves behind; a search
    holds its folder's own lock, so any journal lock it finds there is stale."""
    path, out = scenario_file(tmp_path), tmp_path / "search"
    optimize(path, GOALS, AT_LEAST_90, out, trials=1, workers=1)
    (out / "optimize.journal.lock").symlink_to(tmp_path / "gone")  # dangling, as after a kill and a move
    assert len(optimize(path, GOALS, AT_LEAST_90, out, trials=2, workers=1)["trials"]) == 2
