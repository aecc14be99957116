"""The standing-ovation model reproduces Miller & Page's (2004) findings over replicate halls.

An ovation is a hall where a majority ends up standing. Each finding is a difference in the
ovation rate over 1,000 halls per setting whose 95% interval (2 standard errors of the
difference of two proportions) excludes zero.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import norm

from sim.ovation.hall import sightlines
from sim.ovation.model import (SUMMARY_KEYS, Halls, StandingOvationModel, mean_summary, ovation_config,
                         ovation_study)

HALLS = 1000
BELOW_T = dict(quality=0.45, threshold=0.5, noise=0.2)  # a decent show, short of the threshold


def ovation_rate(**settings) -> tuple[float, float]:
    """Share of halls ending with a standing majority, and its standard error."""
    return _ovation_rate(tuple(sorted(settings.items())))


@functools.cache
def _ovation_rate(settings: tuple) -> tuple[float, float]:
    """One study per setting, at a fixed seed: three findings share the decent-show setting
    (BELOW_T) as their 'fewer' side, and it is the same 1,000 halls each time."""
    halls = ovation_study(ovation_config(**dict(settings)), HALLS, seed=11)
    final = np.array([row["final_standing_share"] for row in halls.summaries()])
    p = float((final > 0.5).mean())
    return p, np.sqrt(max(p * (1 - p), 1.0 / HALLS) / HALLS)


def assert_more_ovations(fewer: dict, more: dict) -> None:
    (p0, se0), (p1, se1) = ovation_rate(**fewer), ovation_rate(**more)
    assert p1 - p0 - 2 * np.hypot(se0, se1) > 0, f"ovation rate {p0:.3f} -> {p1:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("fewer, more", [
    (dict(BELOW_T, quality=0.45), dict(BELOW_T, quality=0.55)),          # higher quality
    (dict(BELOW_T, threshold=0.55), dict(BELOW_T, threshold=0.45)),      # lower T
    (dict(BELOW_T, conformity=0.6), dict(BELOW_T, conformity=0.4)),      # stronger conformity
    (dict(BELOW_T, noise=0.1), dict(BELOW_T, noise=0.4)),                # more noise below T
    (dict(BELOW_T), dict(BELOW_T, celebrities=6)),                       # celebrities up front
    (dict(BELOW_T), dict(BELOW_T, group_size=2)),                        # groups
], ids=["quality", "lower_T", "conformity", "noise_below_T", "celebrities", "groups"])
def test_miller_page_findings(fewer, more):
    assert_more_ovations(fewer, more)


@pytest.mark.parametrize("noise_dist, expected", [
    ("normal", 1 - norm.cdf(0.5, loc=0.45, scale=0.2)),
    ("uniform", (0.45 + 0.2 - 0.5) / 0.4),
])
def test_first_round_matches_its_analytic_value(noise_dist, expected):
    halls = ovation_study(ovation_config(**BELOW_T, conformity=None, noise_dist=noise_dist), HALLS, seed=5)
    summary = mean_summary(halls)
    se = np.sqrt(expected * (1 - expected) / (HALLS * 400))
    assert abs(summary["initial_standing_share"] - expected) < 3 * se
    assert summary["final_standing_share"] == summary["initial_standing_share"]
    assert summary["changed_mind"] == 0 and summary["steps_to_settle"] == 0


@pytest.mark.parametrize("settings", [
    dict(vision="cone"), dict(vision="five_neighbours"), dict(vision="cone", depth=6),
    dict(group_size=3), dict(celebrities=5), dict(quality_sd=0.2, noise_dist="uniform"),
])
def test_random_asynchronous_updating_always_settles(settings):
    halls = ovation_study(ovation_config(**BELOW_T, update="asynchronous", **settings), 300, seed=2,
                          max_steps=1000)
    rows = halls.summaries()
    assert all(row["settled"] and not row["cycled"] for row in rows)


def test_synchronous_flip_flop_is_detected_as_a_cycle():
    """Alternate standers in a single row, each seeing the two beside: all flip at once,
    and flip back."""
    halls = Halls(ovation_config(rows=1, seats=6, vision="five_neighbours", update="synchronous"),
                  [np.random.default_rng(0)])
    halls.standing[0] = [True, False, True, False, True, False]
    halls.seen_states = [{np.packbits(halls.standing[0]).tobytes()}]
    halls.run(max_steps=10)
    row = halls.summaries()[0]
    assert row["cycled"] and not row["settled"] and halls.steps == 2


@pytest.mark.parametrize("period_noise", [0.05, 0.3])
def test_per_period_noise_keeps_every_hall_running_to_the_step_limit(period_noise):
    halls = ovation_study(ovation_config(**BELOW_T, period_noise=period_noise), 50, seed=4, max_steps=30)
    assert not any(row["settled"] or row["cycled"] for row in halls.summaries())
    assert halls.steps == 30 and len(halls.record.shares) == len(halls.first_hall_frames) == 31
    assert halls.active.all()


@pytest.mark.slow
def test_incentive_updating_settles_in_fewer_steps_than_random_order():
    steps = {update: mean_summary(ovation_study(ovation_config(**BELOW_T, update=update), 500, seed=6))
             ["steps_to_settle"] for update in ("asynchronous", "incentive")}
    assert steps["incentive"] < steps["asynchronous"]


def test_sightlines():
    five = sightlines(4, 5, "five_neighbours")
    assert (five.seen[2 * 5 + 2] >= 0).sum() == 5 and (five.seen[0 * 5 + 2] >= 0).sum() == 2
    cone = sightlines(4, 7, "cone", depth=2)
    row_ahead, two_ahead = [9, 10, 11], [1, 2, 3, 4, 5]  # seat (2, 3) of a 7-seat row
    assert sorted(cone.seen[2 * 7 + 3][cone.seen[2 * 7 + 3] >= 0].tolist()) == sorted(row_ahead + two_ahead)
    stars = sightlines(4, 7, "cone", depth=1, celebrities=1, celebrity_weight=3.0)
    star = 3  # the middle seat of the front row
    for seat in range(1, 28):
        if seat != star:
            assert star in stars.seen[seat].tolist()
    assert (stars.seen[star] >= 0).sum() == 0  # the front row sees no one ahead
    groups = sightlines(2, 6, "cone", depth=1, group_size=3)
    assert sorted(groups.mates[1].tolist()) == [0, 2] and sorted(groups.mates[4].tolist()) == [3, 5]


def test_efficiency_and_changed_minds_are_counted_per_hall():
    halls = ovation_study(ovation_config(**BELOW_T), 200, seed=8)
    for h, row in enumerate(halls.summaries()):
        assert row["changed_mind"] == int((halls.standing[h] != halls.record.initial[h]).sum())
        majority_first = halls.record.initial[h].mean() > 0.5
        assert row["efficient"] == ((row["final_standing_share"] > 0.5) == majority_first)


def test_the_mesa_model_is_reproducible_and_has_spectators():
    a, b = StandingOvationModel(rng=5), StandingOvationModel(rng=5)
    a.run(max_steps=50)
    b.run(max_steps=50)
    assert a.summary() == b.summary() and set(a.summary()) == set(SUMMARY_KEYS)
    assert len(a.agents) == 400
    assert sum(agent.standing for agent in a.agents) == round(a.summary()["final_standing_share"] * 400)
    series = a.datacollector.get_model_vars_dataframe()["standing_share"]
    assert len(series) == a.hall.steps + 1 and series.iloc[-1] == a.summary()["final_standing_share"]


@pytest.mark.slow
def test_cli_writes_summary_replicates_and_animation(tmp_path):
    out = tmp_path / "ov"
    proc = subprocess.run([sys.executable, "-m", "sim", "ovation", "--replicates", "20", "--quality", "0.6",
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    document = json.loads((out / "summary.json").read_text())
    assert set(SUMMARY_KEYS) <= set(document) and document["replicates"] == 20
    assert len((out / "replicates.csv").read_text().splitlines()) == 21
    html = (out / "hall.html").read_text()
    assert "addFrames" in html and "Plotly" in html and 'src="http' not in html  # offline, animated


@pytest.mark.slow
@pytest.mark.parametrize("args, fragment", [
    (["--rows", "-2"], "rows"),
    (["--conformity", "1.5"], "conformity"),
    (["--conformity", "lots"], "--conformity"),
    (["--vision", "wide"], "vision: Input should be 'five_neighbours' or 'cone'"),
    (["--update", "sometimes"], "update"),
    (["--replicates", "0"], "--replicates"),
])
def test_bad_ovation_settings_exit_2_with_one_line(tmp_path, args, fragment):
    out = tmp_path / "ov"
    proc = subprocess.run([sys.executable, "-m", "sim", "ovation", *args, "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


def test_the_mesa_model_is_hall_one_of_a_study_with_the_same_seed():
    for seed in (5, 9):
        model = StandingOvationModel(rng=seed)
        model.run(max_steps=100)
        assert model.summary() == ovation_study(ovation_config(), 3, seed=seed).summaries()[0]


@pytest.mark.slow
def test_oversized_studies_are_refused_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "ovation", "--depth", "19", "--replicates", "200000"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--replicates" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
