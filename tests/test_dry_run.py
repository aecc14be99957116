"""--dry-run on every experiment verb: one line with the number of runs and an estimate of
the time, exit 0, and nothing run or written. The estimate follows the run's cost measured
in benchmarks/README.md."""

from __future__ import annotations

import re

import pytest

from sim import load_scenario
from sim.experiments.estimate import POOL_START_SECONDS, START_SECONDS, describe_plan, plan_seconds, run_seconds
from sim.experiments.sensitivity_analysis import sensitivity_runs

from conftest import SCENARIOS, TINY_SWEEP, invoke, snapshot

PLAN = re.compile(r"^dry run: (\d+) runs?, about \d+(\.\d)? (s|min|h|days) on (\d+) workers?(?: \((\d+) more already "
                  r"in the store\))?(?: \(at most: [^)]*\))?; nothing was run or written\n$")
FACTS = """[[fact]]
id = "herding"
scenario = "tiny"
experiment = "herding"
kpi = "later_kudos_lift"
value = 0.25
low = 0.1
high = 0.4
role = "calibrate"
source = "a test"
[[fact]]
id = "answered"
scenario = "tiny"
kpi = "answer_rate_24h"
value = 0.5
low = 0.1
high = 0.9
role = "validate"
source = "a test"
"""


@pytest.fixture
def folder(tmp_path):
    """Inputs for every verb: a tiny sweep scenario, a variant of it, targets and facts."""
    (tmp_path / "tiny.toml").write_text(TINY_SWEEP)
    (tmp_path / "other.toml").write_text(TINY_SWEEP.replace("members = 150", "members = 160"))
    (tmp_path / "targets.toml").write_text('[[target]]\nkpi = "answer_rate_24h"\nvalue = 0.5\n')
    (tmp_path / "facts.toml").write_text(FACTS)
    return tmp_path


def _sensitivity_runs(folder) -> int:
    scenario = load_scenario(folder / "tiny.toml", {"sweep.samples": 4})
    return len({run.run_id for run in sensitivity_runs(scenario, "sobol")[1]})


VERBS = {  # arguments after the verb, and the runs planned
    "sweep": (["tiny.toml"], lambda _: 2 * 2),  # two levels, two replicates
    "compare": (["tiny.toml", "other.toml", "--replicates", "3"], lambda _: 2 * 3),
    "roi": (["tiny.toml", "--replicates", "3"], lambda _: 2 * 3),  # the scenario and its forum closed
    "facts": (["--targets", "facts.toml", "--scenarios", ".", "--replicates", "3"], lambda _: 3 + 3),  # plain and herding
    "sensitivity": (["tiny.toml", "--samples", "4"], _sensitivity_runs),
    "calibrate": (["tiny.toml", "--targets", "targets.toml", "--trials", "5"], lambda _: 5 * 2),
    "experiment herding": (["tiny.toml", "--replicates", "7"], lambda _: 7),
}


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_a_dry_run_prints_the_runs_and_writes_nothing(folder, verb, monkeypatch):
    monkeypatch.chdir(folder)
    args, runs = VERBS[verb]
    before = snapshot(folder)
    code, text, err = invoke(*verb.split(), *args, "--workers", "2", "--out", folder / "out", "--dry-run")
    assert code == 0 and err == "", err
    found = PLAN.match(text)
    assert found, text
    assert int(found.group(1)) == runs(folder) and found.group(4) == "2"
    assert snapshot(folder) == before and not (folder / "out").exists()


def test_a_dry_run_on_a_partly_finished_store_counts_what_is_left(store):
    before = snapshot(store)
    code, text, err = invoke("sweep", store.parent / "tiny.toml", "--out", store, "--replicates", "3", "--dry-run",
                             "--workers", "1")
    assert code == 0, err
    found = PLAN.match(text)
    assert found and found.group(1, 4, 5) == ("2", "1", "4"), text  # a third replicate of two levels; four stored
    assert snapshot(store) == before


def test_a_dry_run_still_refuses_bad_input(folder):
    code, text, err = invoke("compare", folder / "tiny.toml", folder / "other.toml", "--replicates", "1", "--dry-run")
    assert code == 2 and "--replicates" in err and text == ""


def test_a_run_costs_what_the_benchmark_measured():
    """A 10,000-member year: about 0.9 s on the project's machine (benchmarks/README.md)."""
    year = load_scenario(SCENARIOS / "baseline.toml", {"population.members": 10_000, "scenario.days": 365})
    assert 0.8 <= run_seconds(year) <= 1.0
    month = load_scenario(SCENARIOS / "baseline.toml", {"population.members": 10_000, "scenario.days": 30})
    assert run_seconds(month) < run_seconds(year) / 5


def test_runs_are_shared_among_workers_after_the_pool_starts():
    year = load_scenario(SCENARIOS / "baseline.toml", {"population.members": 10_000, "scenario.days": 365})
    runs = [year] * 120
    one, two = plan_seconds(runs, 1), plan_seconds(runs, 2)
    assert one == pytest.approx(START_SECONDS + 120 * run_seconds(year))
    assert two == pytest.approx(START_SECONDS + POOL_START_SECONDS + 60 * run_seconds(year))
    assert plan_seconds([year], 8) == plan_seconds([year], 1), "a single run runs in the command's own process"
    assert describe_plan(runs, 2) == f"120 runs, about {round(two)} s on 2 workers"
    assert describe_plan(runs * 10, 2).endswith(" min on 2 workers")
    assert describe_plan(runs, 2, "tcp://host:8786").startswith("120 runs, about 2 min of computing in all")
