"""compare, sensitivity and calibrate: each finds a known answer, and finds nothing where
there is nothing to find."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments import calibrate, compare, sensitivity, sweep
from sim.experiments.comparison import arm_runs, differences, pair, paired_runs, verdict
from sim.experiments.design import design_points
from sim.params.scenario import build_scenario, load_scenario

from conftest import SCENARIOS

pytestmark = pytest.mark.slow  # compare, sensitivity and calibration runs

runner = CliRunner()
SMALL = {"population.members": 1500, "scenario.days": 45}


@pytest.fixture(scope="module")
def staff_vs_baseline() -> pd.DataFrame:
    return paired_runs(SCENARIOS / "baseline.toml", SCENARIOS / "staff_answer_everything.toml", 5,
                       overrides=SMALL, workers=2)


def test_compare_finds_the_staff_policy_effect(staff_vs_baseline):
    table = differences(staff_vs_baseline).set_index("kpi")
    assert table.loc["staff_answer_share", "low"] > 0.5, "staff write most first answers"
    assert table.loc["median_hours_to_first_answer", "high"] < 0, "and answer sooner"
    assert table.loc["cost_per_issue", "low"] > 0, "at a cost"
    # no defect is noticed without listening, and no badge is earned without badges
    undefined = {"mean_days_to_notice", "mean_days_to_fix", "badge_earners_steered_share"}
    assert (table.drop(index=list(undefined)).replicates == 5).all() and (table.loc[list(undefined), "replicates"] == 0).all()
    line = verdict(differences(staff_vs_baseline), "baseline", "staff_answer_everything")
    assert line.startswith("staff_answer_everything (vs baseline) ")
    assert "lowers median_hours_to_first_answer by" in line and "raises cost_per_issue by $" in line


def test_compare_pairs_runs_on_common_seeds(staff_vs_baseline):
    a = staff_vs_baseline[staff_vs_baseline.arm == "A"]
    b = staff_vs_baseline[staff_vs_baseline.arm == "B"]
    assert a.seed.tolist() == b.seed.tolist() and a.seed.is_unique


def test_compare_finds_no_difference_where_there_is_none():
    """B differs from A only in the cost of an agent hour: behaviour is the same on common seeds,
    so every behavioural interval contains zero, while the contact centre's cost moves."""
    a = load_scenario(SCENARIOS / "baseline.toml", SMALL)
    b = build_scenario(a.model_dump(mode="json"), {"costs.agent_hour": 50.0})
    table = compare(a, b, 3, workers=2).dropna(subset=["difference"]).set_index("kpi")
    behaviour = table[~table.index.str.startswith("cost")]
    assert len(behaviour) > 30
    assert ((behaviour.low <= 0) & (behaviour.high >= 0)).all(), "every behavioural interval contains zero"
    assert table.loc["cost_contact_centre", "low"] > 0


def test_compare_cli_prints_the_verdict_and_writes_the_paired_table(tmp_path):
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "community_first.toml"),
                                 "--replicates", "2", "--days", "20", "--set", "population.members=800",
                                 "--workers", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "community_first (vs baseline) " in result.output and "95% CI" in result.output
    document = json.loads((out / "compare.json").read_text())
    assert document["a"] == "baseline" and document["b"] == "community_first" and len(document["seeds"]) == 2
    paired = pd.read_csv(out / "paired.csv")
    assert len(paired) == 4 and set(paired.arm) == {"A", "B"}
    assert set(pd.read_csv(out / "differences.csv").kpi) >= {"answer_rate_24h", "cost_per_issue"}


def test_compare_needs_two_replicates():
    result = runner.invoke(app, ["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "baseline.toml"),
                                 "--replicates", "1"])
    assert result.exit_code == 2 and "--replicates" in result.output


SENSITIVITY = {"scenario": {"days": 30, "seed": 3}, "population": {"members": 800},
               "sweep": {"replicates": 1, "samples": 8, "parameters": {
                   "behaviour.search_quality": {"low": 0.2, "high": 0.9},
                   "costs.contact": {"low": 2.0, "high": 20.0}}}}


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_ranks_a_strong_parameter_above_one_without_effect(method, tmp_path):
    table = sensitivity(build_scenario(SENSITIVITY), method, ["self_service_rate"], tmp_path / "store", workers=2)
    rows = table.set_index("parameter")
    index = "ST" if method == "sobol" else "mu_star"
    strong, none = rows.loc["behaviour.search_quality"], rows.loc["costs.contact"]
    assert strong[f"{index}_low"] > none[f"{index}_high"], table.to_string()
    assert none[index] == pytest.approx(0.0, abs=1e-9), "the contact cost cannot move self-service"
    runs = pd.read_parquet(tmp_path / "store" / "runs")
    points = design_points(build_scenario(SENSITIVITY), "saltelli" if method == "sobol" else "morris")
    assert len(points) == (8 * 4 if method == "sobol" else 8 * 3)
    distinct = {tuple(point.values()) for point in points}  # Morris trajectories share points
    assert len(runs) == len(distinct) and runs.run_id.is_unique, "each distinct run is stored once"


def test_sensitivity_cli_writes_indices(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\ndays = 20\n[population]\nmembers = 600\n[sweep]\nreplicates = 1\nsamples = 4\n'
                    '[sweep.parameters]\n"behaviour.search_quality" = {low = 0.2, high = 0.9}\n'
                    '"costs.contact" = {low = 2.0, high = 20.0}\n')
    result = runner.invoke(app, ["sensitivity", str(path), "--method", "sobol", "--kpi", "cost_per_issue",
                                 "--workers", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert set(table.parameter) == {"behaviour.search_quality", "costs.contact"}
    assert {"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"} <= set(table.columns)


CALIBRATION = {"scenario": {"days": 30, "seed": 9}, "population": {"members": 800}, "sweep": {"replicates": 3}}
TRUE_QUALITY = 0.7


@pytest.fixture(scope="module")
def targets_file(tmp_path_factory):
    """Targets made by the model itself at a known search quality."""
    truth = build_scenario(CALIBRATION, {"behaviour.search_quality": TRUE_QUALITY})
    value = float(sweep(truth, workers=2).self_service_rate.mean())
    path = tmp_path_factory.mktemp("calibration") / "targets.toml"
    path.write_text(f'[[target]]\nkpi = "self_service_rate"\nvalue = {value!r}\nweight = 1.0\n\n'
                    '[parameters]\n"behaviour.search_quality" = {low = 0.2, high = 0.95}\n')
    return path


def test_calibrate_recovers_a_known_parameter_and_resumes(targets_file, tmp_path):
    found = calibrate(build_scenario(CALIBRATION), targets_file, tmp_path / "study", trials=16, workers=2)
    fitted = found["parameters"].set_index("parameter").loc["behaviour.search_quality"]
    assert fitted.fitted == pytest.approx(TRUE_QUALITY, abs=0.05)
    assert fitted.plausible_low <= fitted.fitted <= fitted.plausible_high
    assert found["fit"].within_ci.all()
    more = calibrate(build_scenario(CALIBRATION), targets_file, tmp_path / "study", trials=20, workers=2)
    assert len(more["trials"]) == 20, "the persisted study resumed: four more trials, not twenty"
    assert more["trials"].head(16).equals(found["trials"].head(16).assign(plausible=more["trials"].plausible[:16]))


def test_calibrate_cli_writes_results(targets_file, tmp_path):
    scenario = tmp_path / "c.toml"
    scenario.write_text('[scenario]\ndays = 20\n[population]\nmembers = 600\n[sweep]\nreplicates = 2\n')
    result = runner.invoke(app, ["calibrate", str(scenario), "--targets", str(targets_file), "--trials", "4",
                                 "--workers", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "out" / "calibration.json").read_text())
    assert {"parameters", "fit", "trials", "best"} <= set(document)
    assert len(pd.read_csv(tmp_path / "out" / "trials.csv")) == 4


@pytest.mark.parametrize("content,fragment", [
    ('[[target]]\nkpi = "self_service_rate"\nvalue = 0.4\n', "no free parameters"),
    ('[[target]]\nkpi = "self_service_rate"\n', "target.0.value"),
    ('[[target]]\nkpi = "self_service_rate"\nvalue = 0.4\nwieght = 2\n', "unknown key"),
    ('[[target]]\nkpi = "nope"\nvalue = 0.4\n[parameters]\n"behaviour.search_quality" = {low = 0.2, high = 0.9}\n',
     "unknown KPI 'nope'"),
    ('[parameters]\n"behaviour.search_quality" = {low = 0.9, high = 0.2}\n[[target]]\nkpi = "a"\nvalue = 1.0\n',
     "low (0.9) exceeds high (0.2)"),
])
def test_bad_targets_exit_2_with_one_line(tmp_path, content, fragment):
    scenario = tmp_path / "c.toml"
    scenario.write_text('[scenario]\ndays = 5\n[population]\nmembers = 300\n[sweep]\nreplicates = 1\n')
    (tmp_path / "t.toml").write_text(content)
    result = runner.invoke(app, ["calibrate", str(scenario), "--targets", str(tmp_path / "t.toml"),
                                 "--trials", "1", "--workers", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1


def test_arm_runs_pair_any_two_arms_on_common_seeds():
    tiny = {"population.members": 500, "scenario.days": 10}
    arms = {"none": SCENARIOS / "baseline.toml", "staff": SCENARIOS / "staff_answer_everything.toml",
            "community first": SCENARIOS / "community_first.toml"}
    runs, daily = arm_runs(arms, 2, overrides=tiny, workers=2, keep_daily=True)
    assert runs.groupby("arm").seed.apply(tuple).nunique() == 1  # every arm meets the same seeds
    assert set(daily.arm) == set(arms) and len(daily) == 3 * 2 * 10
    direct = paired_runs(arms["none"], arms["staff"], 2, overrides=tiny, workers=2)
    pd.testing.assert_frame_equal(differences(pair(runs, "none", "staff")), differences(direct))
