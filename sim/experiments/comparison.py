"""`compare`: two scenarios on the same seeds (common random numbers), KPI by KPI.

Both scenarios start from identical random streams on each replicate, so most of the luck
that separates two runs is shared and cancels in the paired difference B - A. The 95%
interval is a t-interval over the replicates' differences (sim/experiments/stats.py).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from sim.experiments.design import replicate_seeds, run_id
from sim.experiments.executors import Job, run_jobs
from sim.experiments.stats import mean_interval
from sim.experiments.sweeps import default_workers, resolve
from sim.measures.registry import HEADLINE_KPIS, describe_change, format_money
from sim.params.scenario import Scenario, ScenarioError


Arm = tuple[str, Scenario, int, int]  # arm label, scenario, replicate, seed


def arm_plan(arms: Mapping[str, Scenario | str | Path], replicates: int = 10, *, seed: int | None = None,
             overrides: Mapping[str, Any] | None = None, keep_daily: bool = False) -> tuple[list[Arm], dict]:
    """What `arm_runs` will run, checked and built before anything runs: every (arm, scenario,
    replicate, seed), and its job by (arm, replicate); arms that are the same scenario share
    their jobs' run ids, so a run is done once."""
    if replicates < 2:
        raise ScenarioError("--replicates", "", f"needs at least 2 to estimate an interval (got {replicates})")
    resolved = {arm: resolve(scenario, overrides)[0] for arm, scenario in arms.items()}
    first = next(iter(resolved.values()))
    seeds = replicate_seeds(first.scenario.seed if seed is None else seed, replicates)
    plan = [(arm, scenario, replicate, s) for arm, scenario in resolved.items() for replicate, s in enumerate(seeds)]
    jobs = {(arm, replicate): Job(run_id(scenario, s), scenario, s, keep_daily) for arm, scenario, replicate, s in plan}
    return plan, jobs


def arm_runs(arms: Mapping[str, Scenario | str | Path], replicates: int = 10, *, seed: int | None = None,
             overrides: Mapping[str, Any] | None = None, workers: int | None = None,
             scheduler: str | None = None, keep_daily: bool = False,
             progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Several scenarios ("arms", keyed by a label) on the same replicate seeds, in one batch:
    one row per arm and replicate (arm, scenario name, replicate, seed, KPIs), and every run's
    daily series tagged the same way (None unless `keep_daily`). Seeds are spawned from
    `seed`, by default the first arm's own seed; any two arms form a paired comparison."""
    plan, jobs = arm_plan(arms, replicates, seed=seed, overrides=overrides, keep_daily=keep_daily)
    names = " vs ".join(dict.fromkeys(scenario.scenario.name for _, scenario, _, _ in plan))
    outcomes = run_jobs(list(jobs.values()), workers or default_workers(), scheduler,
                        progress=names if progress else None)
    runs = pd.DataFrame([{"arm": arm, "scenario": scenario.scenario.name, "replicate": replicate, "seed": s,
                          **outcomes[jobs[arm, replicate].run_id].summary} for arm, scenario, replicate, s in plan])
    daily = pd.concat([outcomes[jobs[arm, replicate].run_id].daily.assign(
        arm=arm, scenario=scenario.scenario.name, replicate=replicate)
        for arm, scenario, replicate, _ in plan], ignore_index=True) if keep_daily else None
    return runs, daily


def pair(runs: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Two arms of `arm_runs` as a paired table (arms relabelled 'A' and 'B') for `differences`."""
    both = runs[runs.arm.isin([a, b])]
    return both.assign(arm=both.arm.map({a: "A", b: "B"}))


def paired_runs(a: Scenario | str | Path, b: Scenario | str | Path, replicates: int = 10, *,
                seed: int | None = None, overrides: Mapping[str, Any] | None = None,
                workers: int | None = None, scheduler: str | None = None) -> pd.DataFrame:
    """One row per scenario and replicate: arm ('A' or 'B'), scenario name, seed and KPIs.
    Seeds are spawned from `seed`, by default scenario A's own seed."""
    return arm_runs({"A": a, "B": b}, replicates, seed=seed, overrides=overrides, workers=workers,
                    scheduler=scheduler)[0]


def differences(paired: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: mean of A and of B, and the paired difference B - A with its 95% interval."""
    kpis = [c for c in paired.columns if c not in ("arm", "scenario", "replicate", "seed")]
    a = paired[paired.arm == "A"].set_index("replicate")[kpis].astype(float)
    b = paired[paired.arm == "B"].set_index("replicate")[kpis].astype(float)
    rows = []
    for kpi in kpis:
        diff, low, high = mean_interval(b[kpi] - a[kpi])
        rows.append({"kpi": kpi, "a_mean": mean_interval(a[kpi])[0], "b_mean": mean_interval(b[kpi])[0],
                     "difference": diff, "low": low, "high": high,
                     "replicates": int((b[kpi] - a[kpi]).notna().sum())})
    return pd.DataFrame(rows)


def verdict(table: pd.DataFrame, a_name: str, b_name: str, kpis=HEADLINE_KPIS, currency: str = "$") -> str:
    """The plain-language line: what B does to the headline KPIs, compared with A."""
    rows = table.set_index("kpi")
    parts = [describe_change(k, *rows.loc[k, ["difference", "low", "high"]], currency=currency)
             for k in kpis if k in rows.index]
    if len(parts) > 1:
        parts[-1] = "and " + parts[-1]
    return f"{b_name} (vs {a_name}) " + ", ".join(parts) + "."


def monthly_cost_line(table: pd.DataFrame, currency: str = "$") -> str:
    """The difference in net support cost per month, B - A, in one line."""
    row = table.set_index("kpi").loc["cost_per_month"]
    money = partial(format_money, currency=currency, decimals=0)
    return (f"Net cost per month: A {money(row.a_mean)}, B {money(row.b_mean)}; B - A {money(row.difference)} "
            f"(95% CI {money(row.low)} to {money(row.high)}).")


def compare(a: Scenario | str | Path, b: Scenario | str | Path, replicates: int = 10, *,
            seed: int | None = None, overrides: Mapping[str, Any] | None = None,
            workers: int | None = None, scheduler: str | None = None) -> pd.DataFrame:
    """The paired differences B - A of every KPI over common seeds (see `differences`)."""
    return differences(paired_runs(a, b, replicates, seed=seed, overrides=overrides,
                                   workers=workers, scheduler=scheduler))
