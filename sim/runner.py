"""Run a whole scenario and return its KPIs and daily series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from sim.measures.kpis import members_table
from sim.model import HOURS_PER_DAY, CommunityModel
from sim.params.scenario import Scenario


@dataclass
class RunResult:
    summary: dict[str, float]
    daily: pd.DataFrame
    scenario: Scenario
    seed: int
    members: pd.DataFrame | None = None


def run_scenario(scenario: Scenario, seed: int | None = None,
                 on_day: Callable[[int], None] | None = None) -> RunResult:
    """Run `scenario` for its `days` with `seed` (default: the scenario's own seed)."""
    seed = scenario.scenario.seed if seed is None else seed
    model = CommunityModel(scenario=scenario, rng=seed)
    for day in range(scenario.scenario.days):
        model.run_for(HOURS_PER_DAY)
        if on_day is not None:
            on_day(day + 1)
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return RunResult(model.summary(), daily, scenario, seed, members_table(model.population))
