"""Run a whole scenario and return its KPIs and daily series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from sim.measures.kpis import members_table
from sim.model import HOURS_PER_DAY, CommunityModel
from sim.params.scenario import Scenario, build_scenario


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


def warm_up() -> None:
    """Compile every kernel, or load it from the compile cache, with a tiny run that switches
    every lever, a launch and the herding experiment on. `make` runs it once, so that test and
    pool workers started afterwards all find the cache filled instead of compiling at once."""
    levers = {"forum": {"kind": "sla"}, "social": {"kind": "loudest_first"}}
    rewards = {name: {"enabled": True} for name in ("points", "badges", "leaderboard", "programme", "pay")}
    scenario = build_scenario({"population": {"members": 60}, "scenario": {"days": 2}, "policy": levers,
                               "rewards": rewards, "launches": [{"day": 1, "new_topics": 2}]})
    model = CommunityModel(scenario=scenario, rng=0)
    model.seed_kudos(0.1)
    model.run()
    model.world.send_stores()
    model.summary()
