"""`sweep`: run a scenario's [sweep] design into a resumable store and return its rows."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
from tqdm import tqdm

from sim.experiments.design import MODEL_IDENTITY, Run, design_points, plan_runs
from sim.experiments.executors import Executor, Job, Outcome, RunFailed, check_fits
from sim.experiments.store import RunStore, run_row
from sim.params.scenario import Scenario, ScenarioError, load_scenario

FLUSH_SECONDS = 10.0  # finished runs wait at most this long in memory before they are stored


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
    """Collects outcomes and stores them in chunks: every `flush_seconds`, and at the end."""

    def __init__(self, runs: dict[str, Run], store: RunStore | None, header: dict[str, Any], flush_seconds: float,
                 bar: tqdm | None):
        self.runs, self.store, self.header, self.flush_seconds, self.bar = runs, store, header, flush_seconds, bar
        self.rows: list[dict[str, Any]] = []
        self.pending_rows: list[dict[str, Any]] = []
        self.pending_daily: list[pd.DataFrame] = []
        self.last_flush = time.monotonic()

    def __call__(self, outcome: Outcome) -> None:
        row = run_row(self.runs[outcome.run_id], outcome.summary)
        self.pending_rows.append(row)
        if outcome.daily is not None:
            self.pending_daily.append(outcome.daily.assign(run_id=outcome.run_id))
        if self.bar is not None:
            self.bar.update(1)
        if time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        if self.store is not None:  # the store keeps them; with no store, memory does
            self.store.append(self.pending_rows, self.header, self.pending_daily)
        else:
            self.rows += self.pending_rows
        self.pending_rows, self.pending_daily = [], []
        self.last_flush = time.monotonic()


def run_design(scenario: Scenario, runs: list[Run], out: Path | None = None, *, workers: int | None = None,
               scheduler: str | None = None, keep_daily: bool = False, progress: bool = False,
               flush_seconds: float = FLUSH_SECONDS, design: str | None = None) -> pd.DataFrame:
    """Run what the store does not hold yet; one row per planned run, in plan order."""
    store = RunStore(out) if out is not None else None
    unique = {run.run_id: run for run in runs}
    description = {"name": scenario.scenario.name, "base_id": base_id(scenario), **MODEL_IDENTITY,
                   "design": design or scenario.sweep.design, "parameters": list(scenario.sweep.parameters),
                   "replicates": scenario.sweep.replicates, "runs": len(unique),
                   "scenario": scenario.model_dump(mode="json")}
    workers = workers or default_workers()
    if scheduler is None:
        check_fits([run.scenario for run in unique.values()], workers)
    with Executor(workers, scheduler) as executor, \
            (store.claimed(description) if store is not None else nullcontext()):
        done = store.finished_ids(description) & set(unique) if store is not None else set()
        todo = [Job(run.run_id, run.scenario, run.seed, keep_daily) for run in unique.values() if run.run_id not in done]
        bar = tqdm(total=len(unique), initial=len(done), unit="run", desc=scenario.scenario.name,
                   file=sys.stderr, smoothing=0.1) if progress else None
        recorder = _Recorder(unique, store, description, flush_seconds, bar)
        try:
            executor.run(todo, on_outcome=recorder)
        finally:
            try:
                recorder.flush()
            finally:
                if bar is not None:
                    bar.close()  # before any error is printed, so the error is the last line
        table = store.read() if store is not None else pd.DataFrame(recorder.rows)
    missing = set(unique) - set(table.get("run_id", ()))
    if missing:
        raise RunFailed(f"{len(missing)} planned run(s) did not finish, for example {sorted(missing)[0]}")
    rows = _in_plan_order(table, runs)
    rows.attrs["resumed"] = len(done)
    rows.attrs["set_aside"] = store.set_aside if store is not None else []
    return rows


def _in_plan_order(table: pd.DataFrame, runs: list[Run]) -> pd.DataFrame:
    """The planned runs' rows (a store may hold runs of other designs), point by point."""
    plan = pd.DataFrame({"run_id": [run.run_id for run in runs], "point": [run.point for run in runs]})
    table = table.drop_duplicates("run_id")
    rows = plan.merge(table, on="run_id", how="inner", validate="many_to_one")
    return rows.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


def sweep(scenario: Scenario | str | Path, out: str | Path | None = None, *,
          overrides: Mapping[str, Any] | None = None, workers: int | None = None, scheduler: str | None = None,
          keep_daily: bool = False, progress: bool = False, flush_seconds: float = FLUSH_SECONDS,
          source: str | None = None) -> pd.DataFrame:
    """Run the scenario's [sweep] design: one row per run with run_id, seed, replicate,
    point, each swept parameter by dotted key, and every KPI. With `out`, runs are stored
    under out/runs and a repeated call skips the runs already there."""
    scenario, source = resolve(scenario, overrides, source)
    if keep_daily and out is None:
        raise ScenarioError("keep_daily", "", "daily series are kept in the store; give an output folder")
    runs = plan_runs(scenario, design_points(scenario, source=source), source)
    return run_design(scenario, runs, Path(out) if out is not None else None, workers=workers,
                      scheduler=scheduler, keep_daily=keep_daily, progress=progress, flush_seconds=flush_seconds)
