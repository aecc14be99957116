"""Objectives and constraints of a policy search, as a researcher writes them on the command
line (`cost_per_issue:min`, `answer_rate_24h>=0.9`), and the robustness metric that judges a
policy across states of the world."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

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
        raise ScenarioError(option, text, f"unknown KPI '{kpi}' (community-sim kpis lists them)")


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
    return float(np.percentile(per_state, 100 - percentile if favours_high else percentile))
