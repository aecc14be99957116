"""The command line end to end: outputs, overrides, exit codes, nothing written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

from conftest import SCENARIOS

pytestmark = pytest.mark.slow  # the installed command, one fresh interpreter per case

runner = CliRunner()
BASELINE = str(SCENARIOS / "baseline.toml")


def test_run_writes_summary_parquet_and_csv(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", BASELINE, "--days", "10", "--seed", "3",
                                 "--set", "population.members=800", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "answer_rate_24h" in result.output and "cost_per_issue" in result.output
    document = json.loads((out / "summary.json").read_text())
    assert set(document) == {"kpis", "scenario", "seed", "version", "model"}
    assert document["seed"] == 3 and document["scenario"]["population"]["members"] == 800
    assert document["scenario"]["scenario"]["days"] == 10
    for key in ("answer_rate_24h", "answer_rate_ever", "median_hours_to_first_answer", "solution_rate",
                "deflection_rate", "self_service_rate", "assisted_contacts", "cost_total",
                "cost_per_issue", "top1_answer_share", "top10_answer_share", "gini_answers",
                "lurker_share", "superuser_share", "superusers_active", "members_active"):
        assert key in document["kpis"]
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 10 and daily["day"].tolist() == list(range(1, 11))
    pd.testing.assert_frame_equal(daily, pd.read_csv(out / "daily.csv"), check_dtype=False)
    members = pd.read_parquet(out / "members.parquet")
    assert members.answers.sum() == document["kpis"]["answers"]  # volunteer answers, one row per member
    assert members.alive.sum() == document["kpis"]["members_now"]
    assert set(members.role) <= {"reader", "responder", "superuser"}
    assert not list(out.glob(".*tmp"))


def test_same_seed_same_files(tmp_path):
    docs = []
    for name in ("a", "b"):
        runner.invoke(app, ["run", BASELINE, "--days", "5", "--set", "population.members=500",
                            "--out", str(tmp_path / name)])
        docs.append(json.loads((tmp_path / name / "summary.json").read_text()))
    assert docs[0] == docs[1] and docs[0]["seed"] == 42


@pytest.mark.parametrize("args, fragment", [
    (["--set", "population.members=-5"], "population.members"),
    (["--set", "behaviour.serch_quality=0.5"], "did you mean 'search_quality'"),
    (["--set", "population.members"], "expected key=value"),
    (["--days", "0"], "scenario.days"),
])
def test_bad_overrides_exit_2_and_write_nothing(tmp_path, args, fragment):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", BASELINE, *args, "--out", str(out)])
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("content, fragment", [
    ("[population]\nmembers = 'ten'\n", "population.members"),
    ("[population]\nmembers = 10\nfoo = 1\n", "population.foo: unknown key"),
    ("[behaviour]\npatience_hours = -1.0\n", "behaviour.patience_hours"),
    ("[population\n", "invalid TOML"),
    ("[policy.forum]\nkind = 'sometimes'\n", "policy.forum.kind: Input should be 'none', 'immediate'"),
    ("[policy.social]\nkind = 'shout_back'\n", "policy.social.kind"),
    ("[policy.forum]\nkind = 'sla'\nstaff_hours_per_day = -2.0\n", "policy.forum.staff_hours_per_day"),
    ("[policy.social]\nteam_hours_per_day = -1.0\n", "policy.social.team_hours_per_day"),
    ("[rewards.badges]\nenabled = true\nthresholds = [1, 10, 5]\n", "rewards.badges.thresholds: must increase"),
    ("[rewards.points]\nrank_thresholds = [100.0, 100.0]\n", "rewards.points.rank_thresholds: must increase"),
    ("[rewards.pay]\nper_acepted = 2.0\n", "did you mean 'per_accepted'"),
    ("[rewards]\nsensitivity_strong_share = 0.7\nsensitivity_unaffected_share = 0.5\n", "cannot exceed 1"),
    ("[policy]\nforum = 'immediate'\n", "policy.forum"),
    ("[[launches]]\nday = 10\nnew_topic = 5\n", "launches.0.new_topic: unknown key; did you mean 'new_topics'"),
])
def test_bad_files_exit_2_with_one_line(tmp_path, content, fragment):
    bad = tmp_path / "bad.toml"
    bad.write_text(content)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(bad), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and fragment in lines[0]
    assert not out.exists()


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_validate_reports_each_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[behaviour]\nsearch_quality = 2.0\n")
    good = runner.invoke(app, ["validate", *map(str, sorted(SCENARIOS.glob("*.toml")))])
    assert good.exit_code == 0 and good.output.count("ok:") == len(list(SCENARIOS.glob("*.toml")))
    mixed = runner.invoke(app, ["validate", BASELINE, str(bad)])
    assert mixed.exit_code == 2 and "ok:" in mixed.output and "behaviour.search_quality" in mixed.output


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "community-sim"
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip()


@pytest.mark.parametrize("args, fragment", [
    (["run", BASELINE, "--seed", "abc"], "'--seed'"),
    (["run"], "Missing argument"),
    (["bogus"], "No such command"),
    (["run", BASELINE, "--seed", str(2**64)], "--seed"),
])
def test_usage_errors_are_one_line_exit_2(args, fragment):
    proc = subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr


def test_unusable_out_is_refused_before_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for out in (blocker, blocker / "sub"):
        result = runner.invoke(app, ["run", BASELINE, "--out", str(out)])
        assert result.exit_code == 2 and "--out" in result.output
    assert blocker.read_text() == "x"


def test_file_with_byte_order_mark_loads(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeff[population]\nmembers = 300\n".encode("utf-8"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0 and "300 members" in result.output
