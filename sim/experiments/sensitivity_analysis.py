"""`sensitivity`: global sensitivity of KPIs to the [sweep] parameters, with SALib.

Sobol: the Saltelli cross-sampled design with `samples` base points, N x (D + 2) points,
gives first-order (S1) and total (ST) indices with bootstrap 95% intervals. Morris:
`samples` trajectories of D + 1 points give mu* (the mean absolute elementary effect, per
whole range of the parameter) and sigma. Each point's KPI is the mean over the sweep's
replicates, all on common seeds; runs go through the same executors and store as a sweep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from sim.experiments.design import Run, plan_runs, points_from_unit, unit_points, unit_problem
from sim.experiments.sweeps import resolve, run_design
from sim.measures.registry import unknown_kpi
from sim.params.scenario import Scenario, ScenarioError

METHODS = {"sobol": "saltelli", "morris": "morris"}
RESAMPLES = 200


def _point_means(rows: pd.DataFrame, kpi: str, points: int) -> np.ndarray:
    return rows.groupby("point")[kpi].mean().reindex(range(points)).to_numpy(dtype=float)


def _indices(method: str, keys: list[str], unit: np.ndarray, y: np.ndarray, seed: int, levels: int) -> pd.DataFrame:
    problem = unit_problem(keys)
    rng = np.random.default_rng(seed)
    if method == "sobol":
        found = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES, seed=rng)
        table = pd.DataFrame({"parameter": keys, "S1": found["S1"], "S1_conf": found["S1_conf"],
                              "ST": found["ST"], "ST_conf": found["ST_conf"]})
        for index in ("S1", "ST"):
            table[f"{index}_low"] = table[index] - table[f"{index}_conf"]
            table[f"{index}_high"] = table[index] + table.pop(f"{index}_conf")
        return table
    found = morris_analyze.analyze(problem, unit, y, num_resamples=RESAMPLES, num_levels=levels, seed=rng)
    return pd.DataFrame({"parameter": keys, "mu": found["mu"], "mu_star": found["mu_star"],
                         "sigma": found["sigma"], "mu_star_low": found["mu_star"] - found["mu_star_conf"],
                         "mu_star_high": found["mu_star"] + found["mu_star_conf"]})


def sensitivity_runs(scenario: Scenario, method: str = "sobol", kpis: list[str] | tuple[str, ...] = ("answer_rate_24h",),
                     source: str = "scenario") -> tuple[np.ndarray, list[Run]]:
    """The method's design in the unit cube and its runs, checked before anything runs."""
    if method not in METHODS:
        raise ScenarioError("--method", "", f"must be sobol or morris (got {method!r})")
    unknown = unknown_kpi(kpis)
    if unknown:
        raise ScenarioError("--kpi", "", f"unknown KPI '{unknown}'")
    if not scenario.sweep.parameters:
        raise ScenarioError(source, "sweep.parameters", "sensitivity needs at least one parameter with a range")
    unit = unit_points(scenario, METHODS[method], source)
    return unit, plan_runs(scenario, points_from_unit(scenario, unit), source)


def sensitivity(scenario: Scenario | str | Path, method: str = "sobol", kpis: list[str] | tuple[str, ...] = ("answer_rate_24h",),
                out: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
                workers: int | None = None, scheduler: str | None = None, progress: bool = False,
                source: str | None = None) -> pd.DataFrame:
    """One row per KPI and parameter: Sobol S1 and ST with 95% intervals, or Morris mu*,
    sigma and mu* interval. Parameters and ranges come from the scenario's [sweep]."""
    scenario, source = resolve(scenario, overrides, source)
    unit, runs = sensitivity_runs(scenario, method, kpis, source)
    keys = list(scenario.sweep.parameters)
    rows = run_design(scenario, runs, Path(out) if out is not None else None, workers=workers,
                      scheduler=scheduler, progress=progress, design=METHODS[method])
    tables = []
    for kpi in kpis:
        y = _point_means(rows, kpi, len(unit))
        if np.isnan(y).any() or np.ptp(y) == 0:
            raise ScenarioError("--kpi", "", f"{kpi} is undefined or constant over the design; pick another KPI")
        tables.append(_indices(method, keys, unit, y, scenario.scenario.seed, scenario.sweep.morris_levels)
                      .assign(kpi=kpi))
    table = pd.concat(tables, ignore_index=True)
    return table[["kpi", *[c for c in table.columns if c != "kpi"]]]
