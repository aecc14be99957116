"""The fit of the defaults is reproducible: scripts/calibrate_defaults.sh runs end to end (here
at a tiny budget) and fits exactly the free parameters of targets/calibration_baseline.toml to
its targets, with `community-sim calibrate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # a small calibration study, end to end


def test_the_calibration_script_runs_end_to_end_at_a_tiny_budget(tmp_path):
    out = tmp_path / "fit"
    command = Path(sys.executable).with_name("community-sim")
    done = subprocess.run(["bash", str(ROOT / "scripts" / "calibrate_defaults.sh"), str(out), "3", "2", "400", "20"],
                          capture_output=True, text=True, env={**os.environ, "COMMUNITY_SIM": str(command)},
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    fit = json.loads((out / "calibration.json").read_text())
    spec = tomllib.loads((ROOT / "targets" / "calibration_baseline.toml").read_text())
    assert {row["parameter"] for row in fit["parameters"]} == set(spec["parameters"])
    assert [row["kpi"] for row in fit["fit"]] == [t["kpi"] for t in spec["target"]]
    assert fit["best"][0]["trials"] == 3
    assert fit["scenario"]["population"]["members"] == 400 and fit["scenario"]["scenario"]["days"] == 20
    for row in fit["parameters"]:
        assert row["range_low"] <= row["fitted"] <= row["range_high"]
