"""Helpers shared by the command-line verbs: bad input is one plain line and exit 2."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from sim.params.scenario import Scenario, ScenarioError, load_scenario, parse_override

MAX_SEED = 2**63 - 1


def fail(error: ScenarioError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(2)


def check_writable(out: Path) -> None:
    """Refuse an unusable --out before the run, so a long run is never wasted."""
    if out.exists() and not out.is_dir():
        fail(ScenarioError("--out", "", f"{out} exists and is not a directory"))
    ancestor = next(p for p in (out, *out.parents) if p.exists())
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK):
        fail(ScenarioError("--out", "", f"cannot create or write {out} ({ancestor} is not a writable directory)"))


def overrides_from(pairs: list[str], days: Optional[int] = None) -> dict:
    """--set key=value pairs (and --days) as dotted overrides; a bad pair exits 2."""
    try:
        found = dict(parse_override(p) for p in pairs)
    except ScenarioError as error:
        fail(error)
    if days is not None:
        found["scenario.days"] = days
    return found


def load(path: Path, pairs: list[str], days: Optional[int]) -> Scenario:
    """The scenario with its --set and --days overrides, or exit 2 with one line."""
    try:
        return load_scenario(path, overrides_from(pairs, days))
    except ScenarioError as error:
        fail(error)


def check_between(option: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        fail(ScenarioError(option, "", f"must be between {low:,} and {high:,} (got {value:,})"))
