"""Run a whole scenario and return its KPIs and daily series."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from sim.measures.kpis import members_table
from sim.model import HOURS_PER_DAY, CommunityModel
from sim.params.scenario import Scenario, ScenarioError, build_scenario

# Peak memory of a run, fitted above the peak RSS measured for 20,000 and 200,000 members
# over 30 and 365 days, with and without a launch surge: the estimate is 1.5 to 3.8 times each
# measurement (the fixed part dominates small runs), and 1.7 times at 1M members over a year.
BYTES_FIXED = 50e6
BYTES_PER_MEMBER = 700.0
BYTES_PER_ISSUE = 120.0


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


def memory_estimate(scenario: Scenario) -> float:
    """Bytes a run of `scenario` needs at its peak, from its members (with a year's joining at
    the base rate), the issues they raise and the issues its launches add."""
    days, population = scenario.scenario.days, scenario.population
    peak_members = population.members * (1 + population.join_rate_per_year * days / 365)
    launch_days = sum(launch.surge * launch.surge_decay_days + launch.lasting_share * (days - launch.day)
                      for launch in scenario.launches if launch.day < days)
    issues = peak_members * (days + launch_days) / population.issue_interval_days
    return BYTES_FIXED + BYTES_PER_MEMBER * peak_members + BYTES_PER_ISSUE * issues


def available_memory() -> float:
    """Bytes this process may still use: the machine's available memory, or its container's
    limit if that is lower."""
    found = []
    try:
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        found.append(int(meminfo["MemAvailable"].split()[0]) * 1024)
    except (OSError, KeyError, ValueError):
        pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    if not found:
        found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return float(max(min(found), 0))


def check_memory(scenario: Scenario, source: str, concurrent: int = 1) -> None:
    """Refuse, before building anything, runs that cannot fit in this machine's memory."""
    need, free = memory_estimate(scenario) * concurrent, available_memory()
    if need > free:
        runs = f"{concurrent} runs at once of " if concurrent > 1 else "a run of "
        raise ScenarioError(source, "population.members", f"{runs}{scenario.population.members:,} members over "
                            f"{scenario.scenario.days:,} days {'need' if concurrent > 1 else 'needs'} about {need / 1e9:,.1f} GB (estimated from members, "
                            f"joining, issues and launches), more than the {free / 1e9:,.1f} GB free here; "
                            "run fewer members, days or workers")


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
