"""The package is layered: each layer imports only itself and the layers below it, and no
module imports, directly or through others, itself. docs/MODEL.md takes its step order from
sim/schedule.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sim.schedule import DAY_END, DAY_START, HOURLY

from conftest import ROOT

PACKAGE = ROOT / "sim"
# lowest first; a module may import its own layer and any layer before it
LAYERS = ("params", "state", "rules", "levers", "measures", "agents", "model", "ovation", "experiments",
          "report", "ui", "cli")
MODEL_LAYER = {"schedule", "model", "runner"}  # sim/<name>.py files of the model layer


def layer_of(module: str) -> str | None:
    """The layer of a module named `sim.x.y` (None for the package itself)."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    top = parts[1]
    if top in MODEL_LAYER:
        return "model"
    return "cli" if top == "__main__" else top


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every sim module a file imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "sim"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sim":
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names
                      if (PACKAGE.parent / f"{node.module}.{alias.name}".replace(".", "/")).with_suffix(".py").exists()
                      or (PACKAGE.parent / f"{node.module}.{alias.name}".replace(".", "/")).is_dir()}
    return found


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_is_in_a_layer():
    assert {layer_of(name) for name in MODULES} - {None} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    own = layer_of(module)
    if own is None:
        return
    for imported in imports_of(MODULES[module]):
        other = layer_of(imported)
        if other is None:
            continue
        assert LAYERS.index(other) <= LAYERS.index(own), f"{module} ({own}) imports {imported} ({other})"


def test_the_rules_called_out_by_name_hold():
    """ui never imports cli; rules never import levers or experiments."""
    for module, path in MODULES.items():
        targets = {layer_of(m) for m in imports_of(path)}
        if layer_of(module) == "ui":
            assert "cli" not in targets, module
        if layer_of(module) == "rules":
            assert not targets & {"levers", "experiments"}, module


def test_no_module_imports_itself_through_others():
    graph = {name: {m for m in imports_of(path) if m in MODULES and m != name} for name, path in MODULES.items()}
    done, active = set(), []

    def visit(name):
        if name in active:
            raise AssertionError("import cycle: " + " -> ".join(active[active.index(name):] + [name]))
        if name in done:
            return
        active.append(name)
        for other in graph[name]:
            visit(other)
        active.pop()
        done.add(name)

    for name in graph:
        visit(name)


STEP = re.compile(r"^\d+\. `([a-z_]+)`")


def documented_schedule() -> dict[str, list[str]]:
    """The numbered steps under each of MODEL.md's three schedule headings."""
    lists, current = {}, None
    for line in (ROOT / "docs" / "MODEL.md").read_text().splitlines():
        if heading := re.match(r"^\*\*(Day start|Every hour|Day end)\*\*", line):
            current = heading.group(1)
            lists[current] = []
        elif current and (step := STEP.match(line)):
            lists[current].append(step.group(1))
        elif current and line.startswith("#"):
            current = None
    return lists


def test_model_md_lists_the_schedule_in_order():
    documented = documented_schedule()
    assert documented == {"Day start": [s.name for s in DAY_START], "Every hour": [s.name for s in HOURLY],
                          "Day end": [s.name for s in DAY_END]}


def test_every_step_says_what_it_reads_and_changes():
    for step in DAY_START + HOURLY + DAY_END:
        doc = step.rule.__doc__ or ""
        assert "Changes" in doc, f"{step.name}: its docstring should say what it changes"
