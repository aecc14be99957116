"""The shipped scenarios reproduce every published fact in ../shared/targets/stylized_facts.toml,
as a mean over fixed-seed replicates. A fact with a `baseline_scenario` is a relative change
between two scenarios run on the same seeds (common random numbers)."""

from __future__ import annotations

import multiprocessing
import tomllib
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from sim import load_scenario, run_scenario

from conftest import ROOT, SCENARIOS

TARGETS = ROOT.parent / "shared" / "targets" / "stylized_facts.toml"
REPLICATES = (1, 2, 3)
FACTS = {fact["id"]: fact for fact in tomllib.loads(TARGETS.read_text())["fact"]}
SCENARIO_NAMES = sorted({fact[key] for fact in FACTS.values()
                         for key in ("scenario", "baseline_scenario") if key in fact})


def _summary(job: tuple[str, int]) -> dict:
    name, seed = job
    return run_scenario(load_scenario(SCENARIOS / f"{name}.toml"), seed).summary


@pytest.fixture(scope="module")
def replicate_kpis() -> dict[str, list[dict]]:
    jobs = [(name, seed) for name in SCENARIO_NAMES for seed in REPLICATES]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_summary, jobs))
    return {name: [r for (n, _), r in zip(jobs, results) if n == name] for name in SCENARIO_NAMES}


def test_every_fact_names_a_shipped_scenario():
    assert FACTS, "no facts in the targets file"
    for name in SCENARIO_NAMES:
        assert (SCENARIOS / f"{name}.toml").is_file(), f"facts name scenarios/{name}.toml"


@pytest.mark.parametrize("fact_id", sorted(FACTS))
def test_fact_is_reproduced(fact_id, replicate_kpis):
    fact = FACTS[fact_id]
    values = np.array([kpis[fact["kpi"]] for kpis in replicate_kpis[fact["scenario"]]])
    if "baseline_scenario" in fact:
        base = np.array([kpis[fact["kpi"]] for kpis in replicate_kpis[fact["baseline_scenario"]]])
        values = values / base - 1.0
        published = fact["relative_change"]
    else:
        published = fact["value"]
    mean = values.mean()
    assert fact["low"] <= mean <= fact["high"], (
        f"{fact_id}: model {mean:.3f} (replicates {np.round(values, 3)}) outside "
        f"[{fact['low']}, {fact['high']}], published {published}")
