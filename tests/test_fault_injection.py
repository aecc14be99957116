"""Fault injection: the write of each file of each result set (`run --out`, `report`, a sweep's
chunks, `calibrate --out`) is failed in turn, in-process, both while it is staged (a full disk)
and when it is renamed into place. Each time the command says so in one line (exit 1), the
previous results are whole, byte for byte, and nothing is left behind, not even a hidden file."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from conftest import TINY_SWEEP, invoke, snapshot
from sim.experiments import output


def full_disk_at(k: int, monkeypatch) -> list[Path]:
    """Fail the k-th staged write (counting the journal) with ENOSPC, after a partial write."""
    staged: list[Path] = []
    original = output._stage

    def stage(path, write):
        staged.append(path)
        if len(staged) - 1 == k:
            def partial(tmp):
                tmp.write_bytes(b"partial")
                raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
            return original(path, partial)
        return original(path, write)

    monkeypatch.setattr(output, "_stage", stage)
    return staged


def failed_rename_at(k: int, monkeypatch) -> list[Path]:
    """Fail the k-th rename of a commit, after the ones before it landed."""
    renamed: list[Path] = []

    def rename(tmp, path):
        renamed.append(Path(path))
        if len(renamed) - 1 == k:
            raise OSError(errno.EIO, "Input/output error", str(tmp))  # as the system would: the source
        output.os.replace(tmp, path)

    monkeypatch.setattr(output, "_rename", rename)
    return renamed


def every_fault(monkeypatch, args: tuple, folder: Path, kept=lambda files: files, renew=lambda: None) -> list[str]:
    """Fail each write and each rename of the command in turn; returns the files it failed.
    `renew` gives the command new work before each kind of fault (a sweep's clean run stores all)."""
    before = kept(snapshot(folder))
    failed = []
    for inject in (full_disk_at, failed_rename_at):
        renew()
        for k in range(20):
            with monkeypatch.context() as patch:
                touched = inject(k, patch)
                code, _, err = invoke(*args)
            if len(touched) <= k:  # the command wrote fewer files than k: every one has been failed
                assert code == 0, err
                break
            lines = [line for line in err.replace("\r", "\n").splitlines() if line.startswith("error")]  # not progress bars
            assert code == 1 and len(lines) == 1 and err.rstrip().endswith(lines[0]) and "Traceback" not in err, err
            assert kept(snapshot(folder)) == before, f"{inject.__name__}({k}) on {touched[k].name} changed the results"
            failed.append(f"{inject.__name__}:{touched[k].name}")
        else:
            raise AssertionError("more than 20 files in one set")
        before = kept(snapshot(folder))  # the clean run wrote the new set: it is the previous one now
    return failed


@pytest.fixture
def scenario(tmp_path) -> Path:
    (tmp_path / "tiny.toml").write_text(TINY_SWEEP)
    return tmp_path / "tiny.toml"


def test_run_out(monkeypatch, scenario, tmp_path):
    out = tmp_path / "out"
    assert invoke("run", scenario, "--out", out)[0] == 0
    failed = every_fault(monkeypatch, ("run", scenario, "--out", out, "--seed", "7"), out)
    names = ("daily.parquet", "daily.csv", "members.parquet", "summary.json")
    assert {f"full_disk_at:{n}" for n in (*names, output.JOURNAL)} | {f"failed_rename_at:{n}" for n in names} == set(failed)


def test_report(monkeypatch, scenario, tmp_path):
    out = tmp_path / "out"
    assert invoke("run", scenario, "--out", out)[0] == 0
    assert invoke("report", out)[0] == 0
    assert invoke("run", scenario, "--out", out, "--seed", "7")[0] == 0  # the next report differs
    failed = every_fault(monkeypatch, ("report", out), out)
    assert set(failed) == {"full_disk_at:report.html", f"full_disk_at:{output.JOURNAL}", "failed_rename_at:report.html"}


def test_sweep_chunks(monkeypatch, scenario, tmp_path):
    """The first write of a sweep is its sweep.json; then each chunk is its daily file and its
    runs file. The chunks already stored stay whole, and a clean resume completes the store."""
    store = tmp_path / "store"
    assert invoke("sweep", scenario, "--out", store, "--workers", "1", "--keep-daily")[0] == 0
    levels = iter(["[0.3, 0.6, 0.9]", "[0.3, 0.6, 0.9, 0.1]"])

    def renew() -> None:  # a new level: two new runs to store
        scenario.write_text(TINY_SWEEP.replace("[0.3, 0.6]", next(levels)))

    args = ("sweep", scenario, "--out", store, "--workers", "1", "--keep-daily")

    def chunks(files: dict) -> dict:  # sweep.json is rewritten whole at the start of every sweep
        json.loads(files.pop("sweep.json"))
        return files

    failed = every_fault(monkeypatch, args, store, kept=chunks, renew=renew)
    assert {"full_disk_at:sweep.json", "failed_rename_at:sweep.json"} <= set(failed)
    assert sum(name.startswith("full_disk_at:chunk-") for name in failed) >= 2, failed
    assert sum(name.startswith("failed_rename_at:chunk-") for name in failed) >= 2, failed
    code, out, _ = invoke("results", store, "--query", "SELECT count(*) AS n, count(DISTINCT run_id) AS d FROM runs")
    assert code == 0 and out.split()[-2:] == ["8", "8"]


def test_calibrate_out(monkeypatch, scenario, tmp_path):
    """The second call resumes the study (one more trial, then none) and rewrites both files."""
    (tmp_path / "targets.toml").write_text('[[target]]\nkpi = "answer_rate_24h"\nvalue = 0.5\n')
    out = tmp_path / "cal"
    base = ("calibrate", scenario, "--targets", tmp_path / "targets.toml", "--replicates", "2", "--workers", "1",
            "--out", out)
    assert invoke(*base, "--trials", "1")[0] == 0

    def results(files: dict) -> dict:  # optuna's own append-only study log is not a result set
        files.pop("calibration.journal")
        return files

    failed = every_fault(monkeypatch, (*base, "--trials", "2"), out, kept=results)
    names = ("trials.csv", "calibration.json")
    assert {f"full_disk_at:{n}" for n in (*names, output.JOURNAL)} | {f"failed_rename_at:{n}" for n in names} == set(failed)
