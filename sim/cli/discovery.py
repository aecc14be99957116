"""The `discover` verb: scenario discovery (PRIM) over a sweep store. Which ranges of the
swept parameters make a KPI fall below, or rise above, a threshold? A thin shell over
sim.experiments.discovery, the function a notebook calls."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import typer

from sim.cli.experiments import _plain_errors
from sim.cli.support import check_writable, fail, plain, say, say_table
from sim.experiments.design import MODEL_IDENTITY
from sim.experiments.discovery import (MASS_MIN, MIN_DENSITY, PEEL_ALPHA, case_sentence, cases, check_settings,
                                      check_threshold, limit_texts)
from sim.experiments.discovery import discover as find
from sim.experiments.output import json_text, write_files
from sim.params.scenario import ScenarioError

FILES = ("trajectory.csv", "box_limits.csv", "feature_scores.csv", "cases.csv", "discover.json")
SHOWN_SCORES = 10
MAX_POINTS = 2000  # cases kept in discover.json for the report's pairs plot


def register(app: typer.Typer) -> None:
    app.command()(discover)


def _unit(definition: dict) -> str:
    return "runs" if definition["per"] == "run" else "design points"


def _say_cases(definition: dict) -> None:
    unit, rows, found = _unit(definition), int(definition["rows"]), int(definition["cases"])
    say(f"discover in {definition['sweep']} ({definition['design']} design, store {definition['store']})")
    say(f"  cases: {case_sentence(definition)}")
    say(f"  {found:,} of {rows:,} {unit} are cases ({found / rows:.1%}); "
        + ("each run is one case, replicates apart (--per point averages a design point's runs)"
           if definition["per"] == "run"
           else f"each point's KPI is the mean of its runs ({definition['runs_analysed']:,} runs in all)"))
    say(f"  parameters: {', '.join(definition['parameters'])}"
        + (f" (levels, not numbers: {', '.join(definition['categorical'])})" if definition["categorical"] else ""))
    left = []
    if definition["undefined"]:
        left.append(f"{definition['undefined']:,} run(s) whose {definition['kpi']} is undefined")
    if definition["incomplete"]:
        left.append(f"{definition['incomplete']:,} run(s) without a value for every parameter (another design in the store)")
    if left:
        say(f"  left out: {'; '.join(left)}")


def limits_table(limits: pd.DataFrame) -> pd.DataFrame:
    """The restricted parameters' box against their sampled range, as text."""
    rows = limits[limits.restricted]
    texts = [limit_texts(row) for row in rows.itertuples()]
    return pd.DataFrame({"parameter": rows.parameter, "in the box": [t[0] for t in texts],
                         "sampled": [t[1] for t in texts], "quasi-p": [t[2] for t in texts]})


def _say_box(found: dict[str, pd.DataFrame]) -> None:
    box, definition = found["box"].iloc[0], found["definition"].iloc[0]
    unit = _unit(definition)
    say(f"box {int(box.box)} of the peeling trajectory's boxes 0 to {len(found['trajectory']) - 1} ({box.rule}):")
    say(f"  coverage {box.coverage:.1%} ({int(box.cases_in_box):,} of {int(definition['cases']):,} cases are inside), "
        f"density {box.density:.1%} ({int(box.cases_in_box):,} of the {int(box.in_box):,} {unit} inside are cases), "
        f"mass {box.mass:.1%}")
    if int(box.restricted) == 0:
        say("  the box restricts no parameter: cases occur across the whole sampled space")
    else:
        say_table(limits_table(found["limits"]))
        say("  (quasi-p: the chance that a restriction this strong is luck; above 0.05 it may be noise)")
    scores = found["scores"].head(SHOWN_SCORES)
    say("feature scores (extra trees: how much each parameter tells cases from the rest; they sum to 1):")
    say_table(scores[["rank", "parameter", "score"]], float_format=lambda v: f"{v:.3f}")


def _points(cases: pd.DataFrame, definition: dict) -> dict:
    """At most MAX_POINTS cases (a fixed sample) as columns, for the report's pairs plot."""
    if len(cases) > MAX_POINTS:
        keep = np.sort(np.random.default_rng(0).choice(len(cases), MAX_POINTS, replace=False))
        cases = cases.iloc[keep]
    return {name: cases[name].tolist() for name in [*definition["parameters"], definition["kpi"], "case", "in_box"]}


def document(found: dict[str, pd.DataFrame]) -> dict:
    """discover.json: everything the report draws, each table as records."""
    definition = found["definition"].iloc[0].to_dict()
    return {"kind": "discover", "definition": definition, "box": found["box"].iloc[0].to_dict(),
            "trajectory": found["trajectory"].to_dict(orient="records"),
            "limits": found["limits"].to_dict(orient="records"),
            "scores": found["scores"].to_dict(orient="records"),
            "points": _points(found["cases"], definition), "cases_total": len(found["cases"]),
            **MODEL_IDENTITY}


def _write(out: Path, found: dict[str, pd.DataFrame]) -> list[Path]:
    limits = found["limits"].assign(levels=found["limits"].levels.map(json.dumps),
                                    sampled_levels=found["limits"].sampled_levels.map(json.dumps))
    text = json_text(json.loads(json.dumps(document(found), default=plain)))
    return write_files([
        (out / "trajectory.csv", lambda tmp: found["trajectory"].to_csv(tmp, index=False)),
        (out / "box_limits.csv", lambda tmp: limits.to_csv(tmp, index=False)),
        (out / "feature_scores.csv", lambda tmp: found["scores"].to_csv(tmp, index=False)),
        (out / "cases.csv", lambda tmp: found["cases"].to_csv(tmp, index=False)),
        (out / "discover.json", lambda tmp: tmp.write_text(text)),
    ])


def _same(out: Path, store: Path) -> bool:
    """Whether --out is the store itself: its discover.json would hide the sweep from `report`."""
    try:
        return out.exists() and store.exists() and os.path.samefile(out, store)
    except OSError:
        return False


def discover(
    store: Path = typer.Argument(..., help="A sweep store folder (the --out of sweep)"),
    kpi: str = typer.Option(..., "--kpi", help="The KPI that defines the cases of interest"),
    below: Optional[float] = typer.Option(None, "--below", help="Cases: runs whose KPI is below this"),
    above: Optional[float] = typer.Option(None, "--above", help="Cases: runs whose KPI is above this"),
    per: str = typer.Option("run", "--per", help="run (each run a case, replicates apart) or point (each design "
                                                 "point a case, its runs' KPI averaged)"),
    min_density: float = typer.Option(MIN_DENSITY, "--min-density",
                                      help="Choose the box of highest coverage with at least this density"),
    box: Optional[int] = typer.Option(None, "--box", help="Choose box N of the peeling trajectory instead"),
    mass_min: float = typer.Option(MASS_MIN, "--mass-min", help="PRIM stops peeling at a box holding this share of the "
                                                                "runs (or design points)"),
    peel_alpha: float = typer.Option(PEEL_ALPHA, "--peel-alpha", help="The share of the box each peeling step removes"),
    out: Optional[Path] = typer.Option(None, "--out", help="Write discover.json and CSVs here (a folder `report` reads)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be analysed, and stop"),
) -> None:
    """Scenario discovery: the ranges of the swept parameters (a PRIM box) where a KPI falls
    below or rises above a threshold, with coverage, density and feature scores."""
    with _plain_errors():
        check_threshold(kpi, below, above)
        check_settings(min_density, box, mass_min, peel_alpha)
    if out is not None:
        if _same(out, store):
            fail(ScenarioError("--out", "", "give a folder other than the store (report STORE draws the sweep itself)"))
        check_writable(out, *FILES)
    if dry_run:
        with _plain_errors():
            found_cases = cases(store, kpi, below, above, per)
        definition = found_cases.definition
        _say_cases(definition)
        say(f"dry run: PRIM would peel {definition['rows']:,} {_unit(definition)}; nothing was run or written")
        return
    with _plain_errors():
        found = find(store, kpi, below, above, per=per, min_density=min_density, box=box, mass_min=mass_min,
                     peel_alpha=peel_alpha)
    _say_cases(found["definition"].iloc[0].to_dict())
    _say_box(found)
    if out is not None:
        files = _write(out, found)
        say(f"wrote {', '.join(str(f) for f in files)}")
