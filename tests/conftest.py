"""Shared helpers: small, fast communities and paired replicate statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import CommunityModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SEEDS = (11, 12, 13, 14, 15)

# A small community where answering capacity is scarce, so levers have room to move KPIs.
SCARCE = dict(members=2000, days=90, online_hours_median=0.05)


def run_model(seed: int, **params) -> dict:
    model = CommunityModel(rng=seed, **params)
    model.run()
    return model.summary()


def paired_difference(kpi: str, low: dict, high: dict, seeds=SEEDS) -> tuple[float, float]:
    """Mean and standard error of KPI(high) - KPI(low) over common seeds."""
    diffs = np.array([run_model(s, **high)[kpi] - run_model(s, **low)[kpi] for s in seeds])
    return float(diffs.mean()), float(diffs.std(ddof=1) / np.sqrt(diffs.size))


@pytest.fixture(scope="session")
def small_model() -> CommunityModel:
    model = CommunityModel(rng=3, members=1500, days=120)
    model.run()
    return model
