"""The `facts` verb: the shipped scenarios against the published facts, at one size or at
several (pattern-oriented validation, docs/MODEL.md §5).

`--sizes 3000 10000 30000` takes its sizes after one flag, as researchers type them, so the
command accepts extra arguments and reads them as further sizes; anything else extra is an
error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from sim.cli.experiments import DAYS, DRY_RUN, SCHEDULER, SET_HELP, WORKERS, _check_executor, _plain_errors, _say_runs
from sim.cli.support import MAX_SEED, check_between, check_writable, fail, overrides_from, say
from sim.experiments.design import MODEL_IDENTITY
from sim.experiments.output import json_text, write_files
from sim.params.scenario import ScenarioError

MAX_SIZES = 10
SOURCE_WIDTH = 34


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": False})(facts)


def _sizes(first: Optional[str], extra: list[str]) -> list[int] | None:
    """The sizes: --sizes' value and the bare numbers after it, each plain ASCII digits."""
    if first is None:
        if extra:
            fail(ScenarioError("facts", "", f"unexpected argument '{extra[0]}'"))
        return None
    sizes = []
    for word in [first, *extra]:
        if not re.fullmatch(r"[0-9]{1,9}", word):
            fail(ScenarioError("--sizes", "", f"'{word}' is not a whole number of members"))
        sizes.append(int(word))
    if len(sizes) > MAX_SIZES:
        fail(ScenarioError("--sizes", "", f"{len(sizes)} sizes; at most {MAX_SIZES}"))
    for size in sizes:
        check_between("--sizes", size, 100, 20_000_000)
    if len(set(sizes)) < len(sizes):
        fail(ScenarioError("--sizes", "", "a size is given twice"))
    return sizes


def _say_rows(table: pd.DataFrame) -> None:
    say(f"{'':2}{'fact':<27} {'role':<9} {'members':>8} {'source':<{SOURCE_WIDTH}} {'published':>9} "
        f"{'band':>18}  model (95% CI)")
    for row in table.itertuples():
        source = row.source if len(row.source) <= SOURCE_WIDTH else row.source[:SOURCE_WIDTH - 1] + "\u2026"
        band = f"{row.band_low:.3g} to {row.band_high:.3g}"
        reaches = row.model_low <= row.band_high and row.model_high >= row.band_low
        note = "  CI crosses the band's edge" if row.verdict == "in band" or (not row.ok and reaches) else ""
        say(f"{'✓' if row.ok else '✗':<2}{row.fact:<27} {row.role:<9} {row.members:>8,} {source:<{SOURCE_WIDTH}} "
            f"{row.published:>9.3g} {band:>18}  {row.model:.3g} ({row.model_low:.3g} to {row.model_high:.3g}){note}")


def _say_verdicts(table: pd.DataFrame, replicates: int) -> None:
    from sim.experiments.stylized_facts import sizes_held

    for role in ("calibrate", "validate"):
        mine = table[table.role == role]
        if len(mine):
            say(f"{'calibration' if role == 'calibrate' else 'validation'} facts: {int(mine.ok.sum())} of "
                f"{len(mine)} in band over {replicates} replicates")
    if table["size"].nunique() > 1:
        for row in sizes_held(table).itertuples():
            if row.missed:
                held = (f"holds only at {', '.join(f'{s:,}' for s in row.held)} members" if row.held
                        else "holds at no size")
                say(f"  {row.fact} {held}; missed at {', '.join(f'{s:,}' for s in row.missed)}")


def facts(
    ctx: typer.Context,
    targets: Optional[Path] = typer.Option(None, "--targets", help="Facts TOML (default: targets/stylized_facts.toml)"),
    scenarios: Optional[Path] = typer.Option(None, "--scenarios", help="Folder of the scenarios the facts name"),
    replicates: int = typer.Option(5, help="Runs of each scenario, on shared seeds"),
    seed: Optional[int] = typer.Option(None, "--seed", help="Root of the replicate seeds"),
    sizes: Optional[str] = typer.Option(None, "--sizes", metavar="N [N ...]", help="Check every fact at each of these numbers of members "
                                        "(--sizes 3000 10000 30000; default: each scenario's own size)"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    out: Optional[Path] = typer.Option(None, "--out", help="Write facts.csv and facts.json here (a folder `report` reads)"),
    set_: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP + "; applied to every scenario (e.g. behaviour.topics=100)"),
    days: Optional[int] = DAYS,
    dry_run: bool = DRY_RUN,
) -> None:
    """The shipped scenarios against published facts, calibration and validation facts apart;
    exit 1 if any is outside its band."""
    from sim.experiments.stylized_facts import DEFAULT_SCENARIOS, DEFAULT_SEED, DEFAULT_TARGETS
    from sim.experiments.stylized_facts import facts as check_facts
    from sim.experiments.stylized_facts import plan_facts

    chosen = _sizes(sizes, list(ctx.args))
    _check_executor(workers, scheduler)
    overrides = overrides_from(set_, days)
    if chosen and "population.members" in overrides:
        fail(ScenarioError("--sizes", "", "--sizes and --set population.members both set the size; give one"))
    check_between("--replicates", replicates, 2, 10_000)
    if seed is not None:
        check_between("--seed", seed, 0, MAX_SEED)
    if out is not None:
        check_writable(out, "facts.csv", "facts.json")
    root = DEFAULT_SEED if seed is None else seed
    if dry_run:
        with _plain_errors():
            _, _, jobs = plan_facts(targets or DEFAULT_TARGETS, scenarios or DEFAULT_SCENARIOS, replicates, seed=root,
                                    overrides=overrides, sizes=chosen)
        _say_runs(jobs.values(), workers, scheduler)
        return
    with _plain_errors():
        table = check_facts(targets or DEFAULT_TARGETS, scenarios or DEFAULT_SCENARIOS, replicates, seed=root,
                            workers=workers, scheduler=scheduler, overrides=overrides, sizes=chosen, progress=True)
    _say_rows(table)
    _say_verdicts(table, replicates)
    if out is not None:
        document = {"kind": "facts", "targets": str(targets or DEFAULT_TARGETS), "replicates": replicates,
                    "seed": root, "sizes": chosen or "own", "overrides": overrides, **MODEL_IDENTITY}
        files = write_files([(out / "facts.csv", lambda tmp: table.to_csv(tmp, index=False)),
                             (out / "facts.json", lambda tmp: tmp.write_text(json_text(document)))])
        say(f"wrote {', '.join(str(f) for f in files)}")
    if not table.ok.all():
        raise typer.Exit(1)
