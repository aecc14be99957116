"""The shipped scenarios reproduce the published facts that issue 2's processes can produce
(../shared/targets/stylized_facts.toml), as a mean over fixed-seed replicates."""

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
FACTS = ("participation_top10", "participation_top1", "lurkers_12_weeks", "superuser_share_1_9_90",
         "so_answer_rate", "so_time_to_answer")


def _facts() -> dict[str, dict]:
    return {fact["id"]: fact for fact in tomllib.loads(TARGETS.read_text())["fact"]}


def _summary(job: tuple[str, int]) -> dict:
    name, seed = job
    return run_scenario(load_scenario(SCENARIOS / f"{name}.toml"), seed).summary


@pytest.fixture(scope="module")
def replicate_kpis() -> dict[str, list[dict]]:
    jobs = [(name, seed) for name in ("baseline", "stack_overflow_like") for seed in REPLICATES]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_summary, jobs))
    return {name: [r for (n, _), r in zip(jobs, results) if n == name]
            for name in ("baseline", "stack_overflow_like")}


@pytest.mark.parametrize("fact_id", FACTS)
def test_fact_is_reproduced(fact_id, replicate_kpis):
    fact = _facts()[fact_id]
    values = np.array([kpis[fact["kpi"]] for kpis in replicate_kpis[fact["scenario"]]])
    mean = values.mean()
    assert fact["low"] <= mean <= fact["high"], (
        f"{fact_id}: model {mean:.3f} (replicates {np.round(values, 3)}) outside "
        f"[{fact['low']}, {fact['high']}], published {fact['value']}")
