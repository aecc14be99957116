"""What the KPI verbs print: --json is one document on stdout and nothing else, --quiet prints
nothing but errors, progress into a file is a few plain lines, and KPI tables give each KPI's
label, key and unit. Tiny runs (300 members, a few days) keep these fast."""

from __future__ import annotations

import importlib
import io
import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.cli.support import say_json
from sim.experiments.executors import progress_bar
from sim.experiments.roi import MEASURES
from sim.measures.registry import HEADLINE_KPIS, KPIS, kpi_label, kpi_table

from conftest import SCENARIOS

runner = CliRunner()
SMALL = ["--set", "population.members=300", "--days", "5"]
PAIRED = [*SMALL, "--replicates", "2", "--workers", "1"]
BASELINE = str(SCENARIOS / "baseline.toml")
VERBS = {
    "run": (["run", BASELINE, *SMALL], set(KPIS)),
    "compare": (["compare", BASELINE, str(SCENARIOS / "community_first.toml"), *PAIRED], set(KPIS)),
    "roi": (["roi", str(SCENARIOS / "lenovo_community.toml"), *PAIRED], set(MEASURES)),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A sweep store of one run per level (so no level has an interval)."""
    out = tmp_path_factory.mktemp("store") / "sweep"
    done = runner.invoke(app, ["sweep", BASELINE, "--out", str(out), "--replicates", "1", "--workers", "1", *SMALL])
    assert done.exit_code == 0, done.output
    return out


def invocation(verb: str, store) -> tuple[list[str], set[str]]:
    return (["results", str(store)], set(HEADLINE_KPIS)) if verb == "results" else VERBS[verb]


@pytest.mark.parametrize("verb", [*VERBS, "results"])
def test_json_is_one_document_of_the_kpis_on_stdout(verb, store):
    args, keys = invocation(verb, store)
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # the whole of stdout: nothing else is printed there
    assert set(document["kpis"]) == keys


@pytest.mark.parametrize("verb", [*VERBS, "results"])
def test_quiet_prints_nothing(verb, store):
    args, _ = invocation(verb, store)
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == "", result.output


def test_quiet_still_prints_errors(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "missing.toml"), "--quiet"])
    assert result.exit_code == 2 and result.stdout == "" and "file not found" in result.stderr


def test_json_with_dry_run_is_refused():
    args, _ = VERBS["compare"]
    result = runner.invoke(app, [*args, "--json", "--dry-run"])
    assert result.exit_code == 2 and result.stdout == "" and "--dry-run" in result.stderr


def test_results_query_as_json(store):
    result = runner.invoke(app, ["results", str(store), "--json", "--query", "SELECT replicate, seed FROM runs"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["rows"]) == 6  # the grid's 3 x 2 levels, one run each


def test_json_has_null_for_numbers_json_cannot_hold(capsys):
    say_json({"kpis": {"nan": float("nan"), "inf": np.float64("inf"), "small": np.float32("nan"),
                       "count": np.int64(3), "array": np.array([1.5, np.nan])}})
    assert json.loads(capsys.readouterr().out) == {"kpis": {"nan": None, "inf": None, "small": None, "count": 3,
                                                           "array": [1.5, None]}}


def test_progress_into_a_file_is_a_few_plain_lines(tmp_path, monkeypatch):
    log = (tmp_path / "stderr.log").open("w")
    monkeypatch.setattr("sys.stderr", log)
    with progress_bar(120, "baseline", unit="day") as tick:
        for _ in range(120):
            tick()
    log.close()
    text = (tmp_path / "stderr.log").read_text()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == 4, text
    for line, (done, share) in zip(lines, ((30, 25), (60, 50), (90, 75), (120, 100))):
        left = r", about \d\d:\d\d left" if share < 100 else ""
        assert re.fullmatch(rf"baseline: {done} of 120 days \({share}%\) in \d\d:\d\d{left}", line), line


def test_progress_on_a_terminal_is_a_bar(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress_bar(120, "baseline", unit="day") as tick:
        for _ in range(120):
            tick()
    assert "\r" in terminal.getvalue() and "120/120" in terminal.getvalue()


def test_run_progress_uses_the_plain_lines_when_stderr_is_no_terminal(monkeypatch):
    monkeypatch.setattr(importlib.import_module("sim.cli.main"), "RUN_PROGRESS_DELAY", 0.0)
    result = runner.invoke(app, ["run", BASELINE, "--set", "population.members=300", "--days", "8"])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.stderr and len(result.stderr.splitlines()) == 4
    assert result.stderr.splitlines()[-1].startswith("baseline: 8 of 8 days (100%)")


def test_kpi_table_gives_label_key_and_unit():
    lines = kpi_table({"answer_rate_24h": 0.452, "cost_total": 1234.5, "median_hours_to_first_answer": 3.1,
                       "customers_lost_to_service": 2.0}, "€")
    row = {key: next(line for line in lines if f" {key} " in line) for key in
           ("answer_rate_24h", "cost_total", "median_hours_to_first_answer", "customers_lost_to_service")}
    assert row["answer_rate_24h"].startswith("  Questions answered within 24 h ")
    assert row["answer_rate_24h"].endswith(" 45.2 %")
    assert row["cost_total"].endswith("€1,234.50") and row["median_hours_to_first_answer"].endswith("3.10 h")
    wrapped = lines[lines.index(row["customers_lost_to_service"]) + 1]  # a long label goes on below
    assert row["customers_lost_to_service"].startswith("  Customers lost to service") and \
        wrapped.strip() in kpi_label("customers_lost_to_service") and "customers_lost_to_service" not in wrapped
    columns = {line.index(f"  {key} ") for line in lines for key in KPIS if f"  {key} " in line}
    assert len(columns) == 1, "every key starts in the same column"


def test_compare_table_gives_label_key_and_units():
    args, _ = VERBS["compare"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if " answer_rate_24h " in line)
    assert line.strip().startswith(kpi_label("answer_rate_24h")) and line.count("%") == 2 and " points " in line
    money = next(line for line in result.stdout.splitlines() if " cost_per_issue " in line)
    assert money.count("$") >= 3, money


def test_results_of_one_run_per_level_show_values_without_an_interval(store):
    result = runner.invoke(app, ["results", str(store), "--kpi", "answer_rate_24h"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["KPI", "key"] and lines[1].strip().startswith(kpi_label("answer_rate_24h"))
    values = lines[1:]
    assert len(values) == 6 and all(line.rstrip().endswith("%") for line in values), result.stdout
    assert "n/a" not in result.stdout and "[" not in result.stdout
