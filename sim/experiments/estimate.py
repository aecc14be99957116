"""How long a plan of runs will take, said before anything runs (every verb's --dry-run).

A run's cost is modelled from what it simulates, with constants measured on the project's
machine (2 vCPUs, AMD EPYC; 2026-12, issue 17): the baseline scenario at 100 to 100,000
members over 1 to 365 days, each the best of three runs in one warm process (compiled rules
loaded). Per run about 13 ms (building and summarising), per simulated day about 1 ms (the
hourly steps and the day's end, at any size), per member about 7 us (its Mesa agent and
traits) and per member-day 0.12 us. A 10,000-member year is then 0.89 s, the figure
benchmarks/README.md measures for it (0.90 s build + run, issue 16); the model is within
about 10% of each measurement from 1,000 members up. Other scenarios' levers change the
cost somewhat (issue 14's `--levers` run was 15% slower), and a busy machine more.

Local runs are dealt out in plan order, each to the first worker free, as the executors
do. The command itself first takes START_SECONDS (a warm start: imports and loading the
compiled rules, 2.3-2.4 s in benchmarks/README.md), and a pool of several workers
POOL_START_SECONDS more (spawning them, each loading the rules: about 3.4 s in
benchmarks/sweep.py). All of it is for an otherwise idle machine: on a shared one, expect
more. A Dask cluster's size is not known without connecting to it, so for one the line
gives the computing time in all, which its workers share.
"""

from __future__ import annotations

import heapq

from sim.params.scenario import Scenario

SECONDS_PER_RUN = 0.013
SECONDS_PER_DAY = 0.001
SECONDS_PER_MEMBER = 7e-6
SECONDS_PER_MEMBER_DAY = 1.2e-7
START_SECONDS = 2.4
POOL_START_SECONDS = 3.4


def run_seconds(scenario: Scenario) -> float:
    """The expected time of one run of `scenario` on one core of the measured machine."""
    members, days = scenario.population.members, scenario.scenario.days
    return SECONDS_PER_RUN + SECONDS_PER_DAY * days + members * (SECONDS_PER_MEMBER + SECONDS_PER_MEMBER_DAY * days)


def plan_seconds(scenarios: list[Scenario], workers: int) -> float:
    """Wall time of a command making these runs on `workers` local processes (one, or a
    single run: the command's own process)."""
    costs = [run_seconds(scenario) for scenario in scenarios]
    used = min(workers, len(costs))
    if used <= 1:
        return START_SECONDS + sum(costs)
    free = [0.0] * used  # when each worker is next free
    for cost in costs:
        heapq.heapreplace(free, free[0] + cost)
    return START_SECONDS + POOL_START_SECONDS + max(free)


def duration(seconds: float) -> str:
    """A time as people say it: seconds, minutes, hours or days."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def describe_plan(scenarios: list[Scenario], workers: int, scheduler: str | None = None) -> str:
    """One line for a plan of runs, one scenario per run: how many, and about how long, e.g.
    '120 runs, about 4 min on 2 workers'."""
    count = len(scenarios)
    runs = f"{count:,} run{'' if count == 1 else 's'}"
    if count == 0:
        return "0 runs: nothing left to run"
    if scheduler is not None:
        return (f"{runs}, about {duration(sum(map(run_seconds, scenarios)))} of computing in all, shared among the "
                f"workers of the Dask cluster at {scheduler}")
    used = max(1, min(workers, count))
    return f"{runs}, about {duration(plan_seconds(scenarios, workers))} on {used} worker{'' if used == 1 else 's'}"
