"""`community-sim report`: the HTML report of run, compare and sweep outputs, checked in
Debian's Chromium through Playwright (tests/browser.py), and its bad-input handling."""

from __future__ import annotations

import json
import re
import shutil
from types import SimpleNamespace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from browser import ARTIFACTS, check_report
from conftest import ROOT, SCENARIOS
from sim.cli import app
from sim.report.build import _sweep_headline

pytestmark = pytest.mark.slow  # real runs, a compare and a sweep, checked in Chromium

SMALL = ["--set", "population.members=1000", "--days", "30"]
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_STORY = "<img src=x onerror=alert(2)> & <b>bold</b>"
HOSTILE_CURRENCY = "<svg onload=alert(3)>"

def cli(*args):
    """The command line, in this process (a fresh interpreter per call costs seconds of imports);
    test_cli.py runs the installed console script itself."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return SimpleNamespace(returncode=result.exit_code, stderr=result.stderr, stdout=result.stdout)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """A real run (of a hostile-named scenario too), a compare and a small sweep, each reported."""
    base = tmp_path_factory.mktemp("report")
    hostile = base / "hostile.toml"  # staff answer everything, under a name, story and currency that are markup
    text = (SCENARIOS / "staff_answer_everything.toml").read_text()
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{HOSTILE_NAME}"', text, count=1)
    text = re.sub(r'(?m)^description = ".*"$', f'description = "{HOSTILE_STORY}"', text, count=1)
    hostile.write_text(text + f'\n[costs]\ncurrency = "{HOSTILE_CURRENCY}"\n')
    jobs = {
        "run": ["run", SCENARIOS / "baseline.toml", *SMALL, "--out", base / "run"],
        "hostile": ["run", hostile, *SMALL, "--out", base / "hostile"],
        "compare": ["compare", SCENARIOS / "baseline.toml", hostile, *SMALL,
                    "--replicates", "2", "--workers", "2", "--out", base / "compare"],
        "sweep": ["sweep", SCENARIOS / "baseline.toml", "--set", "population.members=600", "--days", "20",
                  "--replicates", "2", "--workers", "2", "--out", base / "sweep"],
    }
    folders = {}
    for name, args in jobs.items():
        done = cli(*args)
        assert done.returncode == 0, done.stderr
        folders[name] = args[-1]
        done = cli("report", args[-1], "-o", base / f"{name}.html")
        assert done.returncode == 0, done.stderr
    return {name: base / f"{name}.html" for name in jobs} | {f"{n}_folder": f for n, f in folders.items()}


def _scope_of(folder: Path, kind: str) -> str:
    """The header's line as the output folder itself gives it: members and days from the
    resolved scenario the run wrote, never from the scenario file's prose."""
    if kind == "run":
        summary = json.loads((folder / "summary.json").read_text())
        return (f"{summary['scenario']['population']['members']:,} members \u00b7 {summary['kpis']['days']:,.0f} days "
                f"\u00b7 1 run \u00b7 seed {summary['seed']}")
    if kind == "compare":
        document = json.loads((folder / "compare.json").read_text())
        scenario = document["scenarios"]["b"]
        return (f"{scenario['population']['members']:,} members \u00b7 {scenario['scenario']['days']:,} days \u00b7 "
                f"{document['replicates']} paired replicates")
    document = json.loads((folder / "sweep.json").read_text())
    return (f"{document['scenario']['population']['members']:,} members \u00b7 {document['scenario']['scenario']['days']:,} "
            f"days \u00b7 {document['runs']} runs, {document['replicates']} replicates per point")


@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.parametrize("kind, figures", [("run", 5), ("compare", 4), ("sweep", 4)])
def test_report_renders_every_figure_in_a_real_browser(outputs, kind, figures, width):
    shot = ARTIFACTS / f"report-{kind}-{width}.png"
    check = check_report(outputs[kind], screenshot=shot, width=width)
    assert check.console_errors == []
    assert check.dialogs == []
    assert check.outside_requests == [], "the report must work offline (no CDN)"
    assert check.figures >= figures
    assert check.drawn == check.figures, f"only {check.drawn} of {check.figures} figures drew their SVG"
    assert check.overflow == 0, f"the page scrolls {check.overflow} px sideways at {width} px"
    assert check.narrowest >= (180 if width == 390 else 600), "every plot keeps a readable width"
    assert check.scope.startswith(_scope_of(outputs[f"{kind}_folder"], kind)), check.scope
    assert shot.stat().st_size > 10_000
    if kind == "compare":  # B is the scenario named <script>alert(1)</script>: text, never run
        assert HOSTILE_NAME in check.heading


def test_shares_and_counts_are_drawn_from_zero_and_the_lorenz_curve_fills_its_square(outputs):
    check = check_report(outputs["run"])
    by_title = {figure["title"]: figure["axes"] for figure in check.axes}
    lorenz = next(axes for title, axes in by_title.items() if title.startswith("Who writes the answers"))
    assert lorenz["xaxis"] == [0, 1] and lorenz["yaxis"] == [0, 1], lorenz
    series = next(axes for title, axes in by_title.items() if title.startswith("KPIs by day"))
    lows = {name: span[0] for name, span in series.items() if name.startswith("yaxis")}
    assert len(lows) == 5 and all(low <= 0 for low in lows.values()), lows


def test_a_cdn_report_is_light_and_draws_with_plotly_from_the_cdn(outputs, tmp_path):
    done = cli("report", outputs["run_folder"], "-o", tmp_path / "mail.html", "--plotly", "cdn")
    assert done.returncode == 0, done.stderr
    light, embedded = (tmp_path / "mail.html").stat().st_size, outputs["run"].stat().st_size
    assert light < 500_000 < 4_000_000 < embedded
    check = check_report(tmp_path / "mail.html", serve_cdn=True)
    assert len(check.cdn_requests) == 1 and check.outside_requests == []
    assert check.drawn == check.figures == 5
    done = cli("report", outputs["run_folder"], "-o", tmp_path / "x.html", "--plotly", "jsdelivr")
    assert done.returncode == 2 and not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("kind", ["hostile", "compare"])
def test_scenario_text_is_escaped_so_no_script_runs(outputs, kind):
    """The compare report of the hostile scenario also went through the browser above."""
    if kind == "hostile":
        check = check_report(outputs[kind])
        assert check.dialogs == [] and check.console_errors == []
        assert check.heading == HOSTILE_NAME  # shown as text, not run as code
    page = outputs[kind].read_text()
    for markup in (HOSTILE_NAME, "<img src=x", HOSTILE_CURRENCY):
        assert markup not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;svg onload=alert(3)&gt;" in page


def test_report_is_one_self_contained_file(outputs):
    page = outputs["run"].read_text()
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page), "nothing is loaded from outside the file"
    assert page.count("Plotly.newPlot") == 5
    for sentence in ("Bottom line.", "of forum questions were answered within 24 hours", "without a paid channel",
                     "per issue), repeat calls and pile-up onlookers included", "One assisted contact costs", "waited less than this",
                     "the published range"):
        assert sentence in page
    settings = page.split('<details class="settings">', 1)[1]
    differs = settings.split("<details>", 1)[0]
    assert "<td>population.members</td><td>1000</td><td>10000</td>" in differs, "the default beside the run's value"
    assert "<td>behaviour.search_quality</td>" not in differs, "left at its default: only in the full table"
    assert "<td>behaviour.search_quality</td>" in settings


def test_compare_report_states_the_paired_differences(outputs):
    page = outputs["compare"].read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; compared with baseline" in page
    assert "raises questions answered within 24 h by" in page  # the baseline leaves room to move (MODEL.md §5.2)
    assert "change median time to first answer" in page or "lowers median time to first answer by" in page
    differs = page.split("What the scenarios differ in", 1)[1].split("<details", 1)[0]
    assert "<td>policy.forum.kind</td><td>none</td><td>immediate</td>" in differs
    assert "<td>population.members</td>" not in differs  # the same in both
    assert "paired replicates on common seeds" in page


def test_default_output_goes_into_the_folder(outputs, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(outputs["run_folder"], folder)
    done = cli("report", folder)
    assert done.returncode == 0, done.stderr
    assert (folder / "report.html").stat().st_size > 1_000_000  # plotly.js is embedded


def _copy(source: Path, target: Path, damage) -> Path:
    shutil.copytree(source, target)
    damage(target)
    return target


@pytest.mark.parametrize("name, damage, message", [
    ("run_folder", lambda f: pd.DataFrame({"x": [1]}).to_parquet(f / "daily.parquet"), "daily.parquet: day: missing column"),
    ("run_folder", lambda f: (f / "daily.parquet").write_bytes(b"torn"), "daily.parquet: cannot be read as a table"),
    ("run_folder", lambda f: (f / "daily.parquet").unlink(), "daily.parquet: missing"),
    ("run_folder", lambda f: (f / "summary.json").write_text('{"kpis": {}, "scenario": {}, "seed": 1, "version": "x"}'),
     "not a complete community-sim output (KeyError"),
    ("compare_folder", lambda f: (f / "paired.csv").write_text(""), "paired.csv: cannot be read as a table"),
    ("sweep_folder", lambda f: (f / "sweep.json").unlink(), "sweep.json: missing"),
])
def test_damaged_outputs_are_bad_input(outputs, tmp_path, name, damage, message):
    folder = _copy(outputs[name], tmp_path / "damaged", damage)
    done = cli("report", folder, "-o", tmp_path / "out.html")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.html").exists()


def test_a_kpi_undefined_across_a_sweep_gets_no_headline():
    runs = pd.DataFrame({"behaviour.search_quality": [0.4, 0.8], "answer_rate_24h": [float("nan")] * 2,
                         "deflection_rate": [0.3, 0.5]})
    assert _sweep_headline(runs, ["behaviour.search_quality"], "answer_rate_24h", "$") is None
    line = _sweep_headline(runs, ["behaviour.search_quality"], "deflection_rate", "$")
    assert line.value == "30.0% to 50.0%" and "(behaviour.search_quality = 0.8)" in line.sentence


@pytest.mark.parametrize("setup, message", [
    (lambda p: p, "no such folder"),
    (lambda p: (p.mkdir(), (p / "notes.txt").write_text("hello"))[0] or p, "not a community-sim output"),
    (lambda p: (p.mkdir(), (p / "summary.json").write_text('{"answer": 42}'))[0] or p, "summary.json: kpis: missing"),
    (lambda p: (p.mkdir(), (p / "summary.json").write_text("{not json"))[0] or p, "cannot be read as JSON"),
])
def test_missing_or_foreign_folder_is_bad_input(tmp_path, setup, message):
    folder = setup(tmp_path / "input")
    done = cli("report", folder, "-o", tmp_path / "out.html")
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.html").exists()
