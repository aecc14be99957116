"""The experiment verbs: sweep, results, compare, sensitivity, calibrate (DESIGN.md §5).

Each is a thin shell over the Python API in sim.experiments: it checks the options, calls
the same function a notebook would, prints a table and writes files atomically. Every verb
that runs the model shows the one progress bar and takes --workers, --scheduler and
--dry-run (the options and `_say_runs` below are shared with roi, facts and herding)."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Iterable, Iterator, Optional

import pandas as pd
import typer
from pyarrow import ArrowException

from sim.cli.support import (JSON, MAX_SEED, QUIET, Stopped, check_between, check_writable, fail, load, printable, say,
                             say_json, say_table, show_stdout)
from sim.experiments.executors import RunFailed, check_scheduler_address
from sim.measures.registry import (HEADLINE_KPIS, KPI_KINDS, NOT_A_FINDING, aligned, fixed_by_definition, format_change,
                                   kpi_kind, kpi_rows, money_or_value)
from sim.experiments.design import MODEL_IDENTITY
from sim.experiments.output import json_text, write_files
from sim.params.scenario import Scenario, ScenarioError

SET_HELP = "Override a parameter: key=value (repeatable)"
# Options every experiment verb shares (typer reads these defaults as option declarations).
WORKERS = typer.Option(None, "--workers", help="Local worker processes (default: the number of cores; results do not depend on it)")
SCHEDULER = typer.Option(None, "--scheduler", help="Run on a Dask cluster at this scheduler address (pip install 'community-sim[cluster]')")
SET = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP)
DAYS = typer.Option(None, "--days", help="Simulated days (overrides the scenario)")
DRY_RUN = typer.Option(False, "--dry-run", help="Print the number of runs and an estimate of the time, then exit "
                       "without running or writing anything")
SHOWN_ROWS = 20


@contextmanager
def _plain_errors(resumable: Optional[Path] = None) -> Iterator[None]:
    """Bad input from the experiment layer exits 2; runs that cannot finish exit 1. An
    interrupted command whose work is kept in `resumable` says how to resume."""
    try:
        yield
    except ScenarioError as error:
        fail(error)
    except RunFailed as error:
        say(f"error: {error}", err=True)
        raise typer.Exit(1)
    except Stopped as stop:
        if resumable is not None:
            stop.hint = f"finished work is kept in {resumable}; run the same command again to resume"
        raise


def _check_executor(workers: Optional[int], scheduler: Optional[str]) -> None:
    if workers is not None:
        check_between("--workers", workers, 1, 4096)
    if scheduler is not None:
        with _plain_errors():
            check_scheduler_address(scheduler)


def _say_plan(scenarios: list[Scenario], workers: Optional[int], scheduler: Optional[str], stored: int = 0,
              note: str = "") -> None:
    """--dry-run: the runs left to do (one scenario each) and about how long they take, in one
    line. Runs that cannot fit in memory together are refused here, as the real run would."""
    from sim.experiments.estimate import describe_plan
    from sim.experiments.executors import check_fits
    from sim.experiments.sweeps import default_workers

    workers = workers or default_workers()
    if scheduler is None:
        with _plain_errors():
            check_fits(scenarios, workers)
    kept = f" ({stored:,} more already in the store)" if stored else ""
    say(f"dry run: {describe_plan(scenarios, workers, scheduler)}{kept}{note}; nothing was run or written")


def _say_runs(runs: Iterable, workers: Optional[int], scheduler: Optional[str], store: Optional[Path] = None) -> None:
    """--dry-run of planned runs or jobs: each run id once, less those the `store` holds."""
    from sim.experiments.sweeps import stored_ids

    planned = {run.run_id: run.scenario for run in runs}
    done = stored_ids(store, set(planned))
    _say_plan([scenario for run_id, scenario in planned.items() if run_id not in done], workers, scheduler,
              stored=len(done))


def _config(scenario: Path, set_: list[str], days: Optional[int], seed: Optional[int], **sweep) -> Scenario:
    """The scenario with --set/--days, a --seed for its replicate seeds, and sweep options."""
    pairs = list(set_)
    if seed is not None:
        check_between("--seed", seed, 0, MAX_SEED)
        pairs.append(f"scenario.seed={seed}")
    pairs += [f"sweep.{key}={value}" for key, value in sweep.items() if value is not None]
    return load(scenario, pairs, days)


def _parameters(table: pd.DataFrame) -> list[str]:
    """The parameter columns of a `results` table: those before its `runs`."""
    return list(table.columns[:table.columns.get_loc("runs")])


def interval(low, high, text) -> str:
    """A 95% interval as 'LOW to HIGH', each shown by `text`; nothing when it is undefined
    (one run, say), so the value stands alone."""
    return "" if pd.isna(low) or pd.isna(high) else f"{text(low)} to {text(high)}"


def _level(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else printable(value)


def _say_levels(table: pd.DataFrame, kpis: list[str], currency: str) -> None:
    """Print each KPI's mean and 95% CI by parameter level, a block of rows per KPI (its label
    and key, then a row per level) with values in the KPI's unit. A level of one run has no
    interval: its value stands alone."""
    shown, parameters = table.head(SHOWN_ROWS), _parameters(table)
    rows = [["KPI", "key", *map(printable, parameters), "runs", "mean", "95% CI"]]
    for kpi in kpis:
        value = partial(money_or_value, kind=kpi_kind(kpi), currency=currency)
        rows += kpi_rows(kpi, [[*map(_level, row[parameters]), f"{int(row.runs):,}", value(row[f"{kpi}_mean"]),
                                interval(row[f"{kpi}_low"], row[f"{kpi}_high"], value)] for _, row in shown.iterrows()])
    for line in aligned(rows, right={len(parameters) + 2, len(parameters) + 3}):
        say(line)
    if len(table) > SHOWN_ROWS:
        say(f"... {len(table) - SHOWN_ROWS} more levels (use --export FILE for all)")


def _levels_document(table: pd.DataFrame, kpis: list[str]) -> dict:
    """--json of a `results` table: for each KPI, its mean and 95% CI at each parameter level."""
    parameters = _parameters(table)
    return {kpi: [{"levels": {p: row[p] for p in parameters}, "runs": row["runs"], "mean": row[f"{kpi}_mean"],
                   "low": row[f"{kpi}_low"], "high": row[f"{kpi}_high"]} for row in table.to_dict(orient="records")]
            for kpi in kpis}


def _store_currency(store: Path) -> str:
    """The currency of the store's sweep, as its sweep.json gives it (none if it does not)."""
    from sim.experiments.store import RunStore

    try:
        description = RunStore(store).describe() or {}
    except ScenarioError:  # a damaged sweep.json: the runs are summarised all the same
        description = {}
    scenario = description.get("scenario")
    costs = scenario.get("costs") if isinstance(scenario, dict) else None
    currency = costs.get("currency") if isinstance(costs, dict) else None
    return currency if isinstance(currency, str) else ""


def _check_json(json_: bool, dry_run: bool) -> None:
    if json_ and dry_run:
        fail(ScenarioError("--json", "", "--dry-run prints a plan, not KPIs: give one of the two"))


def _check_export(path: Path) -> None:
    if path.suffix not in (".csv", ".parquet"):
        fail(ScenarioError("--export", "", f"must end in .csv or .parquet (got {path.name})"))
    check_writable(path.parent, path.name)


def _export(table: pd.DataFrame, path: Path) -> None:
    try:
        _write_export(table, path)
    except (ValueError, TypeError, ArrowException) as error:  # a query's column no format can hold
        fail(ScenarioError("--export", "", f"cannot write this table as {path.suffix[1:]} "
                           f"({' '.join(str(error).split())[:120]})"))


def _write_export(table: pd.DataFrame, path: Path) -> None:
    write_files([(path, lambda tmp: table.to_csv(tmp, index=False) if path.suffix == ".csv"
                  else table.to_parquet(tmp, index=False))])
    say(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command()(sweep)
    app.command()(results)
    app.command()(compare)
    app.command()(sensitivity)
    app.command()(calibrate)


def sweep(
    scenario: Path = typer.Argument(..., help="Scenario TOML file with a [sweep] section"),
    out: Path = typer.Option(..., "--out", help="Store folder: runs/*.parquet (resumed if it exists)"),
    set_: list[str] = SET,
    days: Optional[int] = DAYS,
    seed: Optional[int] = typer.Option(None, "--seed", help="Root of the replicate seeds (default: the scenario's)"),
    design: Optional[str] = typer.Option(None, help="grid, lhs, sobol or morris (overrides [sweep] design)"),
    replicates: Optional[int] = typer.Option(None, help="Runs per design point (overrides [sweep] replicates)"),
    samples: Optional[int] = typer.Option(None, help="Design points for lhs/sobol, trajectories for morris"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    keep_daily: bool = typer.Option(False, "--keep-daily", help="Also store each run's daily series under daily/"),
    dry_run: bool = DRY_RUN,
) -> None:
    """Run the scenario's [sweep] design into a resumable Parquet store."""
    from sim.experiments.store_summary import results as summarise
    from sim.experiments.sweeps import sweep as run_sweep
    from sim.experiments.sweeps import sweep_runs

    _check_executor(workers, scheduler)
    config = _config(scenario, set_, days, seed, design=design, replicates=replicates, samples=samples)
    check_writable(out, "sweep.json")
    if dry_run:
        with _plain_errors():
            runs = sweep_runs(config, str(scenario))
        _say_runs(runs, workers, scheduler, store=out)
        return
    started = time.monotonic()
    with _plain_errors(resumable=out):
        rows = run_sweep(config, out, workers=workers, scheduler=scheduler, keep_daily=keep_daily, progress=True,
                         source=str(scenario))
        table = summarise(out, list(HEADLINE_KPIS[:3]))
    resumed = rows.attrs["resumed"]
    for path in rows.attrs["set_aside"]:
        say(f"note: {path} was damaged; it is kept in {out / 'damaged'} and its runs were run again", err=True)
    say(f"{config.scenario.name}: {len(rows):,} runs of a {config.sweep.design} design "
               f"({resumed:,} already in the store) in {time.monotonic() - started:,.1f} s; store {out / 'runs'}")
    _say_levels(table, list(HEADLINE_KPIS[:3]), printable(config.costs.currency))


def results(
    store: Path = typer.Argument(..., help="A sweep store folder (the --out of sweep)"),
    query: Optional[str] = typer.Option(None, "--query", help="SQL over the view `runs`, run by DuckDB"),
    kpi: list[str] = typer.Option([], "--kpi", metavar="KPI", help="KPIs to summarise (repeatable; default: headline KPIs)"),
    export: Optional[Path] = typer.Option(None, "--export", metavar="FILE", help="Write the table to FILE.csv or FILE.parquet"),
    quiet: bool = QUIET,
    json_: bool = typer.Option(False, "--json", help="Print the table as one JSON document on stdout and nothing else "
                               "there: each KPI's mean and CI by level, or the query's rows (undefined numbers are null)"),
) -> None:
    """Summarise a sweep store by parameter level (mean and 95% CI), or run a SQL query."""
    from sim.experiments.store_summary import query as run_query
    from sim.experiments.store_summary import results as summarise

    show_stdout(not (quiet or json_))
    if export is not None:
        _check_export(export)
    with _plain_errors():
        if query is not None:
            table = run_query(store, query)
            say_table(table, max_rows=SHOWN_ROWS * 5)
            document = {"store": str(store), "query": query, "rows": table.to_dict(orient="records")}
        else:
            kpis = kpi or list(HEADLINE_KPIS)
            table = summarise(store, kpis)
            currency = _store_currency(store)
            _say_levels(table, kpis, printable(currency))
            document = {"store": str(store), "currency": currency, "kpis": _levels_document(table, kpis)}
    if export is not None:
        _export(table, export)
    if json_:
        say_json(document)


def compare(
    a: Path = typer.Argument(..., help="Scenario A (the reference)"),
    b: Path = typer.Argument(..., help="Scenario B (the change)"),
    replicates: int = typer.Option(10, help="Paired runs, each pair on its own seed"),
    seed: Optional[int] = typer.Option(None, "--seed", help="Root of the replicate seeds (default: A's seed)"),
    set_: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP + "; applied to both"),
    days: Optional[int] = typer.Option(None, "--days", help="Simulated days (overrides both)"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    out: Optional[Path] = typer.Option(None, "--out", help="Write compare.json, differences.csv, paired.csv, daily.parquet here"),
    dry_run: bool = DRY_RUN,
    quiet: bool = QUIET,
    json_: bool = JSON,
) -> None:
    """Run A and B on the same seeds and print the paired difference B - A of every KPI."""
    from sim.experiments.comparison import arm_plan, arm_runs, differences, monthly_cost_line, verdict

    show_stdout(not (quiet or json_))
    _check_json(json_, dry_run)
    _check_executor(workers, scheduler)
    check_between("--replicates", replicates, 2, 100_000)
    config_a, config_b = load(a, set_, days), load(b, set_, days)
    if seed is not None:
        check_between("--seed", seed, 0, MAX_SEED)
    if out is not None:
        check_writable(out, "daily.parquet", "paired.csv", "differences.csv", "compare.json")
    if dry_run:
        with _plain_errors():
            _, jobs = arm_plan({"A": config_a, "B": config_b}, replicates, seed=seed)
        _say_runs(jobs.values(), workers, scheduler)
        return
    with _plain_errors():
        paired, daily = arm_runs({"A": config_a, "B": config_b}, replicates, seed=seed, workers=workers,
                                 scheduler=scheduler, keep_daily=out is not None, progress=not quiet)
    table = differences(paired)
    dumps = (config_a.model_dump(mode="json"), config_b.model_dump(mode="json"))
    fixed_in = {k: [fixed_by_definition(k, d) for d in dumps] for k in table.kpi}
    table["by_definition"] = [all(fixed_in[k]) for k in table.kpi]
    line = verdict(table, config_a.scenario.name, config_b.scenario.name, currency=config_b.costs.currency)
    say(f"{config_b.scenario.name} vs {config_a.scenario.name}: {replicates} paired replicates, "
        f"{config_b.population.members:,} members, {config_b.scenario.days} days")
    currency = printable(config_b.costs.currency)
    rows = [["KPI", "key", "A", "B", "B - A", "95% CI"]]
    for row in table[table.kpi.isin(KPI_KINDS)].itertuples():  # all of them go to --out
        if math.isnan(row.difference) or row.by_definition:
            continue
        arms = [("n/a (def.)" if fixed else money_or_value(v, kpi_kind(row.kpi), currency))
                for fixed, v in zip(fixed_in[row.kpi], (row.a_mean, row.b_mean))]
        rows += kpi_rows(row.kpi, [[*arms, format_change(row.kpi, row.difference, currency),
                                    interval(row.low, row.high, partial(format_change, row.kpi, currency=currency,
                                                                        unit=False))]])
    for text in aligned(rows, right={2, 3, 4}):
        say(text)
    fixed = list(table.kpi[table.by_definition])
    if fixed:
        say(f"  {NOT_A_FINDING} in both: {', '.join(fixed)}")
    say(line)
    monthly = monthly_cost_line(table, config_b.costs.currency)
    say(monthly)
    if out is not None:
        document = {"a": config_a.scenario.name, "b": config_b.scenario.name, "replicates": replicates,
                    "seeds": sorted(set(paired.seed)), "verdict": line, "net_cost_per_month": monthly,
                    "differences": table.to_dict(orient="records"),
                    "scenarios": {"a": config_a.model_dump(mode="json"), "b": config_b.model_dump(mode="json")},
                    **MODEL_IDENTITY}
        files = write_files([(out / "daily.parquet", lambda tmp: daily.to_parquet(tmp, index=False)),
                             (out / "paired.csv", lambda tmp: paired.to_csv(tmp, index=False)),
                             (out / "differences.csv", lambda tmp: table.to_csv(tmp, index=False)),
                             (out / "compare.json", lambda tmp: tmp.write_text(json_text(document)))])
        say(f"wrote {', '.join(str(f) for f in files)}")
    if json_:
        say_json({"a": config_a.scenario.name, "b": config_b.scenario.name, "replicates": replicates,
                  "seeds": sorted(set(paired.seed)), "members": config_b.population.members,
                  "days": config_b.scenario.days, "currency": config_b.costs.currency, "verdict": line,
                  "net_cost_per_month": monthly,
                  "kpis": {row.pop("kpi"): row for row in table.rename(columns={"a_mean": "a", "b_mean": "b"})
                           .to_dict(orient="records")}, **MODEL_IDENTITY})


def sensitivity(
    scenario: Path = typer.Argument(..., help="Scenario TOML file with [sweep.parameters] ranges"),
    method: str = typer.Option("sobol", help="sobol (first-order and total indices) or morris (mu*, sigma)"),
    kpi: list[str] = typer.Option(["answer_rate_24h"], "--kpi", metavar="KPI", help="KPIs to analyse (repeatable)"),
    samples: Optional[int] = typer.Option(None, help="Base samples (sobol) or trajectories (morris)"),
    replicates: Optional[int] = typer.Option(None, help="Runs per design point, averaged"),
    set_: list[str] = SET,
    days: Optional[int] = DAYS,
    seed: Optional[int] = typer.Option(None, "--seed", help="Root of the seeds (default: the scenario's)"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    out: Optional[Path] = typer.Option(None, "--out", help="Store the runs here (resumable) and write sensitivity.csv"),
    dry_run: bool = DRY_RUN,
) -> None:
    """Global sensitivity of KPIs to the [sweep] parameters: Sobol indices or Morris screening."""
    from sim.experiments.sensitivity_analysis import sensitivity as analyse
    from sim.experiments.sensitivity_analysis import sensitivity_runs

    _check_executor(workers, scheduler)
    if method not in ("sobol", "morris"):
        fail(ScenarioError("--method", "", f"must be sobol or morris (got {method!r})"))
    config = _config(scenario, set_, days, seed, replicates=replicates, samples=samples)
    if out is not None:
        check_writable(out, "sensitivity.csv", "sweep.json")
    if dry_run:
        with _plain_errors():
            _, runs = sensitivity_runs(config, method, kpi, str(scenario))
        _say_runs(runs, workers, scheduler, store=out)
        return
    with _plain_errors(resumable=out):
        table = analyse(config, method, kpi, out, workers=workers, scheduler=scheduler, progress=True,
                        source=str(scenario))
    say(f"{method} sensitivity of {config.scenario.name}: {len(config.sweep.parameters)} parameters, "
               f"{config.sweep.samples} {'base samples' if method == 'sobol' else 'trajectories'}, "
               f"{config.sweep.replicates} replicate(s) per point")
    say_table(table, float_format=lambda v: f"{v:.3f}")
    if out is not None:
        files = write_files([(out / "sensitivity.csv", lambda tmp: table.to_csv(tmp, index=False))])
        say(f"wrote {files[0]}")


def calibrate(
    scenario: Path = typer.Argument(..., help="Scenario TOML file"),
    targets: Path = typer.Option(..., "--targets", help="TOML: [[target]] kpi, value, weight; optional [parameters] ranges"),
    trials: int = typer.Option(40, help="Optuna trials in all (a resumed study runs only the rest)"),
    replicates: Optional[int] = typer.Option(None, help="Runs per trial (default: the [sweep] replicates)"),
    set_: list[str] = SET,
    days: Optional[int] = DAYS,
    seed: Optional[int] = typer.Option(None, "--seed", help="Root of the seeds and of the sampler"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    out: Optional[Path] = typer.Option(None, "--out", help="Keep the study here (resumable) and write calibration.json"),
    dry_run: bool = DRY_RUN,
) -> None:
    """Fit free parameters within their ranges to KPI targets (Optuna TPE over replicates)."""
    from sim.experiments.calibration import calibrate as fit
    from sim.experiments.calibration import calibration_plan

    _check_executor(workers, scheduler)
    check_between("--trials", trials, 1, 100_000)
    if replicates is not None:
        check_between("--replicates", replicates, 1, 100_000)
    config = _config(scenario, set_, days, seed)
    if out is not None:
        check_writable(out, "trials.csv", "calibration.json")
    if dry_run:
        with _plain_errors():
            planned = calibration_plan(config, targets, trials, replicates, str(scenario))
        resumed = out is not None and (out / "calibration.journal").exists()
        note = (f" (at most: {trials} trials x {len(planned) // trials} replicates, each run costed at the middle of "
                f"the free ranges{'; the study in --out runs only the trials it lacks' if resumed else ''})")
        _say_plan(planned, workers, scheduler, note=note)
        return
    with _plain_errors(resumable=out):
        found = fit(config, targets, out, trials=trials, replicates=replicates, workers=workers,
                    scheduler=scheduler, progress=True, source=str(scenario))
    best = found["best"].iloc[0]
    say(f"calibrated {config.scenario.name}: best of {best.trials} trials is #{best.trial} "
               f"(loss {best.loss:.4g}); {best.plausible_trials} trial(s) fit as well within replicate noise")
    say_table(found["parameters"], float_format=lambda v: f"{v:.4g}")
    say_table(found["fit"], float_format=lambda v: f"{v:.4g}")
    if out is not None:
        document = {name: table.to_dict(orient="records") for name, table in found.items()}
        files = write_files([(out / "trials.csv", lambda tmp: found["trials"].to_csv(tmp, index=False)),
                             (out / "calibration.json", lambda tmp: tmp.write_text(json_text(
                                 {**document, "scenario": config.model_dump(mode="json"), **MODEL_IDENTITY})))])
        say(f"wrote {', '.join(str(f) for f in files)}")
