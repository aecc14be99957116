"""The herding experiment on the one experiment path: its replicates are executor jobs, stored
in the resumable run store, so a killed experiment resumes with no replicate lost or run
twice, and its numbers do not depend on the workers that computed them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from sim import load_scenario
from sim.experiments.design import run_id
from sim.experiments.executors import Job, simulate
from sim.experiments.herding import COLUMNS, herding_jobs, herding_run_id, run_herding

from conftest import SCENARIOS, TINY_SCENARIO, invoke, one_line_error, snapshot

SMALL = ("--set", "population.members=600", "--days", "20", "--share", "0.3")


def _herding(out, *args: str) -> tuple[str, dict, bytes]:
    """The herding command on the small baseline: its output, herding.json and the per-arm table."""
    code, text, err = invoke("experiment", "herding", SCENARIOS / "baseline.toml", *SMALL, "--out", out, *args)
    assert code == 0, err
    return text, json.loads((out / "herding.json").read_text()), (out / "herding_replicates.csv").read_bytes()


@pytest.mark.slow  # a process pool
def test_herding_results_are_identical_on_one_worker_and_two(tmp_path):
    _, one, one_table = _herding(tmp_path / "one", "--replicates", "3", "--workers", "1")
    _, two, two_table = _herding(tmp_path / "two", "--replicates", "3", "--workers", "2")
    assert one_table == two_table and one["effects"] == two["effects"]
    assert len(pd.read_csv(tmp_path / "one" / "herding_replicates.csv")) == 3 * 3  # a row per replicate and arm


@pytest.mark.slow
def test_a_killed_herding_experiment_resumes_with_every_replicate_once(tmp_path):
    """SIGKILL part-way (chunks stored after every run), then the same command again: every
    replicate is in the store exactly once, and the effects are an uninterrupted run's."""
    args = ["experiment", "herding", str(SCENARIOS / "baseline.toml"), "--set", "population.members=4000",
            "--days", "120", "--share", "0.3", "--replicates", "12", "--workers", "2"]
    out = tmp_path / "killed"
    code = ("import sys; import sim.experiments.sweeps as sweeps; sweeps.FLUSH_SECONDS = 0; "
            "from sim.cli.main import main; sys.argv = ['community-sim', *sys.argv[1:]]; main()")
    process = subprocess.Popen([sys.executable, "-c", code, *args, "--out", str(out)], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chunks = lambda: list((out / "runs").glob("chunk-*.parquet"))  # noqa: E731
    deadline = time.monotonic() + 120
    while len(chunks()) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_with = len(chunks())
    assert 3 <= killed_with < 12, "the kill landed part-way through the experiment"

    code, text, err = invoke(*args, "--out", out)
    assert code == 0, err
    assert f"({killed_with} already in the store)" in text
    stored = pd.read_parquet(out / "runs")  # every chunk as written, duplicates included
    scenario = load_scenario(SCENARIOS / "baseline.toml", {"population.members": 4000, "scenario.days": 120})
    planned = {job.run_id for job in herding_jobs(scenario, list(range(42, 54)), 0.3)}
    assert len(stored) == 12 and stored.run_id.is_unique and set(stored.run_id) == planned
    assert sorted(stored.seed) == list(range(42, 54))

    code, _, err = invoke(*args, "--out", tmp_path / "whole")
    assert code == 0, err
    assert (out / "herding_replicates.csv").read_bytes() == (tmp_path / "whole" / "herding_replicates.csv").read_bytes()
    assert json.loads((out / "herding.json").read_text())["effects"] == \
        json.loads((tmp_path / "whole" / "herding.json").read_text())["effects"]


def test_runs_with_another_share_are_other_runs_in_the_same_store(tmp_path):
    scenario = load_scenario(SCENARIOS / "baseline.toml", {"population.members": 300, "scenario.days": 8})
    first = run_herding(scenario, [1, 2], 0.3, workers=1, out=tmp_path / "store")
    other = run_herding(scenario, [1, 2], 0.2, workers=1, out=tmp_path / "store")
    again = run_herding(scenario, [1, 2, 3], 0.3, workers=1, out=tmp_path / "store")
    assert first.attrs["resumed"] == 0 and other.attrs["resumed"] == 0 and again.attrs["resumed"] == 2
    assert len(pd.read_parquet(tmp_path / "store" / "runs")) == 5
    pd.testing.assert_frame_equal(again.iloc[:6], first)
    assert herding_run_id(scenario, 1, 0.3) not in {herding_run_id(scenario, 1, 0.2), run_id(scenario, 1)}


def test_a_job_runs_plainly_or_as_its_experiment():
    """Jobs made as before (with or without daily series) run the scenario; a herding job
    runs its arms and comes back as the store's flat columns."""
    scenario = load_scenario(SCENARIOS / "baseline.toml", {"population.members": 200, "scenario.days": 3})
    plain, daily = simulate(Job("a", scenario, 5)), simulate(Job("b", scenario, 5, True))
    assert plain.daily is None and len(daily.daily) == 3 and pd.Series(plain.summary).equals(pd.Series(daily.summary))
    assert "answer_rate_24h" in plain.summary
    herding = simulate(herding_jobs(scenario, [5], 0.3)[0])
    assert set(herding.summary) == set(COLUMNS.values()) and herding.daily is None


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "herding.toml").write_text(TINY_SCENARIO)
    return tmp_path / "herding.toml"


def test_an_out_that_is_a_file_is_refused_in_one_line(tiny, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = invoke("experiment", "herding", tiny, "--replicates", "2", "--workers", "1", "--out", blocker)
    one_line_error(code, err, "--out")
    assert blocker.read_text() == "x"


def test_an_out_holding_a_sweep_is_refused_before_any_run(tiny, store):
    """A sweep's store of the same scenario holds runs of another experiment."""
    before = snapshot(store)
    code, _, err = invoke("experiment", "herding", tiny, "--replicates", "2", "--workers", "1", "--out", store)
    one_line_error(code, err, "--out")
    assert snapshot(store) == before


@pytest.mark.parametrize("scheduler, fragment", [("not an address", "not a scheduler address"),
                                                 ("tcp://127.0.0.1:9", "cannot reach a Dask scheduler")])
def test_a_bad_scheduler_is_refused_in_one_line(tiny, tmp_path, scheduler, fragment):
    out = tmp_path / "out"
    code, _, err = invoke("experiment", "herding", tiny, "--replicates", "2", "--scheduler", scheduler, "--out", out)
    one_line_error(code, err, fragment)
    assert not out.exists()


def test_bad_workers_are_refused_in_one_line(tiny):
    code, _, err = invoke("experiment", "herding", tiny, "--workers", "0")
    one_line_error(code, err, "--workers")
