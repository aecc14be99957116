"""The report of a `discover --out` folder: the case definition, the chosen PRIM box with its
coverage and density, the peeling trajectory, the box's limits, a pairs plot and the
feature scores. Everything is read from discover.json, whose strings `_read_json` escapes
as it reads; every number and list is checked before it reaches a sentence or a figure, so
a crafted or damaged file is one plain error, never a broken page."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.experiments.discovery import case_sentence, limit_texts
from sim.measures.registry import kpi_label
from sim.params.scenario import ScenarioError
from sim.report.document import Headline, Report, _read_json
from sim.report.discovery_figures import MAX_PAIRS, box_limits, pairs_plot, peeling_trajectory

MAX_POINTS = 100_000
MAX_VALUE = 1e15
DEFINITION = ("kpi", "side", "threshold", "per", "parameters", "categorical", "rows", "cases", "runs_analysed",
              "undefined", "incomplete", "store", "sweep", "design")
TRAJECTORY = ("box", "coverage", "density", "mass", "in_box", "cases_in_box", "restricted", "dimensions")


class _Checker:
    """Checks values of discover.json, naming the field of the first bad one."""

    def __init__(self, path: Path):
        self.path = str(path)

    def bad(self, field: str, problem: str) -> ScenarioError:
        return ScenarioError(self.path, field, problem)

    def table(self, value, field: str, keys: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.bad(field, "is not a table")
        missing = [k for k in keys if k not in value]
        if missing:
            raise self.bad(f"{field}.{missing[0]}", "missing: this is not a discover output")
        return value

    def records(self, value, field: str, keys: tuple[str, ...]) -> list[dict]:
        if not isinstance(value, list) or not value:
            raise self.bad(field, "is not a non-empty list")
        return [self.table(v, f"{field}[{i}]", keys) for i, v in enumerate(value)]

    def number(self, value, field: str, low: float = -MAX_VALUE, high: float = MAX_VALUE, whole: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not low <= value <= high or (whole and value != int(value)):
            raise self.bad(field, f"is not a {'whole' if whole else 'finite'} number from {low:g} to {high:g} (got "
                           f"{str(value)[:40]})")
        return int(value) if whole else float(value)

    def text(self, value, field: str, choices: tuple[str, ...] = ()) -> str:
        if not isinstance(value, str) or (choices and value not in choices):
            raise self.bad(field, f"must be {' or '.join(choices)}" if choices else "is not text")
        return value

    def texts(self, value, field: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.bad(field, "is not a list of text")
        return value

    def flag(self, value, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.bad(field, "is not true or false")
        return value


def _definition(check: _Checker, raw) -> dict:
    found = check.table(raw, "definition", DEFINITION)
    found = {**found, "kpi": check.text(found["kpi"], "definition.kpi"),
             "side": check.text(found["side"], "definition.side", ("below", "above")),
             "per": check.text(found["per"], "definition.per", ("run", "point")),
             "threshold": check.number(found["threshold"], "definition.threshold"),
             "currency": check.text(found.get("currency", "$"), "definition.currency")}
    for key in ("store", "sweep", "design"):
        check.text(found[key], f"definition.{key}")
    parameters = check.texts(found["parameters"], "definition.parameters")
    if not parameters or len(set(parameters)) < len(parameters):
        raise check.bad("definition.parameters", "must name each parameter once")
    if found["kpi"] in parameters:
        raise check.bad("definition.kpi", "is also named as a parameter")
    if not set(check.texts(found["categorical"], "definition.categorical")) <= set(parameters):
        raise check.bad("definition.categorical", "names a parameter that is not analysed")
    for key in ("rows", "cases", "runs_analysed", "undefined", "incomplete"):
        found[key] = check.number(found[key], f"definition.{key}", 0, MAX_VALUE, whole=True)
    if not 0 < found["cases"] < found["rows"]:
        raise check.bad("definition.cases", "must be more than none and fewer than all of the rows")
    return found


def _trajectory(check: _Checker, raw, definition: dict) -> pd.DataFrame:
    rows = []
    for i, row in enumerate(check.records(raw, "trajectory", TRAJECTORY)):
        where = f"trajectory[{i}]"
        if check.number(row["box"], f"{where}.box", 0, MAX_VALUE, whole=True) != i:
            raise check.bad(f"{where}.box", "boxes must be numbered 0, 1, 2, ... in order")
        rows.append({"box": i, **{k: check.number(row[k], f"{where}.{k}", 0, 1) for k in ("coverage", "density", "mass")},
                     **{k: check.number(row[k], f"{where}.{k}", 0, definition["rows"], whole=True)
                        for k in ("in_box", "cases_in_box")},
                     "restricted": check.number(row["restricted"], f"{where}.restricted", 0,
                                                len(definition["parameters"]), whole=True),
                     "dimensions": check.text(row["dimensions"], f"{where}.dimensions")})
    return pd.DataFrame(rows)


def _limits(check: _Checker, raw, definition: dict) -> pd.DataFrame:
    rows = []
    keys = ("parameter", "kind", "restricted", "low", "high", "sampled_low", "sampled_high", "levels", "sampled_levels")
    for i, row in enumerate(check.records(raw, "limits", keys)):
        where = f"limits[{i}]"
        kind = check.text(row["kind"], f"{where}.kind", ("range", "levels"))
        found = {"parameter": check.text(row["parameter"], f"{where}.parameter"), "kind": kind,
                 "restricted": check.flag(row["restricted"], f"{where}.restricted"),
                 **{k: (None if row.get(k) is None else check.number(row[k], f"{where}.{k}", 0, 1))
                    for k in ("qp_low", "qp_high")}}
        if kind == "range":
            ends = [check.number(row[k], f"{where}.{k}") for k in ("sampled_low", "low", "high", "sampled_high")]
            if ends != sorted(ends):
                raise check.bad(f"{where}.low", "the box must lie inside the sampled range, low below high")
            found |= dict(zip(("sampled_low", "low", "high", "sampled_high"), ends), levels=[], sampled_levels=[])
        else:
            levels, every = check.texts(row["levels"], f"{where}.levels"), check.texts(row["sampled_levels"],
                                                                                       f"{where}.sampled_levels")
            if not levels or not set(levels) <= set(every):
                raise check.bad(f"{where}.levels", "the box's levels must be some of the sampled levels")
            found |= dict(low=None, high=None, sampled_low=None, sampled_high=None, levels=levels, sampled_levels=every)
        rows.append(found)
    table = pd.DataFrame(rows)
    if sorted(table.parameter) != sorted(definition["parameters"]):
        raise check.bad("limits", "must hold each analysed parameter once")
    if ({*table.parameter[table.kind == "levels"]} != set(definition["categorical"])):
        raise check.bad("limits", "a parameter's kind (range or levels) does not match definition.categorical")
    return table


def _scores(check: _Checker, raw, definition: dict) -> pd.DataFrame:
    rows = [{"parameter": check.text(r["parameter"], f"scores[{i}].parameter"),
             "score": check.number(r["score"], f"scores[{i}].score", 0, 1)}
            for i, r in enumerate(check.records(raw, "scores", ("parameter", "score")))]
    table = pd.DataFrame(rows)
    if sorted(table.parameter) != sorted(definition["parameters"]):
        raise check.bad("scores", "must score each analysed parameter once")
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _points(check: _Checker, raw, definition: dict, limits: pd.DataFrame) -> pd.DataFrame:
    """The sample of cases for the pairs plot: one equal-length list per column."""
    columns = (*definition["parameters"], definition["kpi"], "case", "in_box")
    found = check.table(raw, "points", columns)
    sizes = {len(found[c]) if isinstance(found[c], list) else -1 for c in columns}
    if len(sizes) != 1 or not 0 < next(iter(sizes)) <= MAX_POINTS:
        raise check.bad("points", f"must hold lists of one length, 1 to {MAX_POINTS:,} values each")
    kinds = limits.set_index("parameter").kind
    table = {}
    for name in columns:
        if name in ("case", "in_box"):
            table[name] = [check.flag(v, f"points.{name}") for v in found[name]]
        elif name != definition["kpi"] and kinds[name] == "levels":
            table[name] = check.texts(found[name], f"points.{name}")
        else:
            table[name] = [check.number(v, f"points.{name}") for v in found[name]]
    return pd.DataFrame(table)


def _box_words(limits: pd.DataFrame) -> str:
    rows = limits[limits.restricted]
    if rows.empty:
        return "The box restricts no parameter: cases occur across the whole sampled space."
    return "; ".join(f"{row.parameter} {limit_texts(row)[0]}" for row in rows.itertuples()) + "."


def _parameter_table(limits: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Every parameter by feature score: its score, what the box keeps of it, what was sampled."""
    rows = {row.parameter: row for row in limits.itertuples()}
    table = []
    for rank, score in enumerate(scores.itertuples(), start=1):
        kept, sampled, qp = limit_texts(rows[score.parameter])
        table.append({"parameter": score.parameter, "feature score": f"{score.score:.3f}", "rank": str(rank),
                      "in the box": kept, "sampled": sampled, "quasi-p": qp})
    return pd.DataFrame(table)


def discovery_report(folder: Path) -> Report:
    """A `discover --out` folder: discover.json, checked in full."""
    path = folder / "discover.json"
    document = _read_json(path, ("kind", "definition", "box", "trajectory", "limits", "scores", "points"))
    check = _Checker(path)
    if document["kind"] != "discover":
        raise check.bad("kind", "is not 'discover': this is not a discover output")
    definition = _definition(check, document["definition"])
    trajectory = _trajectory(check, document["trajectory"], definition)
    box = check.table(document["box"], "box", ("box", "rule"))
    chosen = check.number(box["box"], "box.box", 0, len(trajectory) - 1, whole=True)
    rule = check.text(box["rule"], "box.rule")
    min_density = None if box.get("min_density") is None else check.number(box["min_density"], "box.min_density", 0, 1)
    limits = _limits(check, document["limits"], definition)
    scores = _scores(check, document["scores"], definition)
    points = _points(check, document["points"], definition, limits)
    total = check.number(document.get("cases_total", len(points)), "cases_total", len(points), MAX_VALUE, whole=True)
    row = trajectory.iloc[chosen]
    if int(row.restricted) != int(limits.restricted.sum()):
        raise check.bad("limits", f"restricts {int(limits.restricted.sum())} parameter(s), box {chosen} restricts "
                        f"{int(row.restricted)}")
    kpi, unit = definition["kpi"], "runs" if definition["per"] == "run" else "design points"
    sentence = case_sentence(definition)
    figures = [("Peeling trajectory: the trade-off between coverage and density",
                peeling_trajectory(trajectory, chosen, min_density))]
    notes = [("A case is one run: replicates are separate cases, so luck within a design point lowers the density."
              if definition["per"] == "run" else "A case is one design point, the KPI averaged over its runs."),
             "Quasi-p values give the chance that a restriction this strong would arise by luck; above 0.05 a "
             "restriction may be noise."]
    restricted = [p for p in scores.parameter if p in set(limits.parameter[limits.restricted])]
    if restricted:
        figures.append(("The box against the sampled ranges", box_limits(limits)))
        figures.append(("The box's parameters, case by case", pairs_plot(
            points, restricted, limits, kpi, definition["threshold"], f"case ({kpi} {definition['side']} "
            f"{definition['threshold']:g})")))
        if len(restricted) > MAX_PAIRS:
            notes.append(f"The pairs plot shows the {MAX_PAIRS} restricted parameters with the highest feature scores, "
                         f"of {len(restricted)}.")
        if total > len(points):
            notes.append(f"The pairs plot shows a fixed sample of {len(points):,} of the {total:,} {unit}.")
    for count, why in ((definition["undefined"], f"whose {kpi} is undefined"),
                       (definition["incomplete"], "without a value for every parameter (another design in the store)")):
        if count:
            notes.append(f"Left out: {count:,} run(s) {why}.")
    return Report(
        kind="discover", title=f"When is {kpi} {definition['side']} {definition['threshold']:g}?",
        story=f"Scenario discovery over the sweep {definition['sweep']} ({definition['design']} design): PRIM peeled the "
              f"{definition['rows']:,} {unit} down to a box of parameter ranges where the cases of interest, {sentence}, "
              f"are dense. The box shown is {rule}.",
        headlines=[
            Headline("Cases of interest", f"{definition['cases']:,} of {definition['rows']:,}",
                     f"{unit.capitalize()} where {kpi_label(kpi).lower()} is {definition['side']} "
                     f"{definition['threshold']:g} ({definition['cases'] / definition['rows']:.0%})."),
            Headline("Coverage", f"{row.coverage:.0%}", f"of the cases lie inside box {chosen} "
                                                         f"({int(row.cases_in_box):,} of {definition['cases']:,})."),
            Headline("Density", f"{row.density:.0%}", f"of the {int(row.in_box):,} {unit} inside the box are cases."),
            Headline("Restricted parameters", f"{int(row.restricted)}", _box_words(limits))],
        figures=figures, parameters=_parameter_table(limits, scores), notes=notes,
        scope=f"{definition['rows']:,} {unit} \u00b7 {definition['runs_analysed']:,} runs",
        bottom_line=(f"{kpi_label(kpi)} is {definition['side']} {definition['threshold']:g} mostly where "
                     f"{_box_words(limits)}" if limits.restricted.any() else _box_words(limits)),
        provenance=f"PRIM and extra-trees feature scores from EMA Workbench over {definition['runs_analysed']:,} runs of "
                   f"the store {definition['store']}; community-sim {str(document.get('version', ''))}.")
