"""Scenario files: TOML loading, validation, dotted overrides and flat keywords.

A scenario is data. It is parsed with tomllib and validated by the pydantic schema, so
nothing in it can execute code; every error names the file, the field and the problem.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import reprlib
import stat
import tomllib
from pathlib import Path
from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from sim.params.schema import Scenario

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"  # the scenario files shipped with the project

__all__ = ["Scenario", "ScenarioError", "load_scenario", "build_scenario", "parse_override",
           "flat_parameter_paths", "describe_error", "read_json", "read_text", "read_toml", "load_data_file"]


class ScenarioError(ValueError):
    """Bad input: one plain line naming the file, the field and the problem."""

    def __init__(self, source: str, field: str, problem: str):
        self.source, self.field, self.problem = source, field, problem
        super().__init__(f"{source}: {field}: {problem}" if field else f"{source}: {problem}")


def _section_fields(model: type[BaseModel], path: tuple[str, ...]) -> type[BaseModel] | None:
    """The pydantic model reached by following `path` from `model` (None if not a section)."""
    for part in path:
        if part.isdigit():  # an index into a list of tables, e.g. launches.0
            continue
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if getattr(annotation, "__origin__", None) is list:
            annotation = annotation.__args__[0]
        if not _is_section(annotation):
            return None
        model = annotation
    return model


def _unknown_key_problem(loc: tuple[str, ...], schema: type[BaseModel]) -> str:
    section = _section_fields(schema, loc[:-1])
    choices = list(section.model_fields) if section else []
    close = difflib.get_close_matches(loc[-1], choices, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(choices)}"
    return f"unknown key{hint}"


_SHOWN = reprlib.Repr(maxstring=60, maxother=60, maxlevel=3, maxlist=6, maxdict=6)


def _shown(value: Any) -> str:
    """A bad value, short enough for one line however large or deep it is."""
    return _SHOWN.repr(value)


def describe_error(error: Mapping[str, Any], schema: type[BaseModel] = Scenario) -> tuple[str, str]:
    """(field, problem) of a pydantic error, in plain words, for a one-line message."""
    loc = tuple(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        return ".".join(loc), _unknown_key_problem(loc, schema)
    problem = error["msg"].removeprefix("Value error, ")
    if error["type"] not in {"value_error", "missing"}:
        problem += f" (got {_shown(error['input'])})"
    return ".".join(loc) or "settings", problem


def validate_scenario(data: Mapping[str, Any], source: str) -> Scenario:
    """Validate raw scenario data; raise ScenarioError on the first problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        field, problem = describe_error(exc.errors()[0])
        raise ScenarioError(source, field, problem) from None


def parse_override(text: str) -> tuple[str, Any]:
    """Split `a.b=value`; the value is read as a TOML literal, else kept as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError("--set", _shown(text), "expected key=value, for example population.members=5000")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise ScenarioError("--set", key, "the value is nested too deeply") from None
    return key, value


def _apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set each dotted key; a numeric part indexes a list of tables (`launches.0.day`).
    Setting one form of a capacity (absolute or per 1,000 members) drops the other."""
    data = copy.deepcopy(data)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = data
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                if not (part.isdigit() and int(part) < len(node)):
                    raise ScenarioError("--set", dotted, f"'{part}' is not an index of the "
                                        f"{len(node)} entries of '{parts[depth - 1]}'")
                part = int(part)
            elif not isinstance(node, dict):
                raise ScenarioError("--set", dotted, f"'{parts[depth - 1]}' is a value, not a table")
            if last:
                node[part] = value
                section = _section_fields(Scenario, tuple(parts[:-1]))
                for pair in getattr(section, "CAPACITIES", ()):  # an override replaces the other form
                    if part in pair and isinstance(node, dict):
                        node.pop(pair[1 - pair.index(part)], None)
            elif parts[depth + 1].isdigit() and isinstance(node, dict) and part not in node:
                raise ScenarioError("--set", dotted, f"'{part}' has no entries to index")
            else:
                node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    return data


def _one_form_overridden(overrides: Mapping[str, Any]) -> None:
    """Overrides that set both forms of one capacity contradict each other: bad input."""
    for dotted in overrides:
        *path, name = dotted.split(".")
        section = _section_fields(Scenario, tuple(path))
        for pair in getattr(section, "CAPACITIES", ()):
            other = ".".join((*path, pair[1 - pair.index(name)])) if name in pair else None
            if other in overrides:
                raise ScenarioError("--set", dotted, f"give {dotted} or {other}, not both")


def build_scenario(data: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None,
                   source: str = "scenario") -> Scenario:
    """A validated scenario from raw data plus dotted overrides (typed by the schema)."""
    _one_form_overridden(overrides or {})
    merged = _apply_overrides(dict(data or {}), overrides or {})
    if overrides:
        source = f"{source} (with overrides {', '.join(overrides)})"
    return validate_scenario(merged, source)


MAX_FILE_BYTES = 10_000_000  # the largest shipped scenario is about 2 kB


def read_text(path: str | Path, limit: int = MAX_FILE_BYTES) -> str:
    """A data file's text; a missing, unreadable, oversized or non-UTF-8 file is bad input
    (so is a pipe or device: /dev/zero would be read forever)."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(str(path), "", "is not a regular file (a folder, pipe or device)")
        if info.st_size > limit:
            raise ScenarioError(str(path), "", f"is too large ({info.st_size:,} bytes; at most {limit:,})")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "file not found") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), "", "cannot read file (not UTF-8 text)") from None
    except OSError as exc:
        raise ScenarioError(str(path), "", f"cannot read file ({exc.strerror or type(exc).__name__})") from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file's data; an unreadable (`read_text`) or malformed file is bad input."""
    text = read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(str(path), "", "invalid TOML: nested too deeply") from None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as infinity
        raise ValueError("a number out of range")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError("NaN or Infinity, which JSON does not allow")


def read_json(path: str | Path, limit: int = MAX_FILE_BYTES) -> Any:
    """A JSON file's data (a result folder's summary, a store's sweep.json), checked as
    `read_text` checks files; malformed or too deeply nested JSON is bad input, and so is a
    non-finite number (NaN, Infinity, 1e400), which no writer here produces (allow_nan=False)."""
    text = read_text(path, limit)
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        detail = str(exc) if type(exc) is ValueError else type(exc).__name__  # ours name no file text
        raise ScenarioError(str(path), "", f"cannot be read as JSON ({detail})") from None


def load_data_file(path: str | Path, schema: type[BaseModel]) -> BaseModel:
    """A TOML file validated by `schema` (targets, facts), with scenario-style errors."""
    try:
        return schema.model_validate(read_toml(path))
    except ValidationError as exc:
        raise ScenarioError(str(path), *describe_error(exc.errors()[0], schema)) from None


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, override and validate a scenario TOML file."""
    return build_scenario(read_toml(path), overrides, source=str(path))


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def flat_parameter_paths() -> dict[str, str]:
    """Map each flat keyword to its dotted path, for `CommunityModel(members=...)`.

    A top-level section's fields keep their own names (`members`); a nested table's fields
    are prefixed with the table's name (`forum_kind` for policy.forum.kind,
    `badges_enabled` for rewards.badges.enabled). Lists of tables (launches) and the
    [sweep] have no flat keyword. Names are unique by design, so flat keywords are unambiguous.
    """
    paths: dict[str, str] = {}

    def walk(model: type[BaseModel], dotted: str, prefix: str) -> None:
        for name, field in model.model_fields.items():
            if name == "sweep":  # the experiment over the model, not a model parameter
                continue
            if _is_section(field.annotation):
                nested_prefix = f"{name}_" if dotted else ""
                walk(field.annotation, f"{dotted}{name}.", nested_prefix)
            elif dotted:
                flat = prefix + name
                if flat in paths:
                    raise RuntimeError(f"parameter name {flat!r} is not unique across sections")
                paths[flat] = f"{dotted}{name}"

    walk(Scenario, "", "")
    return paths
