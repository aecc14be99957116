"""Our planned runs through Mesa 4's own experiment runner, `mesa.experimental.scenarios`.

Each planned `Run` becomes one Mesa `Scenario`: its design point is the `scenario_id`, its
replicate the `replication_id`, and it carries the run's validated scenario, seed and run id.
`CommunityRun`, a Mesa `RunConfiguration`, builds and runs a CommunityModel from it as a sweep
does, so `store_rows` gives the sweep's rows bit for bit. Mesa's `Store` records each run as
succeeded, failed (with the stage and the error) or aborted (its executor broke).

Mesa 3.5 has no such runner and neither has 4.0.0a0 (it came to Mesa's main line later), so
`CommunityRun` is made on first use, where the runner exists; elsewhere the bridge says which
Mesa it needs. docs/EXPERIMENTS.md, "Mesa 4", says what `sweep` adds over this runner.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import mesa
import pandas as pd

from sim.experiments.design import Run
from sim.experiments.executors import RunFailed
from sim.experiments.store import run_row
from sim.params.scenario import ScenarioError


def _scenarios_module():
    """Mesa's `mesa.experimental.scenarios` with its runner, or a plain error naming the Mesa needed."""
    from mesa.experimental import scenarios

    if not hasattr(scenarios, "run_scenarios"):
        raise ScenarioError("mesa", "", "running through mesa.experimental.scenarios.run_scenarios needs Mesa 4 "
                            f"with its scenario runner (newer than 4.0.0a0); this is Mesa {mesa.__version__}")
    return scenarios


def _community_run_class() -> type:
    """Mesa's RunConfiguration, told how our model is built, run and read."""
    from sim.model import HOURS_PER_DAY, CommunityModel

    class CommunityRun(_scenarios_module().RunConfiguration):
        """One planned run: the model of the Mesa scenario's `config` on its `seed`, run for the
        scenario's own days (Mesa's `until`, the longest run's end, is not used), and read out
        as a one-row `kpis` table (the summary) and the `daily` series."""

        def __init__(self, longest_days: int):
            super().__init__(CommunityModel, until=longest_days * HOURS_PER_DAY)

        def instantiate_model(self, scenario) -> CommunityModel:
            return CommunityModel(scenario=scenario.config, rng=scenario.seed)

        def run_model(self, model: CommunityModel) -> None:
            model.run()

        def extract_output(self, model: CommunityModel) -> dict[str, pd.DataFrame]:
            daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
            return {"kpis": pd.DataFrame([model.summary()]), "daily": daily}

    CommunityRun.__module__, CommunityRun.__qualname__ = __name__, "CommunityRun"
    return CommunityRun


def _community_run() -> type:
    """`CommunityRun`, made once per process on first use (here, or when a worker unpickles one)."""
    if "CommunityRun" not in globals():
        globals()["CommunityRun"] = _community_run_class()
    return globals()["CommunityRun"]


def __getattr__(name: str) -> Any:
    """`CommunityRun` exists only on a Mesa with the scenario runner, whose class it extends."""
    if name == "CommunityRun":
        return _community_run()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def mesa_scenarios(runs: list[Run]) -> list:
    """One Mesa Scenario per distinct run (runs with one run id are one run, as in a sweep)."""
    scenarios = _scenarios_module()
    unique = {run.run_id: run for run in runs}
    return [scenarios.Scenario(rng=run.seed, scenario_id=run.point, replication_id=run.replicate,
                               run_id=run.run_id, seed=run.seed, config=run.scenario)
            for run in unique.values()]


def run_with_mesa(runs: list[Run], *, executor: Executor | None = None, store: Any = None,
                  progress: bool = False):
    """Run the planned runs with `mesa.experimental.scenarios.run_scenarios`, in this process or
    on `executor` (say `sim.experiments.executors.worker_pool(2)`), into Mesa's Store."""
    scenarios = _scenarios_module()
    cases = mesa_scenarios(runs)
    config = _community_run()(max((case.config.scenario.days for case in cases), default=1))
    return scenarios.run_scenarios(cases, config, executor=executor, store=store, progress=progress)


def store_rows(store: Any, runs: list[Run]) -> pd.DataFrame:
    """The rows `sweep` gives for the same runs, read from Mesa's Store: one per planned run, in
    plan order. A run the Store holds as failed or aborted is a RunFailed naming it and its error."""
    from sim.experiments.sweeps import _in_plan_order  # the sweep's own ordering of rows

    unfinished = {**store.failed(), **store.aborted()}
    if unfinished:
        record = next(iter(unfinished.values()))
        failure = record.failure
        raise RunFailed(f"{len(unfinished)} run(s) did not succeed in Mesa's runner, for example run "
                        f"{record.scenario.run_id} (point {record.scenario.scenario_id}, replicate "
                        f"{record.scenario.replication_id}): {failure.exception_type} ({failure.origin.value}): "
                        f"{failure.message}")
    planned = {run.run_id: run for run in runs}
    rows = [run_row(planned[record.scenario.run_id], record.output["kpis"].iloc[0].to_dict())
            for record in store.succeeded().values() if record.scenario.run_id in planned]
    missing = set(planned) - {row["run_id"] for row in rows}
    if missing:
        raise RunFailed(f"{len(missing)} planned run(s) are not in Mesa's Store, for example {sorted(missing)[0]}")
    return _in_plan_order(pd.DataFrame(rows), runs)
