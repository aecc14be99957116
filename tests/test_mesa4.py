"""Mesa 4: the model steps by the clock alone (Mesa 4 keeps no `model.steps`), and the bridge to
Mesa's own experiment runner (sim/experiments/mesa_scenarios.py) gives the sweep's rows bit for
bit and lets Mesa's Store record a failing run as failed. The bridge needs a Mesa with
`mesa.experimental.scenarios.run_scenarios`: Mesa 3.5 and 4.0.0a0 get its plain error instead."""

from __future__ import annotations

import importlib

import mesa
import pandas as pd
import pytest

from sim import CommunityModel
from sim.experiments.design import design_points, plan_runs
from sim.experiments.executors import RunFailed, worker_pool
from sim.experiments.mesa_scenarios import mesa_scenarios, run_with_mesa, store_rows
from sim.experiments.sweeps import sweep
from sim.params.scenario import ScenarioError, build_scenario

RUNNER = hasattr(importlib.import_module("mesa.experimental.scenarios"), "run_scenarios")
needs_runner = pytest.mark.skipif(not RUNNER, reason=f"Mesa {mesa.__version__} has no "
                                  "mesa.experimental.scenarios.run_scenarios (Mesa 4 after 4.0.0a0 has it)")


@pytest.fixture(scope="module")
def tiny():
    """Two levels on two replicate seeds: four runs of 300 members over three days."""
    scenario = build_scenario({"scenario": {"name": "tiny", "days": 3, "seed": 5}, "population": {"members": 300},
                               "sweep": {"replicates": 2, "parameters": {"behaviour.search_quality": [0.3, 0.8]}}})
    return scenario, plan_runs(scenario, design_points(scenario))


def test_the_model_steps_by_the_clock_and_stops_after_its_days():
    model = CommunityModel(rng=1, members=300, days=2)
    hours = 0
    while model.running:
        model.step()
        hours += 1
    assert hours == model.time == 48
    assert list(model.datacollector.get_model_vars_dataframe()["day"]) == [1.0, 2.0]


@pytest.mark.skipif(RUNNER, reason="this Mesa has the scenario runner")
def test_without_mesas_runner_the_bridge_is_one_plain_error(tiny):
    _, runs = tiny
    for call in (lambda: run_with_mesa(runs), lambda: mesa_scenarios(runs)):
        with pytest.raises(ScenarioError) as error:
            call()
        message = str(error.value)
        assert "\n" not in message and "needs Mesa 4" in message and f"this is Mesa {mesa.__version__}" in message


@needs_runner
def test_the_bridge_gives_the_sweeps_rows_bit_for_bit(tiny):
    scenario, runs = tiny
    store = run_with_mesa(runs)
    assert {(rid.scenario_id, rid.replication_id) for rid in store.succeeded()} == {(run.point, run.replicate)
                                                                                   for run in runs}
    pd.testing.assert_frame_equal(store_rows(store, runs), sweep(scenario, workers=1), check_exact=True)
    for record in store.succeeded().values():  # Mesa keeps each run's daily series too
        assert list(record.output["daily"]["day"]) == [1.0, 2.0, 3.0]


@needs_runner
def test_the_bridge_on_a_process_pool_gives_the_same_rows(tiny):
    _, runs = tiny
    with worker_pool(2) as pool:
        pooled = store_rows(run_with_mesa(runs, executor=pool), runs)
    pd.testing.assert_frame_equal(pooled, store_rows(run_with_mesa(runs), runs), check_exact=True)


@needs_runner
def test_a_failing_run_is_recorded_failed_in_mesas_store(tiny):
    from mesa.experimental.scenarios.exceptions import FailureOrigin

    _, runs = tiny
    bad = runs[1]
    broken = bad.scenario.model_copy(update={"population": bad.scenario.population.model_copy(update={"members": -5})})
    runs = [*runs[:1], type(bad)(bad.run_id, bad.point, bad.replicate, bad.seed, bad.values, broken), *runs[2:]]
    store = run_with_mesa(runs)
    failed = store.failed()
    assert len(failed) == 1 and len(store.succeeded()) == len(runs) - 1 and not store.aborted()
    record = next(iter(failed.values()))
    assert record.scenario.run_id == bad.run_id
    assert record.failure.origin is FailureOrigin.INSTANTIATING and record.failure.exception_type == "ScenarioError"
    assert "population.members" in record.failure.message
    with pytest.raises(RunFailed, match=f"1 run\\(s\\) did not succeed.*{bad.run_id}.*ScenarioError"):
        store_rows(store, runs)
