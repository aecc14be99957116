"""Scenario discovery over a sweep store: in which region of the swept parameters does a KPI
fall below (or rise above) a threshold? PRIM (Friedman & Fisher 1999, as used for scenario
discovery by Bryant & Lempert 2010) peels the parameter space down to a box of ranges where
such runs, the cases of interest, are dense; extra-trees feature scores rank the parameters
by how much they tell cases from the rest. Both come from EMA Workbench's analysis modules,
imported only here (the import takes seconds and warns about a parallel back end unused here).

- A case is one run (replicates are separate cases, so luck within a design point shows as
  density below 1), or with per="point" one design point, its runs' KPI averaged.
- X is the parameters sweep.json lists. Numbers stay numbers; a parameter swept over
  non-numeric levels (a policy kind, a switch) is a category: PRIM restricts it to a set
  of levels. A run of another design in the store, without a value for one of them, is
  left out and counted; so is a run whose KPI is undefined (NaN).
- The box chosen is the one of highest coverage among those with density >= min_density
  (during peeling, the first box to reach it: later boxes buy density not asked for with
  coverage); when none reaches it, the densest. `box=N` picks box N instead.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.store import ID_COLUMNS, RunStore
from sim.measures.registry import KPIS, kpi_kind, kpi_label, money_or_value, unknown_kpi
from sim.params.scenario import ScenarioError

MIN_DENSITY = 0.8
MASS_MIN = 0.05  # EMA's defaults: the smallest box holds 5% of the runs, each peel removes 5% of the box
PEEL_ALPHA = 0.05
TREES = 100


@dataclass
class Cases:
    """What PRIM analyses (x, y) and how it was chosen from the store."""

    x: pd.DataFrame            # one column per parameter: numbers, or text for levels
    values: pd.Series          # the KPI of each case (a point's mean over its runs)
    y: np.ndarray              # bool: the KPI is below / above the threshold
    ids: pd.Series             # run_id, or the design point's number
    runs: pd.Series            # runs behind each case
    categorical: list[str]     # parameters swept over levels that are not numbers
    definition: dict           # kpi, threshold, counts: how the cases were chosen


def _levels_text(value) -> str:
    """A non-numeric level as scenario TOML spells it (true, not True)."""
    return str(value).lower() if isinstance(value, (bool, np.bool_)) else str(value)


def check_threshold(kpi: str, below: float | None, above: float | None) -> tuple[str, float]:
    """The case definition: exactly one of below/above, a finite number, a known KPI."""
    if (below is None) == (above is None):
        raise ScenarioError("--below/--above", "", "give exactly one: --below X (cases: the KPI is under X) "
                            "or --above X (cases: the KPI is over X)")
    side, threshold = ("below", below) if below is not None else ("above", above)
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not math.isfinite(threshold):
        raise ScenarioError(f"--{side}", "", f"must be a finite number (got {threshold})")
    if unknown_kpi([kpi]) is not None:
        import difflib
        close = difflib.get_close_matches(kpi, list(KPIS), n=1, cutoff=0.6)
        raise ScenarioError("--kpi", "", f"unknown KPI '{kpi}'" + (f"; did you mean '{close[0]}'?" if close else
                            "; see `community-sim run` for the KPI names"))
    return side, float(threshold)


def case_sentence(definition: dict) -> str:
    """'answer_rate_24h (Questions answered within 24 h) below 0.5 (50.0 %)', with a word on
    whether those are the runs that fall short, when the KPI has a better direction."""
    kpi, side, threshold = definition["kpi"], definition["side"], float(definition["threshold"])
    shown = money_or_value(threshold, kpi_kind(kpi), definition.get("currency", "$"))
    better = KPIS[kpi].better if kpi in KPIS else None
    note = "" if better is None else (": the runs that fall short" if (better == "higher") == (side == "below")
                                      else ": the runs that do well")
    number = f"{threshold:g}"
    return f"{kpi} ({kpi_label(kpi)}) {side} {number}{f' ({shown})' if shown != number else ''}{note}"


def show_number(value: float) -> str:
    """A parameter value as text: whole thousands with separators, else 4 significant digits."""
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1000 else f"{value:.4g}"


def limit_texts(row) -> tuple[str, str, str]:
    """A row of the box limits as text: what the box keeps, what was sampled, the quasi-p values."""
    if row.kind == "levels":
        kept, sampled = ", ".join(row.levels), ", ".join(row.sampled_levels)
    else:
        kept = f"{show_number(row.low)} to {show_number(row.high)}"
        sampled = f"{show_number(row.sampled_low)} to {show_number(row.sampled_high)}"
    qp = ", ".join(f"{v:.2g}" for v in (row.qp_low, row.qp_high) if v is not None and not math.isnan(v))
    return kept if row.restricted else "not restricted", sampled, qp


def _parameters(description: dict, path: Path) -> list[str]:
    names = description.get("parameters")
    if not isinstance(names, list) or not all(isinstance(n, str) and "." in n and n not in ID_COLUMNS for n in names):
        raise ScenarioError(str(path), "parameters", "damaged: not a list of dotted parameter keys")
    if not names:
        raise ScenarioError(str(path), "parameters", "the sweep varies no parameters: there is no region to discover")
    if len(set(names)) < len(names):
        raise ScenarioError(str(path), "parameters", "damaged: a parameter is listed twice")
    return names


def _read(store: Path) -> tuple[pd.DataFrame, dict]:
    """The store's runs and sweep.json, or a ScenarioError naming what is wrong."""
    if not store.exists():
        raise ScenarioError(str(store), "", "no such folder")
    if not store.is_dir():
        raise ScenarioError(str(store), "", "is not a folder: give a sweep store (the --out of sweep)")
    runs = RunStore(store)
    if not runs.runs_dir.is_dir():
        raise ScenarioError(str(store), "", "not a sweep store (no runs/ folder); run `community-sim sweep --out` first")
    description = runs.describe()
    if description is None:
        raise ScenarioError(str(store / "sweep.json"), "", "missing: this folder is not a complete sweep store")
    table = runs.read()
    if table.empty:
        raise ScenarioError(str(store), "", "the sweep store holds no finished runs yet")
    return table, description


def _currency(description: dict) -> str:
    scenario = description.get("scenario")
    costs = scenario.get("costs") if isinstance(scenario, dict) else None
    return str(costs.get("currency", "$")) if isinstance(costs, dict) else "$"


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _columns(table: pd.DataFrame, names: list[str], kpi: str, store: Path) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The parameter columns (levels as text) and the KPI as floats; a column no sweep could
    have written (text for a KPI, an infinite value) is a damaged or foreign store."""
    missing = [n for n in names if n not in table]
    if missing:
        raise ScenarioError(str(store / "sweep.json"), "parameters", f"names '{missing[0]}', which no stored run has: "
                            "a damaged or foreign store")
    if kpi not in table:
        kpis = [c for c in table.columns if c in KPIS]
        raise ScenarioError("--kpi", "", f"the store {store} has no KPI '{kpi}'" + (f" (it has {', '.join(kpis[:8])}"
                            f"{', ...' if len(kpis) > 8 else ''})" if kpis else ""))
    if not _numeric(table[kpi]):
        raise ScenarioError(str(store), kpi, "holds values that are not numbers: a damaged or foreign store")
    values = table[kpi].astype(float)
    x = table[names].copy()
    categorical = [n for n in names if not _numeric(x[n])]
    for name in names:
        if name in categorical:
            x[name] = x[name].map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v))
                                  else _levels_text(v))
    for name in [kpi, *(n for n in names if n not in categorical)]:
        if np.isinf(table[name].astype(float)).any():
            raise ScenarioError(str(store), name, "holds a value that is not a finite number: a damaged or foreign store")
    return x, values, categorical


def cases(store: str | Path, kpi: str, below: float | None = None, above: float | None = None,
          per: str = "run") -> Cases:
    """The cases of interest in a store, checked: every refusal is a ScenarioError."""
    side, threshold = check_threshold(kpi, below, above)
    if per not in ("run", "point"):
        raise ScenarioError("--per", "", f"must be run or point (got {per!r})")
    store = Path(store)
    table, description = _read(store)
    names = _parameters(description, store / "sweep.json")
    x, values, categorical = _columns(table, names, kpi, store)
    incomplete = x.isna().any(axis=1)
    undefined = values.isna() & ~incomplete
    keep = ~(incomplete | undefined)
    if not keep.any():
        why = "an undefined KPI" if undefined.any() else "no value for every swept parameter"
        raise ScenarioError(str(store), kpi, f"every run has {why}: nothing to analyse")
    x, values, ids = x[keep].reset_index(drop=True), values[keep].reset_index(drop=True), table.run_id[keep]
    runs = pd.Series(1, index=x.index)
    if per == "point":
        grouped = pd.concat([x, values.rename("__kpi")], axis=1).groupby(names, sort=True, dropna=False)["__kpi"]
        means = grouped.agg(["mean", "count"]).reset_index()
        x, values, runs = means[names], means["mean"].rename(kpi), means["count"]
        ids = pd.Series(range(len(x)), name="point")
    for name in names:  # EMA peels by dtype: whole-number parameters as int64 (discrete), the rest as float64
        if name not in categorical:
            x[name] = x[name].astype("int64" if pd.api.types.is_integer_dtype(table[name]) else "float64")
    y = (values < threshold if side == "below" else values > threshold).to_numpy()
    unit = "runs" if per == "run" else "design points"
    if not y.any() or y.all():
        raise ScenarioError(f"--{side}", "", f"{kpi} {side} {threshold:g} selects {'none' if not y.any() else 'every one'} "
                            f"of the {len(y):,} {unit} (the KPI ranges from {values.min():.4g} to {values.max():.4g}); "
                            "choose a threshold inside that range")
    definition = {
        "store": str(store), "sweep": str(description.get("name", "")), "design": str(description.get("design", "")),
        "kpi": kpi, "side": side, "threshold": threshold, "per": per, "parameters": names,
        "categorical": categorical, "rows": len(y), "cases": int(y.sum()), "runs_in_store": len(table),
        "runs_analysed": int(keep.sum()), "undefined": int(undefined.sum()), "incomplete": int(incomplete.sum()),
        "currency": _currency(description)}
    return Cases(x.reset_index(drop=True), values.rename(kpi).reset_index(drop=True), y,
                 ids.reset_index(drop=True), runs.reset_index(drop=True), categorical, definition)


def _ema():
    """EMA Workbench's PRIM and feature scoring, imported quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed", "altair ... not available"
        from ema_workbench.analysis import feature_scoring, prim, scenario_discovery_util
    return prim, feature_scoring, scenario_discovery_util


def choose_box(trajectory: pd.DataFrame, min_density: float) -> tuple[int, str]:
    """The box of highest coverage with density >= min_density (then the denser, then the
    earlier); if none reaches it, the densest. Returns its number and the rule in words."""
    meeting = trajectory[trajectory.density >= min_density]
    if len(meeting):
        best = meeting.sort_values(["coverage", "density", "box"], ascending=[False, False, True]).iloc[0]
        return int(best.box), f"the box of highest coverage with density at least {min_density:.0%}"
    best = trajectory.sort_values(["density", "coverage", "box"], ascending=[False, False, True]).iloc[0]
    return int(best.box), f"no box reaches density {min_density:.0%}: the densest box"


def check_settings(min_density: float, box: int | None, mass_min: float, peel_alpha: float) -> None:
    for option, value, low, high in (("--min-density", min_density, 0.0, 1.0), ("--mass-min", mass_min, 0.0, 0.5),
                                     ("--peel-alpha", peel_alpha, 0.0, 0.5)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and low < value <= high):
            raise ScenarioError(option, "", f"must be above {low:g} and at most {high:g} (got {value})")
    if box is not None and not (isinstance(box, int) and box >= 0):
        raise ScenarioError("--box", "", f"must be a box number, 0 or more (got {box})")


def _limits(found, chosen: int, cases: Cases, util) -> pd.DataFrame:
    """Each parameter's range (or levels) in the chosen box against its sampled range, and
    PRIM's quasi-p-value of each restricted side (how likely chance alone cut it)."""
    lims, initial = found.box_lims[chosen], found.prim.box_init
    restricted = set(util._determine_restricted_dims(lims, initial))
    rows = []
    for name in cases.x.columns:
        qp = found.p_values[chosen].get(name, [-1, -1]) if name in restricted else [-1, -1]
        row = {"parameter": name, "restricted": name in restricted,
               "qp_low": np.nan if qp[0] == -1 else float(qp[0]), "qp_high": np.nan if qp[1] == -1 else float(qp[1])}
        if name in cases.categorical:
            every = sorted(set(cases.x[name]))
            inside = sorted(lims[name].iloc[0]) if name in lims else every
            row |= {"kind": "levels", "low": np.nan, "high": np.nan, "sampled_low": np.nan, "sampled_high": np.nan,
                    "levels": [str(v) for v in inside], "sampled_levels": [str(v) for v in every]}
        else:
            row |= {"kind": "range", "low": float(lims[name].iloc[0]), "high": float(lims[name].iloc[1]),
                    "sampled_low": float(initial[name].iloc[0]), "sampled_high": float(initial[name].iloc[1]),
                    "levels": [], "sampled_levels": []}
        rows.append(row)
    order = ["parameter", "kind", "restricted", "low", "high", "sampled_low", "sampled_high", "levels",
             "sampled_levels", "qp_low", "qp_high"]
    return pd.DataFrame(rows)[order]


def _scores(cases: Cases, feature_scoring, util, seed: int) -> pd.DataFrame:
    """Extra-trees importance of each parameter for telling cases from the rest (sums to 1)."""
    columns = cases.x.shape[1]
    scored, _ = feature_scoring.get_ex_feature_scores(
        cases.x, cases.y.astype(int), mode=util.RuleInductionType.CLASSIFICATION, nr_trees=TREES,
        max_features=max(1, round(columns / 3)), random_state=seed)
    scores = scored.iloc[:, 0].reindex(list(cases.x.columns)).fillna(0.0)  # a one-level category is dropped: 0
    table = pd.DataFrame({"parameter": scores.index, "score": scores.to_numpy(dtype=float)})
    table = table.sort_values(["score", "parameter"], ascending=[False, True], kind="stable").reset_index(drop=True)
    table["rank"] = range(1, len(table) + 1)
    return table


def discover(store: str | Path, kpi: str, below: float | None = None, above: float | None = None, *,
             per: str = "run", min_density: float = MIN_DENSITY, box: int | None = None,
             mass_min: float = MASS_MIN, peel_alpha: float = PEEL_ALPHA, seed: int = 0) -> dict[str, pd.DataFrame]:
    """PRIM over a store's runs: the case definition ("definition", one row), the peeling
    trajectory (box, coverage, density, mass, in_box, cases_in_box, restricted, dimensions),
    the chosen box ("box", one row with its rule), its limits, the feature scores, and the
    analysed cases with `case` and `in_box` flags."""
    check_settings(min_density, box, mass_min, peel_alpha)
    found_cases = cases(store, kpi, below, above, per)
    prim, feature_scoring, util = _ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside EMA, sklearn's out-of-bag notes
        analysis = prim.Prim(found_cases.x, found_cases.y.copy(), peel_alpha=peel_alpha, mass_min=mass_min)
        found = analysis.find_box()
        scores = _scores(found_cases, feature_scoring, util, seed)
    peeled = found.peeling_trajectory
    initial = found.prim.box_init
    dims = [list(util._determine_restricted_dims(lims, initial)) for lims in found.box_lims]
    trajectory = pd.DataFrame({
        "box": peeled["id"].astype(int), "coverage": peeled.coverage.astype(float),
        "density": peeled.density.astype(float), "mass": peeled.mass.astype(float), "in_box": peeled.n.astype(int),
        "cases_in_box": peeled.k.astype(int), "restricted": peeled.res_dim.astype(int),
        "dimensions": [", ".join(d) for d in dims]})
    if box is None:
        chosen, rule = choose_box(trajectory, min_density)
    elif box >= len(trajectory):
        raise ScenarioError("--box", "", f"the peeling trajectory has boxes 0 to {len(trajectory) - 1} (got {box})")
    else:
        chosen, rule = box, f"box {box}, chosen with --box"
    found.select(chosen)
    inside = np.zeros(len(found_cases.y), dtype=bool)
    inside[found.yi] = True
    row = trajectory.iloc[chosen]
    summary = pd.DataFrame([{**row.to_dict(), "rule": rule, "min_density": float(min_density),
                             "mass_min": float(mass_min), "peel_alpha": float(peel_alpha)}])
    analysed = pd.concat([found_cases.ids.rename("run_id" if per == "run" else "point"),
                          found_cases.runs.rename("runs"), found_cases.x, found_cases.values], axis=1)
    analysed["case"], analysed["in_box"] = found_cases.y, inside
    return {"definition": pd.DataFrame([found_cases.definition]), "trajectory": trajectory, "box": summary,
            "limits": _limits(found, chosen, found_cases, util), "scores": scores, "cases": analysed}
