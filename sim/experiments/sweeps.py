"""`sweep`: run a scenario's [sweep] design into a resumable store and return its rows.

`run_stored` is the store path every resumable experiment shares (sweep, sensitivity, the
herding experiment): jobs in, rows out, finished runs skipped on a repeated call."""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from sim.experiments.design import MODEL_IDENTITY, Run, design_points, plan_runs, swept
from sim.experiments.executors import Executor, Job, Outcome, RunFailed, check_fits, progress_bar
from sim.experiments.store import RunStore, run_row
from sim.params.scenario import Scenario, ScenarioError, load_scenario

FLUSH_SECONDS = 10.0  # finished runs wait at most this long in memory before they are stored (read at each call)


def resolve(scenario: Scenario | str | Path, overrides: Mapping[str, Any] | None = None,
            source: str | None = None) -> tuple[Scenario, str]:
    """A scenario object, or one loaded from a path with its overrides, and the name errors
    give it (`source`, else the path, else the scenario's name)."""
    if isinstance(scenario, Scenario):
        return scenario, source or scenario.scenario.name
    return load_scenario(scenario, overrides), str(scenario)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def base_id(scenario: Scenario) -> str:
    """What a store's runs share: the base parameters (not the seed: more seeds are more
    replicates of the same experiment) and the model's identity."""
    text = json.dumps(scenario.model_dump(mode="json", exclude={"sweep": True, "scenario": {"name", "description", "seed"}})
                      | MODEL_IDENTITY, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class _Recorder:
    """Collects outcomes as store rows and stores them in chunks: every `flush_seconds`, and at the end."""

    def __init__(self, row_of: Callable[[Outcome], dict[str, Any]], store: RunStore | None, header: dict[str, Any],
                 flush_seconds: float, tick: Callable[[], None]):
        self.row_of, self.store, self.header, self.flush_seconds, self.tick = row_of, store, header, flush_seconds, tick
        self.rows: list[dict[str, Any]] = []
        self.pending_rows: list[dict[str, Any]] = []
        self.pending_daily: list[pd.DataFrame] = []
        self.last_flush = time.monotonic()

    def __call__(self, outcome: Outcome) -> None:
        self.pending_rows.append(self.row_of(outcome))
        if outcome.daily is not None:
            self.pending_daily.append(outcome.daily.assign(run_id=outcome.run_id))
        self.tick()
        if time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        if self.store is not None:  # the store keeps them; with no store, memory does
            self.store.append(self.pending_rows, self.header, self.pending_daily)
        else:
            self.rows += self.pending_rows
        self.pending_rows, self.pending_daily = [], []
        self.last_flush = time.monotonic()


def run_stored(jobs: list[Job], row_of: Callable[[Outcome], dict[str, Any]], out: Path | None,
               description: dict[str, Any], *, workers: int | None = None, scheduler: str | None = None,
               progress: str | None = None, flush_seconds: float | None = None) -> pd.DataFrame:
    """The one path of resumable experiments: run the jobs the store at `out` does not hold
    yet, each outcome stored as the row `row_of` makes of it (run_id first), and return one
    row per planned run id (from the store, or from memory without one). `description` is
    the store's sweep.json: its header (name, base_id, model, version) keeps other
    experiments' runs out. attrs: `resumed` (runs found stored), `set_aside` (damaged chunks)."""
    store = RunStore(out) if out is not None else None
    unique = {job.run_id: job for job in jobs}
    workers = workers or default_workers()
    if scheduler is None:
        check_fits([job.scenario for job in unique.values()], workers)
    with Executor(workers, scheduler) as executor, \
            (store.claimed(description) if store is not None else nullcontext()):
        done = store.finished_ids(description) & set(unique) if store is not None else set()
        todo = [job for run_id, job in unique.items() if run_id not in done]
        with progress_bar(len(unique), progress, initial=len(done)) as tick:
            recorder = _Recorder(row_of, store, description, FLUSH_SECONDS if flush_seconds is None else flush_seconds,
                                 tick)
            try:
                executor.run(todo, on_outcome=recorder)
            finally:
                recorder.flush()
        table = store.read() if store is not None else pd.DataFrame(recorder.rows)
    missing = set(unique) - set(table.get("run_id", ()))
    if missing:
        raise RunFailed(f"{len(missing)} planned run(s) did not finish, for example {sorted(missing)[0]}")
    if "run_id" in table:  # a store may also hold runs of other plans
        table = table[table.run_id.isin(unique)].drop_duplicates("run_id").reset_index(drop=True)
    table.attrs = {"resumed": len(done), "set_aside": store.set_aside if store is not None else []}
    return table


def stored_ids(out: Path | None, planned: set[str]) -> set[str]:
    """The planned runs a store already holds, read without changing anything (what a dry run
    counts as done); a store that cannot be read counts as holding none."""
    if out is None or not (Path(out) / "runs").is_dir():
        return set()
    try:
        return planned & set(RunStore(Path(out)).read().get("run_id", ()))
    except (ScenarioError, OSError):
        return set()


def run_design(scenario: Scenario, runs: list[Run], out: Path | None = None, *, workers: int | None = None,
               scheduler: str | None = None, keep_daily: bool = False, progress: bool = False,
               flush_seconds: float | None = None, design: str | None = None) -> pd.DataFrame:
    """Run what the store does not hold yet; one row per planned run, in plan order."""
    unique = {run.run_id: run for run in runs}
    description = {"name": scenario.scenario.name, "base_id": base_id(scenario), **MODEL_IDENTITY,
                   "design": design or scenario.sweep.design, "parameters": list(swept(scenario)),
                   "levers": list(scenario.sweep.levers), "uncertainties": list(scenario.sweep.uncertainties),
                   "replicates": scenario.sweep.replicates, "runs": len(unique),
                   "scenario": scenario.model_dump(mode="json")}
    jobs = [Job(run.run_id, run.scenario, run.seed, keep_daily) for run in unique.values()]
    table = run_stored(jobs, lambda outcome: run_row(unique[outcome.run_id], outcome.summary), out, description,
                       workers=workers, scheduler=scheduler, progress=scenario.scenario.name if progress else None,
                       flush_seconds=flush_seconds)
    rows = _in_plan_order(table, runs)
    rows.attrs = dict(table.attrs)
    return rows


def sweep_runs(scenario: Scenario, source: str = "scenario") -> list[Run]:
    """The runs of the scenario's [sweep] design, every point validated."""
    return plan_runs(scenario, design_points(scenario, source=source), source)


def _in_plan_order(table: pd.DataFrame, runs: list[Run]) -> pd.DataFrame:
    """The planned runs' rows (a store may hold runs of other designs), point by point."""
    plan = pd.DataFrame({"run_id": [run.run_id for run in runs], "point": [run.point for run in runs]})
    table = table.drop_duplicates("run_id")
    rows = plan.merge(table, on="run_id", how="inner", validate="many_to_one")
    return rows.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


def sweep(scenario: Scenario | str | Path, out: str | Path | None = None, *,
          overrides: Mapping[str, Any] | None = None, workers: int | None = None, scheduler: str | None = None,
          keep_daily: bool = False, progress: bool = False, flush_seconds: float | None = None,
          source: str | None = None) -> pd.DataFrame:
    """Run the scenario's [sweep] design: one row per run with run_id, seed, replicate,
    point, each swept parameter by dotted key, and every KPI. With `out`, runs are stored
    under out/runs and a repeated call skips the runs already there."""
    scenario, source = resolve(scenario, overrides, source)
    if keep_daily and out is None:
        raise ScenarioError("keep_daily", "", "daily series are kept in the store; give an output folder")
    runs = sweep_runs(scenario, source)
    return run_design(scenario, runs, Path(out) if out is not None else None, workers=workers,
                      scheduler=scheduler, keep_daily=keep_daily, progress=progress, flush_seconds=flush_seconds)
