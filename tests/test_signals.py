"""Stopping a command from outside: Ctrl-C and SIGTERM (a batch scheduler ending the job, or
`timeout`) stop it with one line, keep what finished and say how to resume; no worker process
is left computing, even when the parent is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # real processes, real signals

CLI = Path(sys.executable).parent / "community-sim"
SCENARIO = """[scenario]
name = "busy"
days = 365
[population]
members = 30000
[sweep]
replicates = 8
[sweep.parameters]
"behaviour.search_quality" = [0.3, 0.6]
"""


def children(pid: int) -> set[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pids: set[int]) -> set[int]:
    found = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.add(pid)
    return found


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, set[int]]:
    """A command with two pool workers, once both are busy; returns it and its children."""
    (tmp_path / "busy.toml").write_text(SCENARIO)
    process = subprocess.Popen([str(CLI), *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 3 and time.monotonic() < deadline:  # two workers and the resource tracker
        time.sleep(0.1)
    time.sleep(3.0)  # the workers load the compiled rules and finish a run or two
    found = children(process.pid)
    assert len(found) >= 2 and process.poll() is None, process.communicate()
    return process, found


def gone_within(pids: set[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pids)


SWEEP = ("sweep", "busy.toml", "--out", "store", "--workers", "2")


def test_ctrl_c_keeps_finished_runs_says_how_to_resume_and_resumes(tmp_path):
    process, workers = start(tmp_path, *SWEEP)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and "run/s" not in line
             and "?run" not in line]
    assert "Traceback" not in err and lines[-1:] == [
        "interrupted (Ctrl-C): finished work is kept in store; run the same command again to resume"], err
    assert gone_within(workers, 10)
    stored = len(pd.read_parquet(tmp_path / "store" / "runs")) if list((tmp_path / "store" / "runs").glob("*.parquet")) else 0
    done = subprocess.run([str(CLI), *SWEEP], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and f"({stored:,} already in the store)" in done.stdout, done.stderr
    assert len(pd.read_parquet(tmp_path / "store" / "runs")) == 16


@pytest.mark.parametrize("verb", [SWEEP, ("compare", "busy.toml", str(ROOT / "scenarios" / "baseline.toml"),
                                          "--days", "365", "--set", "population.members=30000", "--replicates", "8", "--workers", "2")])
def test_sigterm_to_the_main_process_stops_its_workers(tmp_path, verb):
    process, workers = start(tmp_path, *verb)
    process.send_signal(signal.SIGTERM)  # the main process only, as a batch scheduler or `timeout` does
    _, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, err
    last = err.replace("\r", "\n").rstrip().splitlines()[-1]
    assert "Traceback" not in err and last.startswith("terminated (SIGTERM): finished work is kept"), err
    assert gone_within(workers, 10), "no worker goes on computing after its parent stopped"


def test_workers_exit_by_themselves_when_their_parent_is_killed(tmp_path):
    process, workers = start(tmp_path, *SWEEP)
    process.kill()  # SIGKILL: no clean-up runs in the parent at all
    process.communicate(timeout=30)
    assert gone_within(workers, 10), "orphaned workers notice their parent is gone and exit"


def test_a_reader_that_leaves_early_gets_no_error(tmp_path):
    """`results | head -1`: the pipe closes under the table; nothing more is said."""
    (tmp_path / "busy.toml").write_text(SCENARIO.replace("members = 30000", "members = 200").replace("days = 365", "days = 3"))
    assert subprocess.run([str(CLI), "sweep", "busy.toml", "--out", "store", "--workers", "1"], cwd=tmp_path,
                          capture_output=True).returncode == 0
    done = subprocess.run(f"'{CLI}' results store --query 'SELECT * FROM runs, range(2000)' | head -1", shell=True,
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.count("\n") == 1 and done.stderr == "", done.stderr
