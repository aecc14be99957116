"""Data integrity against a careless or hostile user (issue 13): each class of defect found,
with its example. Nothing is lost, nothing mixed, nothing executed, and bad input is one line.
The store's own defects (classes 1, 4, 5 and 9) are in tests/test_store_integrity.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from conftest import TINY_SCENARIO, TINY_SWEEP, invoke, one_line_error, snapshot
from sim.experiments import output
from sim.experiments.output import json_text, write_files
from sim.params.scenario import build_scenario


# 2. Plans too large to run are refused before any work starts.

def test_a_grid_of_ten_parameters_of_ten_levels_is_refused_before_it_is_built(tmp_path):
    keys = ["behaviour.search_quality", "behaviour.reciprocity", "contact_centre.first_contact_resolution",
            "behaviour.experience_learning_rate", "rewards.sensitivity_strong_share", "behaviour.topic_zipf",
            "behaviour.utility_forum", "behaviour.utility_contact", "behaviour.utility_social", "behaviour.weight_expertise"]
    spec = "\n".join(f'"{key}" = {{low = 0.0, high = 0.5, steps = 10}}' for key in keys)
    (tmp_path / "huge.toml").write_text(TINY_SCENARIO + "[sweep.parameters]\n" + spec + "\n")
    for args in (["validate", tmp_path / "huge.toml"], ["sweep", tmp_path / "huge.toml", "--out", tmp_path / "out"]):
        code, _, err = invoke(*args)
        one_line_error(code, err, "huge.toml")
        assert "10,000,000,000 points" in err
    assert not (tmp_path / "out").exists()


def test_a_model_too_large_for_memory_is_refused_naming_the_field_and_estimate(tmp_path, monkeypatch):
    (tmp_path / "big.toml").write_text(TINY_SCENARIO.replace("members = 150", "members = 20000000"))
    monkeypatch.setattr("sim.runner.available_memory", lambda: 8e9)
    for args in (["validate", tmp_path / "big.toml"], ["run", tmp_path / "big.toml", "--out", tmp_path / "out"]):
        code, _, err = invoke(*args)
        one_line_error(code, err, "population.members")
        assert "needs about 14." in err and "8.0 GB free" in err
    assert not (tmp_path / "out").exists()


def test_runs_side_by_side_count_against_memory_together(tmp_path, monkeypatch):
    from sim.runner import memory_estimate

    (tmp_path / "tiny.toml").write_text(TINY_SWEEP)
    need = memory_estimate(build_scenario({"population": {"members": 150}, "scenario": {"days": 4}}))
    monkeypatch.setattr("sim.runner.available_memory", lambda: 3.5 * need)
    code, _, err = invoke("sweep", tmp_path / "tiny.toml", "--out", tmp_path / "out", "--workers", "4")
    one_line_error(code, err, "population.members")
    assert "4 runs at once" in err and not (tmp_path / "out").exists()


# 3. Values that validate but could not be written are refused.

@pytest.mark.parametrize("setting", ["rewards.points.rank_thresholds=[50.0, inf]", "rewards.points.rank_thresholds=[50.0, nan]",
                                     "behaviour.search_quality=nan", "costs.contact=inf",
                                     'sweep.parameters={"behaviour.search_quality"=[0.1, nan]}',
                                     'sweep.parameters={"costs.contact"={low=0.0, high=inf}}'])
def test_non_finite_numbers_are_refused(setting, tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO)
    code, _, err = invoke("validate", tmp_path / "tiny.toml", "--set", setting)
    one_line_error(code, err, "tiny.toml")
    assert "finite" in err


@pytest.mark.parametrize("field", ["value = nan", "value = 0.5\nweight = inf", "value = 0.5\nscale = nan"])
def test_a_non_finite_calibration_target_is_refused_before_any_trial(field, tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_SWEEP)
    (tmp_path / "targets.toml").write_text(f'[[target]]\nkpi = "answer_rate_24h"\n{field}\n')
    code, _, err = invoke("calibrate", tmp_path / "tiny.toml", "--targets", tmp_path / "targets.toml",
                          "--out", tmp_path / "cal", "--workers", "1")
    one_line_error(code, err, "targets.toml")
    assert not (tmp_path / "cal").exists()


def test_a_non_finite_fact_is_refused(tmp_path):
    (tmp_path / "facts.toml").write_text('[[fact]]\nid = "x"\nscenario = "baseline"\nkpi = "answer_rate_24h"\n'
                                         'low = 0.1\nhigh = inf\nsource = "s"\nvalue = 0.5\n')
    one_line_error(*invoke("validate", "--facts", tmp_path / "facts.toml")[::2], "facts.toml")


def test_non_finite_results_are_written_as_null():
    assert json.loads(json_text({"a": float("inf"), "b": [float("-inf"), 1.0], "c": float("nan")})) == \
        {"a": None, "b": [None, 1.0], "c": None}


# 6. Nothing that is not ours is written over; temporary files of the dead are cleaned.

@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_report_onto_a_link_or_pipe_is_refused_untouched(store, kind):
    target = store.parent / "page.html"
    if kind == "symlink":
        (store.parent / "precious.txt").write_text("keep me")
        target.symlink_to(store.parent / "precious.txt")
    else:
        os.mkfifo(target)
    before = snapshot(store.parent)
    one_line_error(*invoke("report", store, "-o", target)[::2], "page.html")
    assert snapshot(store.parent) == before


def test_run_into_a_folder_whose_summary_is_a_link_is_refused_before_the_run(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "summary.json").symlink_to("/etc/hostname")
    one_line_error(*invoke("run", tmp_path / "tiny.toml", "--out", tmp_path / "out")[::2], "summary.json")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["summary.json"]


def test_stale_temporary_files_of_dead_writers_are_cleaned_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".a.csv.{output.HOST}-{dead.stdout.strip()}.abc123.tmp"
    live = tmp_path / f".a.csv.{output.HOST}-{os.getppid()}.def456.tmp"
    foreign = tmp_path / ".notes.tmp"
    for path in (stale, live, foreign):
        path.write_text("x")
    write_files([(tmp_path / "a.csv", lambda tmp: tmp.write_text("1"))])
    assert not stale.exists() and live.exists() and foreign.exists() and (tmp_path / "a.csv").read_text() == "1"


def test_a_writer_killed_mid_set_is_rolled_back_by_the_next_and_refused_by_report(tmp_path):
    """A kill between renames (here os._exit in a child, after the first of two) leaves the
    journal: the folder is refused for reading, and the next write restores the previous set
    first (the set's last file never landed, so the new set is not whole)."""
    old = {"a.txt": "old a", "summary.json": "{}"}
    for name, text in old.items():
        (tmp_path / name).write_text(text)
    child = f"""
import os, sys
from pathlib import Path
from sim.experiments import output
renames = []
def rename(tmp, path):
    os.replace(tmp, path)
    renames.append(path)
    if len(renames) == 1:
        os._exit(9)
output._rename = rename
out = Path({str(tmp_path)!r})
output.write_files([(out / "a.txt", lambda t: t.write_text("new a")), (out / "summary.json", lambda t: t.write_text("new"))])
"""
    assert subprocess.run([sys.executable, "-c", child]).returncode == 9
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / output.JOURNAL).exists()
    one_line_error(*invoke("report", tmp_path, "-o", tmp_path.parent / "r.html")[::2], "interrupted")
    write_files([(tmp_path / "other.txt", lambda tmp: tmp.write_text("x"))])
    assert {name: (tmp_path / name).read_text() for name in old} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "other.txt", "summary.json"]


def test_concurrent_writers_to_one_folder_never_mix_their_sets(tmp_path):
    """Two writers race to replace the same two-file set; at every moment the set read back
    is one writer's, whole (the folder lock serialises their commits)."""
    import threading
    import time

    def writer(tag: str) -> None:
        for _ in range(15):
            write_files([(tmp_path / "a.txt", lambda tmp: (time.sleep(0.001), tmp.write_text(tag))),
                         (tmp_path / "b.txt", lambda tmp: tmp.write_text(tag))])

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in ("first", "second")]
    for thread in threads:
        thread.start()
    seen = set()
    while any(thread.is_alive() for thread in threads):
        with output._locked(tmp_path):
            if (tmp_path / "b.txt").exists():
                seen.add(((tmp_path / "a.txt").read_text(), (tmp_path / "b.txt").read_text()))
    for thread in threads:
        thread.join()
    assert seen <= {("first", "first"), ("second", "second")} and len(seen) >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_planted_journal_cannot_reach_outside_its_folder(tmp_path):
    """A journal is honoured only for files inside its folder, reached without a link, and only
    when this user wrote it: a crafted one deletes nothing outside (here, through a link)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / "h").symlink_to(outside)
    (out / "mine.txt").write_text("keep too")
    (out / output.JOURNAL).write_text(json.dumps({"entries": [["h/victim.txt", None], ["../outside/victim.txt", None],
                                                              [str(outside / "victim.txt"), None]]}))
    write_files([(out / "a.txt", lambda tmp: tmp.write_text("1"))])
    assert (outside / "victim.txt").read_text() == "keep" and not (out / output.JOURNAL).exists()
    (out / output.JOURNAL).write_text(json.dumps({"entries": [["mine.txt", None]]}))
    os.chown(out / output.JOURNAL, 54321, 54321)  # another user's journal is not ours to follow
    write_files([(out / "a.txt", lambda tmp: tmp.write_text("2"))])
    assert (out / "mine.txt").read_text() == "keep too"


def test_a_pipe_in_a_run_folder_is_refused_not_read_for_ever(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO)
    assert invoke("run", tmp_path / "tiny.toml", "--out", tmp_path / "out")[0] == 0
    (tmp_path / "out" / "daily.parquet").unlink()
    os.mkfifo(tmp_path / "out" / "daily.parquet")
    one_line_error(*invoke("report", tmp_path / "out", "-o", tmp_path / "r.html")[::2], "daily.parquet")


@pytest.mark.parametrize("field,value", [("seed", "1e999"), ("seed", '"seven"'), ("kpis", "[]")])
def test_crafted_summary_values_are_one_line(tmp_path, field, value):
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO)
    assert invoke("run", tmp_path / "tiny.toml", "--out", tmp_path / "out")[0] == 0
    document = json.loads((tmp_path / "out" / "summary.json").read_text())
    text = json.dumps({**document, field: "PLACE"}).replace('"PLACE"', value)
    (tmp_path / "out" / "summary.json").write_text(text)
    one_line_error(*invoke("report", tmp_path / "out", "-o", tmp_path / "r.html")[::2], "out")


# 8. Operating-system errors and deep nesting are one line.

@pytest.mark.parametrize("make", ["dev_zero", "loop", "too_long", "deep_toml", "directory", "not_utf8"])
def test_unreadable_scenarios_are_one_line(make, tmp_path):
    path = {"dev_zero": "/dev/zero", "loop": tmp_path / "loop1", "too_long": tmp_path / ("a" * 300 + ".toml"),
            "deep_toml": tmp_path / "deep.toml", "directory": tmp_path, "not_utf8": tmp_path / "latin.toml"}[make]
    if make == "loop":
        (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
        (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "latin.toml").write_bytes(b'[scenario]\nname = "caf\xe9"\n')
    one_line_error(*invoke("run", path)[::2], str(path)[:40])


def test_a_deeply_nested_summary_is_one_line(tmp_path):
    (tmp_path / "summary.json").write_text('{"kpis": ' + "[" * 100_000 + "]" * 100_000 + "}")
    one_line_error(*invoke("report", tmp_path, "-o", tmp_path / "r.html")[::2], "summary.json")


def test_a_full_disk_is_one_line_exit_1_and_keeps_the_previous_results(tmp_path, monkeypatch):
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO)
    assert invoke("run", tmp_path / "tiny.toml", "--out", tmp_path / "out")[0] == 0
    before = snapshot(tmp_path / "out")

    def full(self, path, *args, **kwargs):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    code, _, err = invoke("run", tmp_path / "tiny.toml", "--out", tmp_path / "out", "--seed", "5")
    assert code == 1 and err.count("\n") == 1 and "No space left on device" in err, err
    assert snapshot(tmp_path / "out") == before


# 12. Small ones.

def test_control_characters_in_names_cannot_break_the_line(tmp_path):
    (tmp_path / "ctl.toml").write_text(TINY_SCENARIO.replace('"tiny"', '"evil\\u001b[31mred\\nline2\\u202e"'))
    code, out, _ = invoke("validate", tmp_path / "ctl.toml")
    assert code == 0 and out.count("\n") == 1 and "\x1b" not in out and "\u202e" not in out
    assert "evil\\x1b[31mred\\nline2\\u202e" in out


def test_serving_beyond_this_machine_warns_that_the_app_has_no_login(monkeypatch):
    served = []
    monkeypatch.setattr("sim.ui.app.serve", lambda *args, **kwargs: served.append(kwargs["host"]))
    code, _, err = invoke("app", "--host", "0.0.0.0")
    assert code == 0 and served == ["0.0.0.0"] and "warning:" in err and "no login" in err
    assert invoke("app")[2] == "" and served[-1] == "127.0.0.1"

