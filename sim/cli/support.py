"""Helpers shared by the command-line verbs: bad input is one plain line and exit 2."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import typer

from sim.experiments.output import HOST, check_target, json_safe, text_columns
from sim.params.scenario import Scenario, ScenarioError, load_scenario, parse_override

MAX_SEED = 2**63 - 1
# C0 and C1 controls (newlines, escape sequences), line separators and bidirectional overrides:
# text from a scenario or a result folder must not move the cursor, recolour or split a line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# --quiet and --json, on the verbs that print KPIs (typer reads these defaults as option declarations).
QUIET = typer.Option(False, "--quiet", "-q", help="Print nothing but errors: no table, no progress")
JSON = typer.Option(False, "--json", help="Print the KPIs as one JSON document on stdout and nothing else there "
                    "(undefined numbers are null)")


class _Stdout:
    """Whether `say` writes to stdout: not under --quiet or --json. Each command starts with
    it on (the root callback), and a verb with those options sets it."""

    shown = True


def show_stdout(shown: bool) -> None:
    _Stdout.shown = shown


class Stopped(BaseException):
    """Ctrl-C or SIGTERM: unwinds the command, so finished work is stored and workers are stopped."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.hint = "finished work is kept"  # a verb that can resume says how


def printable(text: object) -> str:
    """Text as one terminal line: every control character shown as its escape (\\n, \\x1b)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def say(text: object, err: bool = False) -> None:
    """Print one line; whatever it quotes cannot break it. Errors (`err`) go to stderr always,
    the rest to stdout unless --quiet or --json asked for none."""
    if err or _Stdout.shown:
        typer.echo(printable(text), err=err)


def say_json(document: dict) -> None:
    """--json: the one document on stdout, valid JSON (numpy numbers as plain ones,
    non-finite numbers as null; control characters escaped, so it cannot move the cursor)."""
    typer.echo(json.dumps(json_safe(json.loads(json.dumps(document, default=plain))), indent=2, allow_nan=False))


def plain(value):
    """A numpy scalar or array, or any other value JSON has no type for, as one it has."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def say_table(table: pd.DataFrame, **to_string) -> None:
    """Print a table whose cells and headings may hold text from a file, each made printable."""
    if not _Stdout.shown:
        return
    shown = table.rename(columns=printable)
    for column in text_columns(shown):
        shown[column] = shown[column].map(lambda v: printable(v) if isinstance(v, str) else v)
    typer.echo(shown.to_string(index=False, **to_string))


def fail(error: ScenarioError) -> None:
    say(f"error: {error}", err=True)
    raise typer.Exit(2)


def check_writable(out: Path, *files: str) -> None:
    """Refuse an unusable output folder before the run, so a long run is never wasted: one
    that is not a folder, cannot be created or written, has a name too long, or holds one of
    the `files` to be written as something other than a regular file (a link, a pipe)."""
    try:
        if out.exists() and not out.is_dir():
            fail(ScenarioError("--out", "", f"{out} exists and is not a directory"))
        ancestor = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
        longest = os.pathconf(ancestor, "PC_NAME_MAX") if ancestor.is_dir() else 255
    except OSError as error:
        fail(ScenarioError("--out", "", f"cannot use {out} ({error.strerror})"))
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK):
        fail(ScenarioError("--out", "", f"cannot create or write {out} ({ancestor} is not a writable directory)"))
    staging = len(f"..{HOST}-{os.getpid()}.abcdefgh.tmp")  # a file is first staged as .NAME + this
    too_long = [part for part in (*out.parts, *files) if len(os.fsencode(part)) + staging * (part in files) > longest]
    if too_long:
        fail(ScenarioError("--out", "", f"the name {too_long[0][:40]}... is longer than {longest} bytes"))
    for name in files:
        try:
            check_target(out / name)
        except ScenarioError as error:
            fail(error)


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
