"""Reading a sweep store through DuckDB: summaries by parameter level, or any SQL query.

The store's runs are exposed as a view named `runs`, so a query reads
`SELECT "behaviour.search_quality", avg(deflection_rate) FROM runs GROUP BY 1`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from sim.experiments.stats import t_half_width
from sim.experiments.store import ID_COLUMNS, RunStore
from sim.params.scenario import ScenarioError


# A user's query reads the store's runs and nothing else: no files, no databases, no
# extensions, and settings locked so the query cannot undo that.
SANDBOX = {"enable_external_access": False, "autoinstall_known_extensions": False,
           "autoload_known_extensions": False, "memory_limit": "2GB"}


def _connect(out: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the store's checked runs as the view `runs` (the rows are
    handed over from Python, so no path is ever read by DuckDB, or read as a pattern)."""
    store = RunStore(out)
    if not store.runs_dir.is_dir():
        raise ScenarioError(str(out), "", "not a sweep store (no runs/ folder); run `community-sim sweep --out` first")
    frame = store.read()
    if frame.empty:
        raise ScenarioError(str(out), "", "the sweep store holds no finished runs yet")
    connection = duckdb.connect(config=SANDBOX)
    connection.register("stored_runs", frame)
    connection.execute("CREATE VIEW runs AS SELECT * FROM stored_runs")
    connection.execute("SET lock_configuration = true")
    return connection


def query(out: str | Path, sql: str) -> pd.DataFrame:
    """Any SQL over the view `runs`; a failing or forbidden query is bad input."""
    connection = _connect(Path(out))
    try:
        return connection.execute(sql).df()
    except duckdb.Error as error:
        raise ScenarioError("--query", "", " ".join(str(error).split())[:300]) from None
    finally:
        connection.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns(out: str | Path) -> tuple[list[str], list[str]]:
    """The store's parameter columns (dotted keys) and KPI columns (KPI names have no dots)."""
    names = query(out, "SELECT * FROM runs LIMIT 0").columns
    return [c for c in names if "." in c], [c for c in names if "." not in c and c not in ID_COLUMNS]


def results(out: str | Path, kpis: list[str] | None = None) -> pd.DataFrame:
    """One row per combination of parameter levels: runs, and for each KPI its mean and the
    95% t-interval of the mean (columns KPI_mean, KPI_low, KPI_high)."""
    params, known = columns(out)
    kpis = kpis or known
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise ScenarioError("--kpi", "", f"unknown KPI '{unknown[0]}'; the store {out} has {', '.join(known)}")
    types = query(out, "SELECT * FROM runs LIMIT 0").dtypes
    text = [k for k in kpis if not pd.api.types.is_numeric_dtype(types[k]) or pd.api.types.is_bool_dtype(types[k])]
    if text:  # a hand-edited or foreign chunk: no mean of it means anything
        raise ScenarioError(str(out), text[0], "holds values that are not numbers: a damaged or foreign store")
    group = ", ".join(_quoted(p) for p in params)
    measures = ", ".join(f"avg({_quoted(k)}) AS {_quoted(k + '_mean')}, stddev_samp({_quoted(k)}) AS "
                         f"{_quoted(k + '_sd')}, count({_quoted(k)}) AS {_quoted(k + '_n')}" for k in kpis)
    sql = f"SELECT {group + ', ' if params else ''}count(*) AS runs, {measures} FROM runs"
    if params:
        sql += f" GROUP BY {group} ORDER BY {group}"
    table = query(out, sql)
    for kpi in kpis:
        half = t_half_width(table.pop(kpi + "_sd"), table.pop(kpi + "_n"))
        table[kpi + "_low"] = table[kpi + "_mean"] - half
        table[kpi + "_high"] = table[kpi + "_mean"] + half
    return table[[*params, "runs", *(f"{k}_{s}" for k in kpis for s in ("mean", "low", "high"))]]
