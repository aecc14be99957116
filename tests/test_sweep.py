"""Sweeps: designs, seeds and run ids, determinism across executors, the store, resume after
SIGKILL, and retry after a worker dies."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.stats import mean_interval
from sim.experiments.design import design_points, plan_runs, replicate_seeds, run_id
from sim.experiments.sweeps import sweep
from sim.params.scenario import build_scenario, load_scenario

pytestmark = pytest.mark.slow  # sweeps on process pools and Dask, kills and resumes

runner = CliRunner()

TINY = """
[scenario]
name = "tiny"
days = {days}
seed = 5
[population]
members = {members}
[sweep]
design = "{design}"
replicates = {replicates}
samples = {samples}
[sweep.parameters]
"behaviour.search_quality" = {{low = 0.3, high = 0.9, steps = 2}}
"policy.forum.kind" = ["none", "immediate"]
"""


def tiny(tmp_path, design="grid", replicates=2, samples=4, days=15, members=600, name="tiny.toml"):
    path = tmp_path / name
    path.write_text(TINY.format(design=design, replicates=replicates, samples=samples, days=days, members=members))
    return path


def comparable(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values("run_id").reset_index(drop=True)


def test_grid_is_every_combination_on_shared_replicate_seeds(tmp_path):
    scenario = load_scenario(tiny(tmp_path, replicates=3))
    points = design_points(scenario)
    assert len(points) == 4
    assert {(p["behaviour.search_quality"], p["policy.forum.kind"]) for p in points} == {
        (0.3, "none"), (0.3, "immediate"), (0.9, "none"), (0.9, "immediate")}
    runs = plan_runs(scenario, points)
    assert len(runs) == 12 and len({r.run_id for r in runs}) == 12
    seeds = replicate_seeds(5, 3)
    assert seeds == [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1))
                     for s in np.random.SeedSequence(5).spawn(3)]
    for point in range(4):  # common random numbers: replicate r has the same seed at every point
        assert [r.seed for r in runs if r.point == point] == seeds


def test_run_id_hashes_resolved_parameters_and_seed(tmp_path):
    scenario = load_scenario(tiny(tmp_path))
    renamed = build_scenario(scenario.model_dump(mode="json"), {"scenario.name": "other", "sweep.replicates": 7})
    assert run_id(scenario, 1) == run_id(renamed, 1), "name and sweep settings do not change a run"
    assert run_id(scenario, 1) != run_id(scenario, 2)
    changed = build_scenario(scenario.model_dump(mode="json"), {"behaviour.search_quality": 0.31})
    assert run_id(changed, 1) != run_id(scenario, 1)


@pytest.mark.parametrize("design,samples,points", [("lhs", 8, 8), ("sobol", 8, 8), ("morris", 3, 9)])
def test_sampled_designs_cover_the_ranges(tmp_path, design, samples, points):
    scenario = load_scenario(tiny(tmp_path, design=design, samples=samples))
    found = design_points(scenario)
    assert len(found) == points
    quality = np.array([p["behaviour.search_quality"] for p in found])
    assert ((quality >= 0.3) & (quality <= 0.9)).all()
    assert {p["policy.forum.kind"] for p in found} == {"none", "immediate"}
    if design == "lhs":  # one point in each of the 8 strata of each range
        assert sorted(np.floor((quality - 0.3) / 0.6 * 8).astype(int)) == list(range(8))
    assert found == design_points(scenario), "a design is reproducible from the scenario seed"


def test_whole_number_parameters_are_rounded(tmp_path):
    scenario = build_scenario({"sweep": {"design": "lhs", "samples": 5,
                                         "parameters": {"population.members": {"low": 500, "high": 900}}}})
    assert all(isinstance(p["population.members"], int) for p in design_points(scenario))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny grid run in this process, with no store."""
    path = tiny(tmp_path_factory.mktemp("reference"))
    return path, comparable(sweep(path, workers=1))


def test_store_is_one_table_for_pandas_and_duckdb(reference, tmp_path):
    path, expected = reference
    out = tmp_path / "store"
    rows = sweep(path, out, workers=2, keep_daily=True)
    assert len(rows) == 8 and rows.run_id.is_unique
    table = pd.read_parquet(out / "runs")
    assert {"run_id", "seed", "behaviour.search_quality", "policy.forum.kind", "answer_rate_24h",
            "deflection_rate", "cost_per_issue", "kudos_per_answer"} <= set(table.columns)
    count, distinct = duckdb.sql(f"SELECT count(*), count(DISTINCT run_id) FROM "
                                 f"read_parquet('{out}/runs/*.parquet')").fetchall()[0]
    assert count == distinct == 8
    daily = pd.read_parquet(out / "daily")
    assert daily.groupby("run_id").size().to_dict() == {r: 15 for r in rows.run_id}
    pd.testing.assert_frame_equal(comparable(rows), expected)


def test_two_workers_give_bit_identical_rows(reference):
    path, expected = reference
    pd.testing.assert_frame_equal(comparable(sweep(path, workers=2)), expected)


def test_dask_local_cluster_gives_bit_identical_rows(reference):
    distributed = pytest.importorskip("distributed")
    path, expected = reference
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        rows = sweep(path, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(comparable(rows), expected)


def test_repeat_skips_finished_runs_and_extends_a_design(reference, tmp_path):
    path, expected = reference
    out = tmp_path / "store"
    sweep(path, out, workers=1)
    chunks = set((out / "runs").glob("*.parquet"))
    sweep(path, out, workers=1)
    assert set((out / "runs").glob("*.parquet")) == chunks, "nothing re-run, nothing re-written"
    wider = path.read_text().replace('["none", "immediate"]', '["none", "immediate", "sla"]')
    (tmp_path / "wider.toml").write_text(wider)
    rows = sweep(tmp_path / "wider.toml", out, workers=1)
    assert len(rows) == 12 and len(set((out / "runs").glob("*.parquet"))) == len(chunks) + 1
    kept = rows[rows["policy.forum.kind"] != "sla"].drop(columns="point")  # points are renumbered
    pd.testing.assert_frame_equal(comparable(kept), expected.drop(columns="point"))


def test_store_of_another_scenario_is_refused(reference, tmp_path):
    path, _ = reference
    out = tmp_path / "store"
    sweep(path, out, workers=1)
    other = tiny(tmp_path, members=700, name="other.toml")
    result = runner.invoke(app, ["sweep", str(other), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 2 and "holds a sweep of another scenario" in result.output


def test_a_store_being_written_is_refused(reference, tmp_path):
    path, _ = reference
    out = tmp_path / "store"
    out.mkdir()
    with open(out / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 2 and "another sweep is writing to" in result.output
    assert not (out / "runs").exists()


def _chunks(out):
    return list((out / "runs").glob("chunk-*.parquet"))


def test_sigkill_then_resume_gives_every_run_once(tmp_path):
    path = tiny(tmp_path, replicates=4, members=1000, days=20)
    out = tmp_path / "store"
    code = f"from sim.experiments.sweeps import sweep; sweep({str(path)!r}, {str(out)!r}, workers=2, flush_seconds=0)"
    process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.monotonic() + 120
    while len(_chunks(out)) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_with = len(_chunks(out))
    assert 3 <= killed_with < 16, "the kill landed part-way through the sweep"
    (out / "runs" / ".chunk-torn.parquet.tmp").write_bytes(b"PAR1 half a file")  # as if killed mid-write
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"{killed_with} already in the store" in result.output
    table = pd.read_parquet(out / "runs")
    planned = {run.run_id for run in plan_runs(load_scenario(path), design_points(load_scenario(path)))}
    assert len(table) == 16 and table.run_id.is_unique and set(table.run_id) == planned
    assert not list((out / "runs").glob(".*"))
    pd.testing.assert_frame_equal(comparable(table), comparable(sweep(path, workers=1).drop(columns="point")))


def test_worker_killed_mid_sweep_is_retried(tmp_path):
    path = tiny(tmp_path, replicates=4, members=1000, days=20)
    out = tmp_path / "store"
    killed = []

    def kill_a_worker_after_the_first_run():
        deadline = time.monotonic() + 120
        while not _chunks(out) and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = multiprocessing.active_children()
        if workers and len(_chunks(out)) < 16:
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(len(_chunks(out)))

    killer = threading.Thread(target=kill_a_worker_after_the_first_run)
    killer.start()
    rows = sweep(path, out, workers=2, flush_seconds=0)
    killer.join()
    assert killed, "a worker was killed while runs were left"
    assert len(rows) == 16 and rows.run_id.is_unique
    pd.testing.assert_frame_equal(comparable(rows), comparable(sweep(path, workers=1)))


@pytest.mark.parametrize("parameters,fragment", [
    ('"behaviour.search_quality" = {low = 0.9, high = 0.3}', "low (0.9) exceeds high (0.3)"),
    ('"behaviour.serch_quality" = [0.5]', "unknown parameter; did you mean 'behaviour.search_quality'?"),
    ('"behaviour.search_quality" = []', "needs at least one level"),
    ('"behaviour.search_quality" = [0.5, 1.5]', "behaviour.search_quality"),
    ('"scenario.seed" = [1, 2]', "cannot be swept"),
])
def test_bad_sweep_parameters_exit_2_with_one_line(tmp_path, parameters, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(f"[sweep]\n[sweep.parameters]\n{parameters}\n")
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists(), "nothing written on bad input"


@pytest.mark.parametrize("args,fragment", [
    (["--replicates", "0"], "sweep.replicates"),
    (["--design", "sobol", "--samples", "6"], "power of two"),
    (["--scheduler", "not an address"], "is not a scheduler address"),
    (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach a Dask scheduler"),
    (["--workers", "0"], "--workers"),
])
def test_bad_sweep_options_exit_2_with_one_line(tmp_path, args, fragment):
    result = runner.invoke(app, ["sweep", str(tiny(tmp_path)), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_results_summarises_levels_and_runs_sql(reference, tmp_path):
    path, expected = reference
    out = tmp_path / "store"
    sweep(path, out, workers=1)
    result = runner.invoke(app, ["results", str(out), "--kpi", "self_service_rate",
                                 "--export", str(tmp_path / "levels.csv")])
    assert result.exit_code == 0, result.output
    levels = pd.read_csv(tmp_path / "levels.csv")
    assert len(levels) == 4 and (levels.runs == 2).all()
    low = expected[expected["behaviour.search_quality"] == 0.3]
    means = levels[levels["behaviour.search_quality"] == 0.3].self_service_rate_mean
    assert sorted(means) == pytest.approx(sorted(low.groupby("policy.forum.kind").self_service_rate.mean()))
    for _, level in levels.iterrows():
        runs = expected[(expected["behaviour.search_quality"] == level["behaviour.search_quality"])
                        & (expected["policy.forum.kind"] == level["policy.forum.kind"])]
        assert (level.self_service_rate_mean, level.self_service_rate_low, level.self_service_rate_high) == \
            pytest.approx(mean_interval(runs.self_service_rate)), "mean and 95% t-interval over replicates"
    result = runner.invoke(app, ["results", str(out), "--query", "SELECT count(DISTINCT run_id) AS n FROM runs"])
    assert result.exit_code == 0 and result.output.split()[-1] == "8"
    result = runner.invoke(app, ["results", str(out), "--query", "SELECT nope FROM runs"])
    assert result.exit_code == 2 and result.output.startswith("error: --query:")
    result = runner.invoke(app, ["results", str(tmp_path)])
    assert result.exit_code == 2 and "not a sweep store" in result.output
