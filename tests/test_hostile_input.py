"""Property-based: generated hostile scenario files, --set strings, targets and facts files, and
damaged or crafted result folders, each put to the command line. The contract, for every one:
exit 0, or exit 2 with exactly one line that names the file; never a traceback; nothing written
or changed on refusal; and no text from a file reaches a report page unescaped.

At a fixed seed (derandomised), 200 examples per input kind run in the fast tier; the slow tier
runs a larger profile of the same properties. Result folders: tests/test_hostile_folders.py."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TINY_SCENARIO, TINY_SWEEP, invoke, snapshot
from sim.measures.registry import KPIS
from sim.params.schema import Scenario, _leaf_paths, field_at

# examples per input kind: the fast tier's 200, and the slow tier's larger profile
PROFILES = [pytest.param(200, id="200"), pytest.param(800, id="800", marks=pytest.mark.slow)]
PAYLOAD = '<img src=x onerror=alert(1)><script>alert(2)</script>'
PATHS = _leaf_paths(Scenario)


OUTCOMES: Counter = Counter()


def run_property(examples: int, strategy, check) -> None:
    """`check` on `examples` values of `strategy`, at a fixed seed; the examples must include
    both accepted and refused inputs, or the property would prove little."""
    OUTCOMES.clear()
    test = settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))(given(strategy)(check))
    test()
    print(dict(OUTCOMES))
    assert OUTCOMES[0] >= examples // 50 and OUTCOMES[2] >= examples // 50, OUTCOMES


def toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string (a lone surrogate makes bad TOML: fine)


def toml_float(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)


SCALARS = st.one_of(
    st.integers(-2**70, 2**70).map(str), st.floats().map(toml_float), st.sampled_from(["true", "false"]),
    st.sampled_from(["nan", "-inf", "+inf", "1e400", "-0.0", "0x7fffffffffffffff", "1979-05-27T07:32:00Z",
                     '""', "''", "[]", "{}"]),
    st.text(max_size=20).map(toml_string), st.just(toml_string(PAYLOAD)),
    st.sampled_from(["\x1b[31m", "a\nb", "\u202e", "__import__('os').system('id')", "$(id)"]).map(toml_string))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(lambda items: f"[{', '.join(items)}]"),
    st.dictionaries(st.sampled_from(["low", "high", "steps", "x", "kind"]), inner, max_size=3).map(
        lambda table: "{" + ", ".join(f"{k} = {v}" for k, v in table.items()) + "}")), max_leaves=6)
DEEP = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)
KEYS = st.one_of(st.sampled_from(PATHS), st.sampled_from(PATHS).map(lambda p: p + "x"),
                 st.from_regex(r"[a-z_]{1,12}(\.[a-z_0-9]{1,12}){0,3}", fullmatch=True),
                 st.sampled_from(["launches.0.day", "launches.5.day", "sweep.parameters", "scenario.seed",
                                  "sweep.replicates", "population", "rewards.points"]))


def toml_lines(pairs: list[tuple[str, str]]) -> str:
    """TOML text assigning each dotted key (the first part as a table header)."""
    lines = []
    for key, value in pairs:
        section, _, rest = key.partition(".")
        lines.append(f"[{section}]\n{json.dumps(rest)} = {value}" if rest else f"{json.dumps(section)} = {value}")
    return "\n".join(lines) + "\n"


def assert_contract(code: int, out: str, err: str, names: tuple[str, ...]) -> None:
    OUTCOMES[code] += 1
    assert "Traceback" not in out + err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("error: "), err
        assert any(name in err for name in names), err


def _plausible(path: str) -> st.SearchStrategy[str]:
    """Values a field might well take: its default, or for a number one from its range."""
    field = field_at(path)
    bounds = {name.title(): getattr(m, name) for m in field.metadata for name in ("ge", "gt", "le", "lt")
              if hasattr(m, name)}
    default = field.default_factory() if field.default_factory else field.default
    literal = st.just(json.dumps(default) if isinstance(default, (str, list)) else str(default).lower())
    if field.annotation is float:
        low, high = bounds.get("Ge", bounds.get("Gt", -100.0)), bounds.get("Le", bounds.get("Lt", 100.0))
        return st.one_of(literal, st.floats(low, min(high, 1e6)).map(repr))
    if field.annotation is int:
        low, high = bounds.get("Ge", bounds.get("Gt", -100)), bounds.get("Le", bounds.get("Lt", 100))
        return st.one_of(literal, st.integers(int(low), int(min(high, 1000))).map(str))
    return literal


SCALAR_PATHS = [p for p in PATHS if not p.startswith(("sweep", "launches", "scenario.seed"))]
PLAUSIBLE_SETTINGS = st.sampled_from(SCALAR_PATHS).flatmap(lambda p: _plausible(p).map(lambda v: f"{p}={v}"))
SCENARIO_FILES = st.one_of(
    st.lists(st.tuples(KEYS, st.one_of(VALUES, DEEP)), max_size=6).map(lambda pairs: toml_lines(pairs).encode()),
    st.binary(max_size=200), st.text(max_size=200).map(str.encode),
    st.lists(st.tuples(st.sampled_from(PATHS), SCALARS), min_size=1, max_size=3).map(
        lambda pairs: (TINY_SCENARIO + "\n" + toml_lines(pairs)).encode()),
    st.lists(PLAUSIBLE_SETTINGS.map(lambda setting: tuple(setting.split("=", 1))), min_size=1, max_size=4).map(
        lambda pairs: toml_lines(pairs).encode()))


@pytest.mark.parametrize("examples", PROFILES)
def test_hostile_scenario_files(examples, workdir):
    def check(content: bytes) -> None:
        path = workdir / "scenario.toml"
        path.write_bytes(content)
        before = snapshot(workdir)
        code, out, err = invoke("validate", path)
        assert_contract(code, out, err, (str(path),))
        assert snapshot(workdir) == before
        if code == 0:  # what validates also runs and is written (on a small copy of it)
            code, out, err = invoke("run", path, "--set", "population.members=60", "--days", "1",
                                    "--out", workdir / "out")
            assert_contract(code, out, err, (str(path), "--set"))
            if code == 0:
                json.loads((workdir / "out" / "summary.json").read_text())
            shutil.rmtree(workdir / "out", ignore_errors=True)

    run_property(examples, SCENARIO_FILES, check)


SETTINGS = st.one_of(st.tuples(KEYS, st.sampled_from(["=", " = ", "==", ""]), st.one_of(VALUES, DEEP)).map("".join),
                     st.text(max_size=40), PLAUSIBLE_SETTINGS, PLAUSIBLE_SETTINGS)


@pytest.mark.parametrize("examples", PROFILES)
def test_hostile_set_strings(examples, workdir):
    scenario = workdir / "tiny.toml"
    scenario.write_text(TINY_SCENARIO)

    def check(pairs: list[str]) -> None:
        before = snapshot(workdir)
        code, out, err = invoke("validate", scenario, *[arg for pair in pairs for arg in ("--set", pair)])
        assert_contract(code, out, err, (str(scenario), "--set"))
        assert snapshot(workdir) == before

    run_property(examples, st.lists(SETTINGS, min_size=1, max_size=3), check)


TARGET_KEYS = st.sampled_from(["kpi", "value", "weight", "scale", "extra"])
KPI_NAMES = st.one_of(st.sampled_from(sorted(KPIS)).map(toml_string), VALUES)
FINITE = st.floats(-10, 10).map(repr)
PLAUSIBLE_TARGETS = st.lists(st.fixed_dictionaries(
    {"kpi": st.sampled_from(sorted(KPIS)).map(toml_string), "value": FINITE},
    optional={"weight": st.floats(0, 5).map(repr), "scale": st.floats(0.01, 5).map(repr)}), min_size=1, max_size=3).map(
    lambda targets: "".join("[[target]]\n" + "".join(f"{k} = {v}\n" for k, v in t.items()) for t in targets))
PLAUSIBLE_FACTS = st.lists(st.fixed_dictionaries(
    {"id": st.text(max_size=10).map(toml_string), "scenario": st.sampled_from(['"baseline"', '"stack_overflow_like"']),
     "kpi": st.sampled_from(sorted(KPIS)).map(toml_string), "low": st.just("0.0"), "high": FINITE,
     "source": st.just(toml_string(PAYLOAD)), "value": FINITE,
     "role": st.sampled_from(['"calibrate"', '"validate"'])}), min_size=1, max_size=3).map(
    lambda facts: "".join("[[fact]]\n" + "".join(f"{k} = {v}\n" for k, v in f.items()) for f in facts))
TARGETS = st.tuples(
    st.lists(st.dictionaries(TARGET_KEYS, st.one_of(KPI_NAMES, VALUES), max_size=5), max_size=3),
    st.lists(st.tuples(st.sampled_from(PATHS[4:]), VALUES), max_size=2)).map(
    lambda parts: "".join("[[target]]\n" + "".join(f"{k} = {v}\n" for k, v in t.items()) for t in parts[0])
    + ("[parameters]\n" + "".join(f"{json.dumps(k)} = {v}\n" for k, v in parts[1]) if parts[1] else ""))
FACT_KEYS = st.sampled_from(["id", "scenario", "kpi", "low", "high", "source", "value", "baseline_scenario",
                             "relative_change", "role", "definition"])
FACTS = st.lists(st.dictionaries(FACT_KEYS, st.one_of(VALUES, st.sampled_from(
    ['"baseline"', '"../baseline"', '"/etc/passwd"', '"answer_rate_24h"', '"validate"'])), max_size=11), max_size=3).map(
    lambda facts: "".join("[[fact]]\n" + "".join(f"{k} = {v}\n" for k, v in f.items()) for f in facts))


@pytest.mark.parametrize("examples", PROFILES)
@pytest.mark.parametrize("kind", ["targets", "facts"])
def test_hostile_targets_and_facts_files(examples, kind, workdir):
    scenario = workdir / "tiny.toml"
    scenario.write_text(TINY_SWEEP)

    def check(text: str) -> None:
        path = workdir / f"{kind}.toml"
        path.write_text(text)
        before = snapshot(workdir)
        args = ("validate", scenario, "--targets", path) if kind == "targets" else ("validate", "--facts", path)
        code, out, err = invoke(*args)
        assert_contract(code, out, err, (str(path), str(scenario)))
        assert snapshot(workdir) == before

    hostile, plausible = (TARGETS, PLAUSIBLE_TARGETS) if kind == "targets" else (FACTS, PLAUSIBLE_FACTS)
    run_property(examples, st.one_of(hostile, plausible, st.text(max_size=100)), check)
