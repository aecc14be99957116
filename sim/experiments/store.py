"""The result store of a sweep: a Parquet dataset with one row per finished run.

Layout under the output folder:
  runs/chunk-*.parquet    run_id, seed, replicate, one column per swept parameter (its
                          dotted key) and one per KPI; pandas.read_parquet(DIR/'runs') and
                          DuckDB's read_parquet('DIR/runs/*.parquet') read it as one table
  daily/chunk-*.parquet   with --keep-daily: each run's daily series, keyed by run_id
  sweep.json              the scenario, design and parameters of the latest sweep
  .lock                   held (flock) by the sweep writing to the store
Each chunk is staged under a hidden temporary name and renamed into place, its daily
file before its runs file, so a kill at any moment leaves only complete chunks, and a
run counts as finished exactly when its row is in runs/. Resuming skips finished run ids.
"""

from __future__ import annotations

import fcntl
import json
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow.parquet as pq

from sim.experiments.output import json_text, write_files
from sim.params.scenario import ScenarioError

ID_COLUMNS = ("run_id", "seed", "replicate")


class RunStore:
    def __init__(self, out: Path):
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.daily_dir = self.out / "daily"

    def _chunks(self, folder: Path) -> list[Path]:
        return sorted(folder.glob("chunk-*.parquet")) if folder.is_dir() else []

    def finished_ids(self) -> set[str]:
        """Run ids with a row in the store. Leftovers of a killed sweep are cleared first:
        staged files never renamed, and daily chunks whose runs chunk never landed."""
        for folder in (self.runs_dir, self.daily_dir):
            for leftover in folder.glob(".chunk-*.tmp") if folder.is_dir() else []:
                leftover.unlink(missing_ok=True)
        landed = {path.name for path in self._chunks(self.runs_dir)}
        for orphan in self._chunks(self.daily_dir):
            if orphan.name not in landed:
                orphan.unlink(missing_ok=True)
        ids: set[str] = set()
        for path in self._chunks(self.runs_dir):
            ids.update(pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist())
        return ids

    def append(self, rows: list[dict[str, Any]], daily: list[pd.DataFrame] | None = None) -> None:
        """Write one chunk of finished runs atomically."""
        if not rows:
            return
        name = f"chunk-{uuid.uuid4().hex}.parquet"
        table = pd.DataFrame(rows)
        plan = []
        if daily:
            frames = pd.concat(daily, ignore_index=True)
            plan.append((self.daily_dir / name, lambda tmp: frames.to_parquet(tmp, index=False)))
        plan.append((self.runs_dir / name, lambda tmp: table.to_parquet(tmp, index=False)))
        write_files(plan)

    def read(self) -> pd.DataFrame:
        chunks = self._chunks(self.runs_dir)
        return pd.concat([pd.read_parquet(path) for path in chunks], ignore_index=True) if chunks else pd.DataFrame()

    def describe(self) -> dict[str, Any] | None:
        path = self.out / "sweep.json"
        return json.loads(path.read_text()) if path.is_file() else None

    @contextmanager
    def claimed(self, description: dict[str, Any]) -> Iterator[None]:
        """Hold the store for one sweep. A folder holding runs of another base scenario or
        model version is refused before anything is written, and so is a folder another
        sweep is writing to at this moment (two writers would store runs twice)."""
        previous = self.describe()
        if previous and previous.get("base_id") != description["base_id"]:
            raise ScenarioError("--out", "", f"{self.out} holds a sweep of another scenario or model version "
                                f"('{previous.get('name')}', version {previous.get('version')}); choose another folder")
        self.out.mkdir(parents=True, exist_ok=True)
        with open(self.out / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ScenarioError("--out", "", f"another sweep is writing to {self.out} now") from None
            write_files([(self.out / "sweep.json", lambda tmp: tmp.write_text(json_text(description)))])
            yield


def run_row(run, summary: dict[str, float]) -> dict[str, Any]:
    """A store row: ids, the swept values by dotted key, and every KPI as a float."""
    return {"run_id": run.run_id, "seed": run.seed, "replicate": run.replicate, **run.values,
            **{key: float(value) for key, value in summary.items()}}
