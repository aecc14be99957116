"""What a report is (`Report`, its `Headline`s), and how a result folder's files are read for
one: every string read (JSON keys and values, table headings and cells) is HTML-escaped as it
is read, so nothing downstream (sentences, figures, the page) ever holds raw text."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from html import escape
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from sim.experiments.output import text_columns
from sim.params.scenario import ScenarioError, read_json

MAX_JSON_BYTES = 50_000_000


@dataclass
class Headline:
    label: str
    value: str
    sentence: str
    tone: str = "neutral"  # better, worse, unclear (no detectable change) or neutral: the card's colour
    verdict: str = ""  # the card's verdict in words, where the tone's own word would mislead


@dataclass
class Report:
    kind: str  # "run", "compare", "roi", "sweep", "facts", "discover" or "optimize"
    title: str
    story: str
    headlines: list[Headline]
    figures: list[tuple[str, go.Figure]]
    parameters: pd.DataFrame  # columns: parameter, then one column of values per scenario
    notes: list[str] = field(default_factory=list)
    provenance: str = ""
    scope: str = ""  # size, period, replicates and seed, from the output itself
    bottom_line: str = ""  # the one sentence to take away
    defaults: dict | None = None  # flattened defaults: the table shows first what differs from them


def _escaped(value):
    """A JSON value with every string in it, keys included, HTML-escaped."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {escape(str(k)): _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


def _escaped_table(table: pd.DataFrame) -> pd.DataFrame:
    """A table with its headings and text cells HTML-escaped."""
    table = table.rename(columns=lambda c: escape(str(c)))
    for column in text_columns(table):
        table[column] = table[column].map(lambda v: escape(v) if isinstance(v, str) else v)
    return table


def _read_json(path: Path, required: tuple[str, ...]) -> dict:
    if not path.exists():
        raise ScenarioError(str(path), "", "missing: this folder is not a complete community-sim output")
    document = _escaped(read_json(path, MAX_JSON_BYTES))
    missing = [key for key in required if not isinstance(document, dict) or key not in document]
    if missing:
        raise ScenarioError(str(path), missing[0], "missing: this is not a community-sim output")
    return document


def _read_table(path: Path, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A parquet or CSV result table with the columns a figure needs, or a ScenarioError."""
    if not path.exists():
        raise ScenarioError(str(path), "", "missing: this folder is not a complete community-sim output")
    if not path.is_file():  # a pipe would block the read for ever
        raise ScenarioError(str(path), "", "is not a regular file")
    try:
        with open(path, "rb") as handle:  # opened here, so the path is taken literally
            table = _escaped_table(pd.read_parquet(handle) if path.suffix == ".parquet" else pd.read_csv(handle))
    except Exception as error:  # pyarrow and pandas raise several types for a torn or foreign file
        raise ScenarioError(str(path), "", f"cannot be read as a table ({type(error).__name__})") from None
    missing = [c for c in columns if c not in table]
    if missing:
        raise ScenarioError(str(path), missing[0], "missing column: this is not a community-sim table")
    return table


def parameter_table(columns: dict[str, dict]) -> pd.DataFrame:
    """One row per parameter (except the [sweep] section), one column per scenario."""
    flats = {name: flat_settings(scenario) for name, scenario in columns.items()}
    keys = list(dict.fromkeys(key for flat in flats.values() for key in flat))
    return pd.DataFrame({"parameter": keys,
                         **{name: [_cell(flat.get(key, "")) for key in keys] for name, flat in flats.items()}})


def flat_settings(scenario: dict) -> dict:
    """A scenario's JSON dump as dotted key -> value, without its [sweep]."""
    return pd.json_normalize({k: v for k, v in scenario.items() if k != "sweep"}).iloc[0].to_dict()


def default_settings() -> dict:
    """Every parameter's default, as the parameter table shows it, so a report can show first
    what a scenario changes."""
    from sim.params.schema import Scenario

    defaults = Scenario.model_validate({"scenario": {"name": "defaults"}}).model_dump(mode="json")
    return {key: _cell(value) for key, value in _escaped(flat_settings(defaults)).items()}


def _cell(value) -> str:
    """A parameter value as text; lists of tables (launches) as JSON."""
    return json.dumps(value) if isinstance(value, list) else str(value)
