"""Objectives and constraints of a policy search, as a researcher writes them on the command
line (`cost_per_issue:min`, `answer_rate_24h>=0.9`), and the robustness metric that judges a
policy across states of the world."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.measures.registry import KPIS
from sim.params.scenario import ScenarioError

CONSTRAINT = re.compile(r"^\s*([a-z0-9_]+)\s*(>=|<=)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Objective:
    kpi: str
    sense: str  # "min" or "max"


@dataclass(frozen=True)
class Constraint:
    kpi: str
    op: str  # ">=" or "<="
    bound: float

    @property
    def text(self) -> str:
        return f"{self.kpi}{self.op}{self.bound:g}"

    def shortfall(self, value: float) -> float:
        """How far a value is from meeting the constraint (0 or less: met), as Optuna reads it."""
        if math.isnan(value):
            return math.inf
        return self.bound - value if self.op == ">=" else value - self.bound


def _known(kpi: str, option: str, text: str) -> None:
    if kpi not in KPIS:
        close = difflib.get_close_matches(kpi, list(KPIS), n=1, cutoff=0.6)
        raise ScenarioError(option, text, f"unknown KPI '{kpi}'" + (f"; did you mean '{close[0]}'?" if close else
                                                                    " (docs/MODEL.md §2 defines every KPI)"))


def parse_objective(text: str) -> Objective:
    """KPI:min or KPI:max; a bare KPI takes the direction the KPI registry calls better."""
    kpi, _, sense = text.strip().partition(":")
    _known(kpi, "--objective", text)
    if not sense:
        better = KPIS[kpi].better
        if better is None:
            raise ScenarioError("--objective", text, f"{kpi} is neither better higher nor lower; write {kpi}:min or {kpi}:max")
        sense = "max" if better == "higher" else "min"
    if sense not in ("min", "max"):
        raise ScenarioError("--objective", text, f"the direction must be min or max (got '{sense}')")
    return Objective(kpi, sense)


def parse_constraint(text: str) -> Constraint:
    """KPI>=BOUND or KPI<=BOUND, with a finite bound."""
    match = CONSTRAINT.match(text)
    if not match:
        raise ScenarioError("--constraint", text, "expected KPI>=NUMBER or KPI<=NUMBER, for example answer_rate_24h>=0.9")
    kpi, op, raw = match.groups()
    _known(kpi, "--constraint", text)
    try:
        bound = float(raw)
    except ValueError:
        raise ScenarioError("--constraint", text, f"the bound '{raw}' is not a number") from None
    if not math.isfinite(bound):
        raise ScenarioError("--constraint", text, "the bound must be a finite number")
    return Constraint(kpi, op, bound)


def favours_high(sense_or_op: str) -> bool:
    return sense_or_op in ("max", ">=")


def robust_value(per_state: np.ndarray, favours_high: bool, percentile: float) -> float:
    """An unfavourable percentile across states of the world: the value a policy reaches in
    `percentile`% of them (the 10th percentile of a rate to raise, the 90th of a cost)."""
    per_state = per_state[~np.isnan(per_state)]
    if per_state.size == 0:
        return math.nan
    if favours_high:  # a value actually reached, never one between states
        return -float(np.percentile(-per_state, percentile, method="inverted_cdf"))
    return float(np.percentile(per_state, percentile, method="inverted_cdf"))


def pareto_mask(trials: pd.DataFrame, objectives: list[Objective]) -> np.ndarray:
    """Rows no other row dominates (as good on every objective, better on one); an undefined
    value dominates nothing and is dominated by everything."""
    signs = np.array([1.0 if o.sense == "min" else -1.0 for o in objectives])
    costs = trials[[o.kpi for o in objectives]].to_numpy(dtype=float) * signs
    costs = np.where(np.isnan(costs), np.inf, costs)
    no_worse = (costs[:, None, :] <= costs[None, :, :]).all(axis=2)
    better = (costs[:, None, :] < costs[None, :, :]).any(axis=2)
    dominated = (no_worse & better).any(axis=0)
    return ~dominated & np.isfinite(costs).all(axis=1)


def front_of_feasible(trials: pd.DataFrame, objectives: list[Objective]) -> np.ndarray:
    """The feasible policies no other feasible policy dominates: a cheaper policy that breaks a
    constraint does not push a feasible one off the front."""
    front = np.zeros(len(trials), dtype=bool)
    feasible = trials.feasible.to_numpy(dtype=bool)
    front[feasible] = pareto_mask(trials[feasible], objectives)
    return front


def max_regret(per_state: list[list[float]], sense: str, feasible: np.ndarray) -> np.ndarray:
    """Each policy's largest shortfall, over states, from the best feasible policy at that
    state (a policy that breaks a constraint sets no benchmark); NaN if none is feasible."""
    values = np.array(per_state, dtype=float)
    if not feasible.any():
        return np.full(len(values), np.nan)
    best = (np.nanmin if sense == "min" else np.nanmax)(values[feasible], axis=0)
    return np.nanmax(np.abs(values - best), axis=1)


def lever_text(row, levers: list[str]) -> str:
    """A policy's levers as one line: `key = value`, numbers to four figures."""
    return ", ".join(f"{key} = {row[key]:.4g}" if isinstance(row[key], float) else f"{key} = {row[key]}"
                     for key in levers)
