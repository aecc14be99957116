"""What a report says: read a `run`, `compare`, `roi`, `sweep`, `facts`, `discover` or
`optimize` output folder and turn it into headline KPIs with plain sentences, figures and a
parameter table (`Report`).

Escaping happens at one boundary: every string read from the folder (JSON keys and values,
table headings and cells) is HTML-escaped as it is read, by `_read_json` and `_read_table`
(sim/report/document.py) and `sweep_report`, so nothing downstream (sentences, figures, the page) ever holds raw text."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.measures.registry import kpi_kind, kpi_label, money_or_value
from sim.experiments.objectives import lever_text
from sim.report import figures, story
from sim.report.document import (Headline, Report, _escaped_table, _read_json, _read_table, default_settings,
                                 parameter_table)
from sim.report.experiment_figures import MAX_LEVELS
from sim.report.runs import compare_report, roi_report, run_report
from sim.report.story import Scope, rounded
from sim.experiments.output import check_whole
from sim.params.scenario import ScenarioError

SWEEP_KPIS = ("answer_rate_24h", "deflection_rate", "cost_per_issue")


def _sweep_headline(runs: pd.DataFrame, parameters: list[str], kpi: str, currency: str) -> Headline | None:
    """The KPI's range over the design's points (None when it is undefined everywhere)."""
    means = (runs.groupby(parameters)[kpi].mean() if parameters else runs[kpi].agg(["mean"])).dropna()
    if means.empty:
        return None
    highest, lowest = means.idxmax(), means.idxmin()

    def at(point) -> str:
        values = point if isinstance(point, tuple) else (point,)
        return ", ".join(f"{p} = {str(v)}" for p, v in zip(parameters, values))

    low, high = (rounded(means[p], kpi_kind(kpi), currency) for p in (lowest, highest))
    return Headline(kpi_label(kpi), f"{low} to {high}",
                    f"Across the design, {kpi_label(kpi).lower()} ranges from {low} ({at(lowest)}) "
                    f"to {high} ({at(highest)}).")


def _strongest(runs: pd.DataFrame, parameters: list[str], kpi: str, currency: str) -> str:
    """Which swept parameter moves the KPI's mean most (a parameter of many values is split
    into quartiles), as the sweep's bottom line."""
    spreads = {}
    for parameter in parameters:
        groups = runs[parameter] if runs[parameter].nunique() <= MAX_LEVELS else pd.qcut(
            runs[parameter].astype(float), 4, duplicates="drop")
        means = runs.groupby(groups, observed=True)[kpi].mean().dropna()
        if len(means) > 1:
            spreads[parameter] = (means.max() - means.min(), means.min(), means.max())
    if not spreads:
        return ""
    parameter, (_, low, high) = max(spreads.items(), key=lambda item: item[1][0])
    kind = kpi_kind(kpi)
    return (f"Of the swept parameters, {parameter} moves {kpi_label(kpi).lower()} most: its mean runs from "
            f"{rounded(low, kind, currency)} to {rounded(high, kind, currency)} across {parameter}'s values, "
            "the other parameters averaged over.")


def _levels(values: pd.Series) -> str:
    """The values a parameter took: listed when few, else their range."""
    distinct = sorted(values.dropna().unique(), key=lambda v: (isinstance(v, str), v))
    if len(distinct) <= MAX_LEVELS or isinstance(distinct[0], str):
        return ", ".join(str(v) for v in distinct)
    return f"{distinct[0]:.4g} to {distinct[-1]:.4g} ({len(distinct)} values)"


def sweep_report(folder: Path) -> Report:
    """A sweep store: runs/chunk-*.parquet, sweep.json, and sensitivity.csv if `sensitivity
    --out` wrote one there."""
    from sim.experiments.store_summary import query

    description = _read_json(folder / "sweep.json", ("name", "design", "parameters", "scenario"))
    runs = _escaped_table(query(folder, "SELECT * FROM runs"))
    parameters = [p for p in description["parameters"] if p in runs]
    currency = str(description["scenario"].get("costs", {}).get("currency", "$"))
    kpis = [k for k in SWEEP_KPIS if k in runs]
    runs = runs.assign(**{p: runs[p].map(lambda v: str(v) if isinstance(v, str) else v)
                               for p in parameters})
    found = [(f"{kpi_label(k)} by parameter", figures.sweep_effects(runs, k, parameters)) for k in kpis]
    notes = []
    gridded = [p for p in parameters if runs[p].nunique() <= MAX_LEVELS]
    if len(gridded) >= 2 and kpis:
        found.append(("Two parameters together", figures.sweep_heatmap(runs, kpis[0], gridded[0], gridded[1])))
    sensitivity = folder / "sensitivity.csv"
    if sensitivity.exists():
        indices = _read_table(sensitivity, ("kpi", "parameter"))
        if "ST" in indices:
            for kpi in dict.fromkeys(indices.kpi):
                found.append((f"What drives {kpi_label(str(kpi)).lower()}",
                              figures.sobol_tornado(indices, kpi)))
        else:
            notes.append("sensitivity.csv holds Morris screening, not Sobol indices: no tornado is drawn.")
    levels = {p: _levels(runs[p]) for p in parameters}
    table = parameter_table({"base value": description["scenario"]})
    table["swept over"] = [levels.get(p, "") for p in table.parameter]
    base = description["scenario"]
    members = (sorted({int(m) for m in runs["population.members"]}) if "population.members" in runs
               else int(base["population"]["members"]))
    replicates = story.count_of(description["replicates"]) if "replicates" in description else None
    periods = sorted({float(d) for d in runs["days"]}) if "days" in runs else [float(base["scenario"]["days"])]
    scope = Scope(members, periods[0] if len(periods) == 1 else periods,
                  f"{len(runs):,} runs" + (f", {int(replicates)} replicates per point" if replicates else ""),
                  int(base["scenario"]["seed"]))
    told, caveats = story.story(str(base["scenario"].get("description", "")), scope)
    return Report(
        kind="sweep", title=f"Sweep of {story.title_of(str(description['name']))}", story=told, scope=scope.line(),
        headlines=[h for h in (_sweep_headline(runs, parameters, k, currency) for k in kpis) if h], figures=found,
        bottom_line=_strongest(runs, parameters, kpis[0], currency) if kpis else "",
        parameters=table, notes=caveats + notes, defaults=default_settings(),
        provenance=f"{len(runs):,} runs, {str(description['design'])} design over "
                   f"{len(parameters)} parameter(s); community-sim {str(description.get('version', ''))}.")


def facts_report(folder: Path) -> Report:
    """A `facts --out` folder: facts.json (how the check ran) and facts.csv (a row per fact
    and size), drawn as one dot-and-band chart per fact, validation facts first."""
    from sim.report import validation

    document = _read_json(folder / "facts.json", ("kind", "replicates", "seed"))
    if document["kind"] != "facts":
        raise ScenarioError(str(folder / "facts.json"), "kind", "is not 'facts': this is not a facts output")
    table = validation.checked_facts(_read_table(folder / "facts.csv", validation.COLUMNS), folder / "facts.csv")
    sizes = sorted({int(m) for m in table.members})
    days = (document.get("overrides") or {}).get("scenario.days")
    replicates = story.count_of(document["replicates"])
    scope = Scope(sizes, float(days) if isinstance(days, (int, float)) else "each scenario's own period",
                  f"{replicates} replicates per scenario and size", int(document["seed"]))
    counts = validation.headline_counts(table)
    return Report(
        kind="facts", title="The model against published facts", scope=scope.line(),
        bottom_line=next((f"{value} validation facts held at every size checked; {sentence}"
                          for label, value, sentence, _ in counts if label.startswith("Validation")), ""),
        story="Each published fact against the model at each community size. Validation facts were not used to "
              "choose a default, so they can fail for a model that was tuned well: they are the evidence (some "
              "hold-outs are partial; the mapping column and docs/MODEL.md §5.1 say where). Calibration facts were "
              "used to set a default or a scenario, so reproducing them shows only that the fit holds; a band "
              "marked as an assumption in the mapping column has no published source. Sizes checked: "
              f"{', '.join(f'{s:,}' for s in sizes)} members.",
        headlines=[Headline(*count) for count in counts],
        figures=validation.facts_figures(table), parameters=validation.facts_table(table),
        notes=[validation.HOW_TO_READ] + ([f"Run with overrides of the scenarios: {json.dumps(document['overrides'])}."]
                                           if document.get("overrides") else []),
        provenance=f"{int(document['replicates'])} replicates per scenario and size on common seeds (root "
                   f"{int(document['seed'])}); intervals are 95% t-intervals over replicates; community-sim "
                   f"{str(document.get('version', ''))}.")


def optimize_report(folder: Path) -> Report:
    """An `optimize --out` folder: optimize.json (what was searched) and trials.csv (every
    policy evaluated), drawn as the Pareto chart; the front and the choice are recomputed."""
    from sim.report import policy_search as search

    path = folder / "optimize.json"
    document = _read_json(path, ("kind", "objectives", "constraints", "levers", "replicates", "scenario"))
    if document["kind"] != "optimize":
        raise ScenarioError(str(path), "kind", "is not 'optimize': this is not an optimize output")
    objectives, constraints, levers = search.declared(document, path)
    table = search.checked_trials(_read_table(folder / "trials.csv"), folder / "trials.csv", objectives, constraints,
                                  levers)
    choice = search.chosen(table, objectives, document.get("robust") == "regret")
    currency = str(document["scenario"]["costs"]["currency"])
    replicates, robust = story.count_of(document["replicates"]), document.get("robust")
    judged = (f"each judged by the value it reaches in {float(document['percentile']):g}% of "
              f"{int(document['states'])} states of the world" if robust else "each judged by its mean")
    if choice.empty:
        headline = Headline("Chosen policy", "none", "No evaluated policy met every constraint: widen the lever "
                                                     "ranges, relax a constraint or search longer.", "worse")
    else:
        row = choice.iloc[0]
        shown = list(dict.fromkeys([o.kpi for o in objectives] + [c.kpi for c in constraints]))
        headline = Headline("Chosen policy", f"trial {int(row.trial)}", lever_text(row, levers) + ". " + "; ".join(
            f"{kpi_label(kpi)} {money_or_value(row[kpi], kpi_kind(kpi), currency)}" for kpi in shown) + ".", "better")
    base = document["scenario"]
    scope = Scope(int(base["population"]["members"]), float(base["scenario"]["days"]),
                  f"{len(table)} policies \u00d7 {replicates} replicates" + (f" \u00d7 {int(document['states'])} states"
                                                                           if robust else ""),
                  int(base["scenario"]["seed"]))
    return Report(
        kind="optimize", title=f"Policy search on {story.title_of(str(base['scenario']['name']))}", scope=scope.line(),
        bottom_line=headline.sentence if choice.empty else f"The policy to choose: {headline.sentence}",
        story=f"{len(table)} policies over the levers {', '.join(levers)} were run on {replicates} common seeds, "
              f"{judged}, against the objectives {', '.join(f'{o.kpi} ({o.sense})' for o in objectives)}"
              + (f" under {', '.join(c.text for c in constraints)}" if constraints else "") + ". The chosen policy is "
              + ("the feasible one with the least maximum regret." if robust == "regret" else
                 f"the feasible one best on {objectives[0].kpi}."),
        headlines=[headline, Headline("Feasible policies", f"{int(table.feasible.sum())} of {len(table)}",
                                      f"{int(table.pareto.sum())} on the Pareto front.")],
        figures=[("Pareto front", search.pareto_chart(table, choice, objectives, constraints, levers, currency,
                                                      robust=bool(robust)))],
        parameters=search.front_table(table, objectives, constraints, levers, currency),
        notes=["How to read the chart: each dot is one policy (hover for its levers and its mean with the 95% "
               "interval over replicates)" + ("; a dot is the value reached in the stated share of states of the "
                                              "world, which the interval of the mean does not bound, so no whiskers "
                                              "are drawn" if robust else ", with whiskers for that interval")
               + "; hollow dots break a constraint, the joined dots are the feasible Pareto front and the star the "
                 "chosen policy. The table lists the front."],
        provenance=f"optimize with the {str(document.get('sampler', ''))} sampler; community-sim "
                   f"{str(document.get('version', ''))}.")


def build_report(folder: str | Path) -> Report:
    """The report of any output folder; bad input raises ScenarioError naming the folder.
    Files that parse but lack what a community-sim output holds (a foreign or hand-edited
    summary, say) surface as KeyError or ValueError while building, and are bad input too."""
    try:
        return _build(Path(folder))
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, OverflowError, RecursionError) as error:
        if isinstance(error, ScenarioError):
            raise
        raise ScenarioError(str(folder), "", f"not a complete community-sim output ({type(error).__name__}: "
                                             f"{' '.join(str(error).split())[:120]})") from None


def _build(folder: Path) -> Report:
    if not folder.exists():
        raise ScenarioError(str(folder), "", "no such folder")
    if not folder.is_dir():
        raise ScenarioError(str(folder), "", "is not a folder: give a run, compare or sweep output folder")
    check_whole(folder)
    if (folder / "summary.json").exists():
        return run_report(folder)
    if (folder / "compare.json").exists():
        return compare_report(folder)
    if (folder / "roi.json").exists():
        return roi_report(folder)
    if (folder / "facts.json").exists():
        return facts_report(folder)
    if (folder / "discover.json").exists():
        from sim.report.discovery import discovery_report
        return discovery_report(folder)
    if (folder / "optimize.json").exists():  # before the sweep: its runs are in a store too
        return optimize_report(folder)
    if (folder / "herding.json").exists():
        raise ScenarioError(str(folder), "", "a herding experiment's output: report draws none yet; herding.json holds "
                                             "the effects and `community-sim results` reads its store")
    if (folder / "sweep.json").exists() or (folder / "runs").is_dir():
        return sweep_report(folder)
    raise ScenarioError(str(folder), "", "not a community-sim output: no summary.json (run), compare.json "
                                         "(compare), roi.json (roi), facts.json (facts), discover.json (discover), optimize.json (optimize) or runs/ and sweep.json (sweep store)")
