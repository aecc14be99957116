"""Result files are replaced atomically: a failure mid-write keeps the previous complete
files and leaves no partial or temporary file behind."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.experiments.output import write_run


def test_failed_write_keeps_previous_results(tmp_path, monkeypatch):
    daily = pd.DataFrame({"day": [1.0, 2.0], "answers_day": [3, 4]})
    members = pd.DataFrame({"answers": [7, 0]})
    write_run(tmp_path, {"kpis": {"answers": 7}}, daily, members)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def crash(self, path, *args, **kwargs):
        with open(path, "w") as handle:
            handle.write("partial")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(OSError, match="disk full"):
        write_run(tmp_path, {"kpis": {"answers": 99}}, daily.assign(answers_day=[0, 0]), members)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daily.csv", "daily.parquet", "members.parquet", "summary.json"]
    assert json.loads((tmp_path / "summary.json").read_text())["kpis"]["answers"] == 7


def test_undefined_rates_are_written_as_null(tmp_path):
    write_run(tmp_path, {"kpis": {"answer_rate_24h": float("nan"), "answers": 0}}, pd.DataFrame({"day": [1.0]}),
              pd.DataFrame({"answers": [0]}))
    assert json.loads((tmp_path / "summary.json").read_text()) == {"kpis": {"answer_rate_24h": None, "answers": 0}}
