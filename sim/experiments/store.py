"""The result store of a sweep: a Parquet dataset with one row per finished run.

Layout under the output folder:
  runs/chunk-*.parquet    run_id, seed, replicate, one column per swept parameter (its
                          dotted key) and one per KPI; pandas.read_parquet(DIR/'runs') and
                          DuckDB's read_parquet('DIR/runs/*.parquet') read it as one table.
                          Each chunk's Parquet metadata carries the store header
                          (`community_sim`: base_id, model hash, version)
  daily/chunk-*.parquet   with --keep-daily: each run's daily series, keyed by run_id
  damaged/                chunks found damaged when a sweep resumed, kept for inspection
  sweep.json              the header, scenario, design and parameters of the latest sweep
  .lock                   held (flock) by the sweep writing to the store
Each chunk is written as one transaction (sim.experiments.output), its daily file before its
runs file, so a kill at any moment leaves only complete chunks, and a run counts as finished
exactly when its row is in runs/. Resuming skips finished run ids.

Reading checks every chunk: a torn or foreign file is named (and, when a sweep resumes, moved
to damaged/ so its runs are run again), a chunk of another model is refused, and a
run id stored twice counts once.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.output import json_text, recover, write_files
from sim.params.scenario import ScenarioError, read_json

ID_COLUMNS = ("run_id", "seed", "replicate")
HEADER = ("base_id", "model", "version")  # what every chunk of one store shares
HEADER_KEY = b"community_sim"
NEW_STORE = "start a new store with --out NEW_FOLDER (or move this one away)"


class DamagedChunk(ScenarioError):
    """A chunk that cannot be read as runs of this store."""


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


def _read_chunk(path: Path) -> pa.Table:
    """A chunk read from the file itself (opened by Python, so the path is taken literally)."""
    if not path.is_file() or path.is_symlink():  # a pipe would block the read, a link lead elsewhere
        raise DamagedChunk(str(path), "", "damaged: not a regular file")
    try:
        with open(path, "rb") as handle:
            table = pq.read_table(handle)
    except OSError as error:
        raise DamagedChunk(str(path), "", f"cannot be read ({error.strerror or 'not a Parquet file'})") from None
    except (pa.ArrowException, ValueError) as error:
        raise DamagedChunk(str(path), "", f"damaged: not a complete Parquet file ({type(error).__name__})") from None
    if "run_id" not in table.column_names or not _is_text(table.schema.field("run_id").type) \
            or table.column("run_id").null_count:
        raise DamagedChunk(str(path), "run_id", "damaged: not a chunk of runs (no run ids)")
    return table


def chunk_header(table: pa.Table) -> dict[str, Any] | None:
    raw = (table.schema.metadata or {}).get(HEADER_KEY)
    try:
        header = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        return None
    return header if isinstance(header, dict) else None


class RunStore:
    def __init__(self, out: Path):
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.daily_dir = self.out / "daily"
        self.damaged_dir = self.out / "damaged"
        self.set_aside: list[Path] = []  # damaged chunks this store moved to damaged/

    def check_folders(self) -> None:
        """A store's folders are its own: a link in their place could lead a clean-up, or a
        damaged chunk's move, into another folder."""
        for folder in (self.out, self.runs_dir, self.daily_dir, self.damaged_dir):
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise ScenarioError(str(folder), "", "is a link or not a folder; a store's folders must be its own")

    def _chunks(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.name.startswith("chunk-") and p.suffix == ".parquet") \
            if folder.is_dir() else []

    def describe(self) -> dict[str, Any] | None:
        """sweep.json, or None if there is none; a damaged one is named."""
        path = self.out / "sweep.json"
        if not path.exists():
            return None
        try:
            document = read_json(path)
        except ScenarioError as error:
            raise ScenarioError(str(path), "", f"damaged: {error.problem}; restore it or {NEW_STORE}") from None
        if not isinstance(document, dict):
            raise ScenarioError(str(path), "", "damaged: not a sweep description; restore it or " + NEW_STORE)
        return document

    def _tables(self, header: dict[str, Any] | None, set_aside: bool) -> list[pa.Table]:
        """Every readable chunk; a damaged one raises, or with `set_aside` is renamed out of
        the store. A chunk whose header is not `header` (another model) always raises."""
        tables = []
        for path in self._chunks(self.runs_dir):
            try:
                table = _read_chunk(path)
                found = chunk_header(table)
                if found is None:
                    raise DamagedChunk(str(path), "", "damaged: no store header (not written by a sweep)")
            except DamagedChunk as error:
                if not set_aside:
                    raise DamagedChunk(error.source, error.field, f"{error.problem}; run the sweep again: it sets "
                                       "the file aside and runs its runs again") from None
                self.damaged_dir.mkdir(exist_ok=True)
                os.replace(path, self.damaged_dir / path.name)
                self.set_aside.append(path)
                continue
            if header is not None and any(found.get(k) != header.get(k) for k in HEADER):
                raise ScenarioError(str(path), "", f"holds runs of another scenario or model (model "
                                    f"{found.get('model')}, version {found.get('version')}); " + NEW_STORE)
            tables.append(table)
        return tables

    def finished_ids(self, header: dict[str, Any]) -> set[str]:
        """Run ids with a row in the store, for a sweep that holds the store. Leftovers of a
        killed sweep are cleared first: staged files never renamed, damaged chunks (moved to
        damaged/: their runs run again), and daily chunks whose runs chunk never landed."""
        self.check_folders()
        for folder in (self.out, self.runs_dir, self.daily_dir):
            recover(folder)  # a chunk whose commit was cut short is rolled back before counting
            for leftover in folder.glob(".chunk-*.tmp") if folder.is_dir() else []:
                leftover.unlink(missing_ok=True)
        ids = {run_id for table in self._tables(header, set_aside=True)
               for run_id in table.column("run_id").to_pylist()}
        landed = {path.name for path in self._chunks(self.runs_dir)}
        for orphan in self._chunks(self.daily_dir):
            if orphan.name not in landed:
                orphan.unlink(missing_ok=True)
        return ids

    def append(self, rows: list[dict[str, Any]], header: dict[str, Any], daily: list[pd.DataFrame] | None = None) -> None:
        """Write one chunk of finished runs as one transaction, the header in its metadata."""
        if not rows:
            return
        name = f"chunk-{uuid.uuid4().hex}.parquet"
        table = pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               HEADER_KEY: json.dumps({k: header[k] for k in HEADER})})
        plan = []
        if daily:
            frames = pd.concat(daily, ignore_index=True)
            plan.append((self.daily_dir / name, lambda tmp: frames.to_parquet(tmp, index=False)))
        plan.append((self.runs_dir / name, lambda tmp: pq.write_table(table, tmp)))
        write_files(plan)

    def read(self) -> pd.DataFrame:
        """Every stored run once (a run id stored twice counts once), checked chunk by chunk."""
        self.check_folders()
        description = self.describe()
        tables = self._tables(description, set_aside=False)
        if not tables:
            return pd.DataFrame()
        try:
            table = pa.concat_tables(tables, promote_options="permissive")
        except pa.ArrowException as error:
            raise ScenarioError(str(self.runs_dir), "", f"chunks do not fit together ({' '.join(str(error).split())[:120]}); "
                                + NEW_STORE) from None
        return table.to_pandas().drop_duplicates("run_id", ignore_index=True)

    @contextmanager
    def claimed(self, description: dict[str, Any]) -> Iterator[None]:
        """Hold the store for one sweep. A folder holding runs of another base scenario or
        model is refused before anything is written, and so is a folder another sweep is
        writing to at this moment (two writers would store runs twice)."""
        self.check_folders()
        previous = self.describe()
        if previous and previous.get("model") != description["model"]:
            raise ScenarioError("--out", "", f"{self.out} holds runs of another model (model {previous.get('model')}, "
                                f"version {previous.get('version')}; this is model {description['model']}, version "
                                f"{description['version']}); " + NEW_STORE)
        if previous and previous.get("base_id") != description["base_id"]:
            raise ScenarioError("--out", "", f"{self.out} holds a sweep of another scenario "
                                f"('{previous.get('name')}'); " + NEW_STORE)
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.out / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as error:
            raise ScenarioError(str(self.out / ".lock"), "", f"cannot be opened as the store's lock "
                                f"({error.strerror}); remove it") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ScenarioError("--out", "", f"another sweep is writing to {self.out} now") from None
            write_files([(self.out / "sweep.json", lambda tmp: tmp.write_text(json_text(description)))])
            yield
        finally:
            os.close(fd)


def run_row(run, summary: dict[str, float]) -> dict[str, Any]:
    """A store row: ids, the swept values by dotted key, and every KPI as a float."""
    return {"run_id": run.run_id, "seed": run.seed, "replicate": run.replicate, **run.values,
            **{key: float(value) for key, value in summary.items()}}
