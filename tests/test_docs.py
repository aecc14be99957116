"""docs/MODEL.md states every parameter with the schema's own default and meaning, so the
model description cannot drift from the code; the README's commands and files exist."""

from __future__ import annotations

import re
import tomllib

import pytest
from pydantic import BaseModel

from sim.params.schema import Launch, Scenario

from conftest import ROOT

HEADING = re.compile(r"^#### `\[{1,2}([a-z_.]+)\]{1,2}`")
ROW = re.compile(r"^\| `([a-z_0-9]+)` \| ([^|]+) \|[^|]*\|[^|]*\| ([^|]+) \|")


def documented_parameters() -> dict[str, tuple[str, str]]:
    """dotted name -> (default cell, meaning cell) from the §4 tables."""
    rows, section = {}, None
    for line in (ROOT / "docs" / "MODEL.md").read_text().splitlines():
        if heading := HEADING.match(line):
            section = heading.group(1)
        elif section and (row := ROW.match(line)):
            rows[f"{section}.{row.group(1)}"] = (row.group(2).strip(), row.group(3).strip())
    return rows


def schema_parameters() -> dict[str, tuple[object, str]]:
    found = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            if name == "sweep":  # the experiment, not the model: documented in docs/EXPERIMENTS.md
                continue
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                walk(field.annotation, f"{prefix}{name}.")
            elif name != "launches":
                found[prefix + name] = (field.default, field.description)

    walk(Scenario, "")
    walk(Launch, "launches.")
    return found


def _value(cell: str):
    return tomllib.loads(f"v = {cell.replace(',', '') if cell[0].isdigit() else cell}")["v"]


@pytest.mark.parametrize("dotted", sorted(schema_parameters()))
def test_model_md_states_each_parameter_as_the_schema_does(dotted):
    documented = documented_parameters()
    assert dotted in documented, f"docs/MODEL.md §4 has no row for {dotted}"
    default, description = schema_parameters()[dotted]
    cell, meaning = documented[dotted]
    if default is None:  # the other form of a capacity is the default
        assert cell == "—", f"{dotted}: MODEL.md says {cell}, schema has no default (the other form is)"
    else:
        assert _value(cell) == pytest.approx(default), f"{dotted}: MODEL.md says {cell}, schema {default!r}"
    assert meaning == re.sub(r"\s*\[[^\]]*\]$", "", description), f"{dotted}: meaning differs"


def test_readme_commands_and_files_exist():
    from sim.cli import app

    readme = (ROOT / "README.md").read_text()
    verbs = {command.name or command.callback.__name__ for command in app.registered_commands}
    used = set(re.findall(r"community-sim ([a-z]+)", readme))
    assert used and used <= verbs | {"experiment"}, used - verbs
    for path in re.findall(r"(?:notebooks|scenarios|docs)/[\w/.-]+\.(?:ipynb|toml|md|png)", readme):
        assert (ROOT / path).exists(), path
    assert (ROOT / "docs" / "images" / "report.png").stat().st_size < 300_000
