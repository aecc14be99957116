"""The policy-search report of an `optimize --out` folder: every policy evaluated, with the
feasible Pareto front and the chosen policy, on a chart whose hover text gives each policy's
levers. Feasibility, the front and the choice are worked out again from the values and the
constraints in the folder, never read from it (a regret search's `max_regret` is read: the
values per state of the world it comes from are in the run store, not the table)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.experiments.objectives import Constraint, Objective, front_of_feasible, lever_text
from sim.measures.registry import KPIS, format_kpi, kpi_kind, kpi_label
from sim.params.scenario import ScenarioError
from sim.report.style import PALETTE, rgba

MAX_VALUE = 1e12
FRONT, CHOSEN, OTHER = PALETTE[0], PALETTE[4], "#9a9a9a"


def declared(document: dict, path: Path) -> tuple[list[Objective], list[Constraint], list[str]]:
    """The objectives, constraints and levers an optimize.json declares, checked."""
    try:
        objectives = [Objective(str(o["kpi"]), str(o["sense"])) for o in document["objectives"]]
        constraints = [Constraint(str(c["kpi"]), unescape(str(c["op"])), float(c["bound"]))  # read escaped; a closed set
                       for c in document["constraints"]]
        levers = [str(key) for key in document["levers"]]
    except (TypeError, KeyError, ValueError):
        raise ScenarioError(str(path), "objectives", "objectives, constraints and levers are not as optimize writes "
                                                     "them") from None
    if not objectives or any(o.sense not in ("min", "max") for o in objectives) \
            or any(c.op not in (">=", "<=") or not np.isfinite(c.bound) for c in constraints):
        raise ScenarioError(str(path), "objectives", "an objective or a constraint is not one optimize accepts")
    unknown = [kpi for kpi in [o.kpi for o in objectives] + [c.kpi for c in constraints] if kpi not in KPIS]
    if unknown:
        raise ScenarioError(str(path), "objectives", f"unknown KPI '{unknown[0]}'")
    return objectives, constraints, levers


def checked_trials(table: pd.DataFrame, path: Path, objectives: list[Objective], constraints: list[Constraint],
                   levers: list[str]) -> pd.DataFrame:
    """The trials with numbers as floats, and feasibility and the front recomputed."""
    if table.empty:
        raise ScenarioError(str(path), "trial", "holds no policies")
    kpis = list(dict.fromkeys([o.kpi for o in objectives] + [c.kpi for c in constraints]))
    numbers = [f"{kpi}{suffix}" for kpi in kpis for suffix in ("", "_mean", "_low", "_high")]
    missing = [column for column in ["trial", *levers, *numbers] if column not in table]
    if missing:
        raise ScenarioError(str(path), missing[0], "missing column: this is not an optimize table")
    try:
        table = table.astype({name: float for name in ["trial", *numbers]})
    except (TypeError, ValueError):
        raise ScenarioError(str(path), "", "a KPI value is not a number") from None
    values = table[["trial", *numbers]].to_numpy()
    if np.isinf(values).any() or (np.abs(np.nan_to_num(values)) > MAX_VALUE).any() or table.trial.isna().any():
        raise ScenarioError(str(path), "", f"a value is infinite or beyond ±{MAX_VALUE:g}")
    if table.trial.duplicated().any():
        raise ScenarioError(str(path), "trial", "a trial appears twice")
    table["feasible"] = [all(c.shortfall(row[c.kpi]) <= 0 for c in constraints) for _, row in table.iterrows()]
    table["pareto"] = front_of_feasible(table, objectives)
    return table


def chosen(table: pd.DataFrame, objectives: list[Objective], regret: bool) -> pd.DataFrame:
    """The feasible policy best on the first objective (or with least regret), as optimize chose."""
    feasible, first = table[table.feasible], objectives[0]
    if regret and "max_regret" in table:
        return feasible.sort_values(["max_regret", "trial"], kind="stable").head(1)
    return feasible.sort_values(first.kpi, ascending=first.sense == "min", kind="stable").head(1)


def _hover(row, levers: list[str], kpis: list[str], currency: str) -> str:
    lines = [f"trial {int(row['trial'])}", *lever_text(row, levers).split(", ")]
    for kpi in kpis:
        kind = kpi_kind(kpi)
        money = currency if kind == "money" else ""
        lines.append(f"{kpi_label(kpi)}: {money}{format_kpi(row[kpi], kind)} (mean {money}"
                     f"{format_kpi(row[kpi + '_mean'], kind)}, 95% CI {money}{format_kpi(row[kpi + '_low'], kind)} "
                     f"to {money}{format_kpi(row[kpi + '_high'], kind)})")
    if "max_regret" in row:
        lines.append(f"largest regret: {row['max_regret']:.4g}")
    return "<br>".join(lines)


def pareto_chart(table: pd.DataFrame, choice: pd.DataFrame, objectives: list[Objective], constraints: list[Constraint],
                 levers: list[str], currency: str, robust: bool = False) -> go.Figure:
    """The first objective across, the second (or the first constraint's KPI) up: every policy,
    infeasible ones hollow, the feasible front joined, the choice as a star, each with its
    95% interval over replicates. A robust search judges a percentile over states of the
    world, which that interval (of the mean) does not bound, so its dots have none."""
    kpis = list(dict.fromkeys([o.kpi for o in objectives] + [c.kpi for c in constraints]))
    x = objectives[0].kpi
    y = objectives[1].kpi if len(objectives) > 1 else (constraints[0].kpi if constraints else "trial")
    figure = go.Figure()
    groups = [("infeasible", table[~table.feasible], dict(color=OTHER, symbol="circle-open", size=9)),
              ("feasible", table[table.feasible & ~table.pareto], dict(color=rgba(FRONT, 0.45), size=9)),
              ("Pareto front", table[table.pareto].sort_values(x), dict(color=FRONT, size=11)),
              ("chosen", choice, dict(color=CHOSEN, symbol="star", size=18, line=dict(color="#333333", width=1)))]
    for name, rows, marker in groups:
        if rows.empty:
            continue
        bars = {axis: dict(type="data", symmetric=False, array=rows[f"{kpi}_high"] - rows[kpi],
                           arrayminus=rows[kpi] - rows[f"{kpi}_low"], color=marker["color"], thickness=1)
                for axis, kpi in (("error_x", x), ("error_y", y)) if kpi != "trial" and not robust}
        figure.add_trace(go.Scatter(
            x=rows[x], y=rows[y], name=name, mode="lines+markers" if name == "Pareto front" else "markers",
            marker=marker, line=dict(color=FRONT, shape="hv") if name == "Pareto front" else None,
            text=[_hover(row, levers, kpis, currency) for _, row in rows.iterrows()],
            hovertemplate="%{text}<extra></extra>", **bars))
    for constraint in constraints:
        line = dict(color=PALETTE[1], dash="dash")
        if constraint.kpi == y:
            figure.add_hline(y=constraint.bound, line=line, annotation_text=constraint.text)
        elif constraint.kpi == x:
            figure.add_vline(x=constraint.bound, line=line, annotation_text=constraint.text)
    figure.update_layout(
        xaxis=dict(title=f"{kpi_label(x)} ({objectives[0].sense})"),
        yaxis=dict(title=kpi_label(y) if y != "trial" else "trial", tickformat=".0%" if kpi_kind(y) == "pct" else None),
        height=460, margin=dict(l=10, r=10, t=30, b=50), legend=dict(orientation="h", y=-0.18))
    if kpi_kind(x) == "pct":
        figure.update_xaxes(tickformat=".0%")
    if kpi_kind(x) == "money":
        figure.update_xaxes(tickprefix=currency)
    return figure


def front_table(table: pd.DataFrame, objectives: list[Objective], constraints: list[Constraint],
                levers: list[str], currency: str) -> pd.DataFrame:
    """The feasible front for the page: levers, then each KPI with its interval."""
    front = table[table.pareto].sort_values(objectives[0].kpi, ascending=objectives[0].sense == "min", kind="stable")
    shown = pd.DataFrame({"trial": front.trial.astype(int)})
    for key in levers:
        shown[key] = [lever_text(row, [key]).split(" = ", 1)[1] for _, row in front.iterrows()]
    for kpi in dict.fromkeys([o.kpi for o in objectives] + [c.kpi for c in constraints]):
        kind = kpi_kind(kpi)
        money = currency if kind == "money" else ""
        shown[kpi_label(kpi)] = [f"{money}{format_kpi(v, kind)} ({money}{format_kpi(lo, kind)} to {money}"
                                 f"{format_kpi(hi, kind)})" for v, lo, hi in
                                 zip(front[kpi], front[f"{kpi}_low"], front[f"{kpi}_high"])]
    return shown
