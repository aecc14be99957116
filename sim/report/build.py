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

from sim.measures.registry import (HEADLINE_KPIS, describe_change, format_kpi, format_measure, kpi_kind, kpi_label,
                                   money_or_value)
from sim.experiments.objectives import lever_text
from sim.report import figures
from sim.report.document import Headline, Report, _escaped_table, _read_json, _read_table
from sim.report.experiment_figures import MAX_LEVELS, roi_waterfall
from sim.experiments.output import check_whole
from sim.params.scenario import ScenarioError

SWEEP_KPIS = ("answer_rate_24h", "deflection_rate", "cost_per_issue")
DAILY_COLUMNS = ("day", "cost_total", "readers", "responders", "superusers", "churned", "role_changes_day")
FLOW_KPIS = ("issues", "self_service", "forum_threads", "direct_contacts", "complaints", "solved", "escalations",
             "social_fallbacks", "complaints_served", "complaints_unanswered", "pileup_contacts", "repeat_contacts",
             "direct_calls", "escalation_calls", "fallback_calls", "pileup_calls", "repeat_calls", "calls_to_social",
             "calls_given_up")


def _parameter_table(columns: dict[str, dict]) -> pd.DataFrame:
    """One row per parameter (except the [sweep] section), one column per scenario."""
    flats = {name: pd.json_normalize({k: v for k, v in scenario.items() if k != "sweep"}).iloc[0].to_dict()
             for name, scenario in columns.items()}
    keys = list(dict.fromkeys(key for flat in flats.values() for key in flat))
    return pd.DataFrame({"parameter": keys,
                         **{name: [_cell(flat.get(key, "")) for key in keys] for name, flat in flats.items()}})


def _cell(value) -> str:
    """A parameter value as text; lists of tables (launches) as JSON."""
    return json.dumps(value) if isinstance(value, list) else str(value)


def _run_sentence(kpi: str, kpis: dict, currency: str) -> str:
    value = kpis.get(kpi)
    if value is None:
        return f"{kpi_label(kpi)} is undefined for this run (nothing to measure yet)."
    shown = format_kpi(value, kpi_kind(kpi))
    return {
        "answer_rate_24h": f"{shown} of forum questions got a first answer within 24 hours.",
        "median_hours_to_first_answer": f"Half of the answered questions waited less than {shown} for a first answer.",
        "deflection_rate": f"{shown} of all issues were resolved by search or the forum, without a paid channel.",
        "assisted_contacts": f"{shown} contacts reached the contact centre: calls, escalations from the forum and social media, and repeats.",
        "cost_per_issue": f"Support cost {currency}{shown} per issue, {currency}{format_kpi(kpis['cost_total'], 'money')} in all.",
    }.get(kpi, f"{kpi_label(kpi)}: {shown}.")


def _headline_value(kpi: str, value, currency: str) -> str:
    shown = format_kpi(value, kpi_kind(kpi))
    return f"{currency}{shown}" if kpi_kind(kpi) == "money" and value is not None else shown


def run_report(folder: Path) -> Report:
    """A `run --out` folder: summary.json, daily.parquet and (since 0.1) members.parquet."""
    summary = _read_json(folder / "summary.json", ("kpis", "scenario", "seed", "version"))
    kpis, scenario = summary["kpis"], summary["scenario"]
    currency = str(scenario.get("costs", {}).get("currency", "$"))
    daily = _read_table(folder / "daily.parquet", DAILY_COLUMNS)
    found = [("KPIs by day", figures.kpi_time_series(daily, currency=currency)),
             ("Where issues went", figures.issue_flow_sankey(kpis)),
             ("The participation pyramid", figures.participation_pyramid(kpis))]
    notes = []
    if (folder / "members.parquet").exists():
        found.append(("Who writes the answers", figures.lorenz_curve(_read_table(folder / "members.parquet", ("answers",))["answers"])))
    else:
        notes.append("No members.parquet in this folder (written by runs of version 0.1 and later): "
                     "the Lorenz curve of answers is left out.")
    found.append(("Members by role", figures.role_flows(daily)))
    return Report(
        kind="run", title=str(scenario["scenario"]["name"]),
        story=str(scenario["scenario"].get("description", "")),
        headlines=[Headline(kpi_label(k), _headline_value(k, kpis.get(k), currency), _run_sentence(k, kpis, currency))
                   for k in HEADLINE_KPIS],
        figures=found, parameters=_parameter_table({"value": scenario}), notes=notes,
        provenance=f"One run, seed {int(summary['seed'])}, {float(kpis.get('days', 0)):.0f} days, "
                   f"community-sim {str(summary['version'])}.")


def compare_report(folder: Path) -> Report:
    """A `compare --out` folder: compare.json (with the differences), paired.csv and daily.parquet."""
    document = _read_json(folder / "compare.json", ("a", "b", "replicates", "differences", "scenarios", "verdict"))
    a, b = str(document["a"]), str(document["b"])
    table = pd.DataFrame(document["differences"]).astype({"difference": float, "low": float, "high": float})
    rows = table.set_index("kpi")
    currency = str(document["scenarios"]["b"].get("costs", {}).get("currency", "$"))
    headlines = [Headline(kpi_label(k),
                          f"{_headline_value(k, rows.loc[k, 'a_mean'], currency)} \u2192 "
                          f"{_headline_value(k, rows.loc[k, 'b_mean'], currency)}",
                          f"{b} {describe_change(k, *rows.loc[k, ['difference', 'low', 'high']], currency=currency,
                                                   name=kpi_label(k).lower())}.")
                 for k in HEADLINE_KPIS if k in rows.index]
    paired = _read_table(folder / "paired.csv", ("arm", *FLOW_KPIS)) if (folder / "paired.csv").exists() else None
    fixed = (table["by_definition"].map(lambda v: v is True) if "by_definition" in table
             else pd.Series(False, table.index))  # a KPI both scenarios fix by definition is no finding
    found = [("Paired differences", figures.forest_plot(table[~fixed], a_name=a, b_name=b))]
    notes = ([f"Not findings, since both scenarios fix them by definition: {', '.join(map(str, table.kpi[fixed]))}."]
             if fixed.any() else [])
    if (folder / "daily.parquet").exists():
        daily = _read_table(folder / "daily.parquet", ("arm", *DAILY_COLUMNS))
        daily["scenario"] = daily["arm"].map({"A": f"A: {a}", "B": f"B: {b}"})
        found.append(("KPIs by day", figures.kpi_time_series(daily, by="scenario", currency=currency)))
    else:
        notes.append("No daily.parquet in this folder (written by compare of version 0.1 and later): "
                     "the KPI time series are left out.")
    if paired is None:
        notes.append("No paired.csv in this folder: the issue-flow diagrams are left out.")
    else:
        for arm, name in (("A", a), ("B", b)):
            means = paired[paired.arm == arm].mean(numeric_only=True).to_dict()
            found.append((f"Where issues went: {arm}", figures.issue_flow_sankey(means, title=f"{arm}: {name}")))
    return Report(
        kind="compare", title=f"{b} compared with {a}",
        story=f"A: {str(document['scenarios']['a']['scenario'].get('description', ''))}<br>"
              f"B: {str(document['scenarios']['b']['scenario'].get('description', ''))}",
        headlines=headlines, figures=found,
        parameters=_parameter_table({f"A: {a}": document["scenarios"]["a"], f"B: {b}": document["scenarios"]["b"]}),
        notes=notes,
        provenance=f"{int(document['replicates'])} paired replicates on common seeds; intervals are 95% "
                   f"t-intervals of the paired difference B \u2212 A; community-sim {str(document.get('version', ''))}.")


def _sweep_headline(runs: pd.DataFrame, parameters: list[str], kpi: str, currency: str) -> Headline | None:
    """The KPI's range over the design's points (None when it is undefined everywhere)."""
    means = (runs.groupby(parameters)[kpi].mean() if parameters else runs[kpi].agg(["mean"])).dropna()
    if means.empty:
        return None
    highest, lowest = means.idxmax(), means.idxmin()

    def at(point) -> str:
        values = point if isinstance(point, tuple) else (point,)
        return ", ".join(f"{p} = {str(v)}" for p, v in zip(parameters, values))

    low, high = (_headline_value(kpi, means[p], currency) for p in (lowest, highest))
    return Headline(kpi_label(kpi), f"{low} to {high}",
                    f"Across the design, {kpi_label(kpi).lower()} ranges from {low} ({at(lowest)}) "
                    f"to {high} ({at(highest)}).")


def _levels(values: pd.Series) -> str:
    """The values a parameter took: listed when few, else their range."""
    distinct = sorted(values.dropna().unique(), key=lambda v: (isinstance(v, str), v))
    if len(distinct) <= MAX_LEVELS or isinstance(distinct[0], str):
        return ", ".join(str(v) for v in distinct)
    return f"{distinct[0]:.4g} to {distinct[-1]:.4g} ({len(distinct)} values)"


ROI_HEADLINES = (("net_savings", "Net savings"), ("roi", "Return on the community's cost"),
                 ("contacts_avoided", "Contacts avoided"), ("break_even_contact_price", "Break-even contact price"),
                 ("payback_month", "Payback month"))


def roi_report(folder: Path) -> Report:
    """A `roi --out` folder: roi.json (the summary over replicates), with the waterfall from
    gross savings to net savings as the first chart."""
    document = _read_json(folder / "roi.json", ("scenario", "counterfactual", "replicates", "summary", "currency",
                                                "contact_price", "verdict", "scenarios", "members", "days"))
    summary = pd.DataFrame(document["summary"]).astype({"mean": float, "low": float, "high": float})
    rows, currency = summary.set_index("measure"), str(document["currency"])
    shown = {m: [format_measure(m, rows.loc[m, side], currency) for side in ("mean", "low", "high")]
             for m, _ in ROI_HEADLINES}
    paid_back = (f"Range {shown['payback_month'][1]} to {shown['payback_month'][2]}, in the "
                 f"{int(rows.loc['payback_month', 'replicates'])} of {int(document['replicates'])} replicates "
                 "that paid back within the run.")
    headlines = [Headline(label, f"month {shown[m][0]}" if m == "payback_month" else shown[m][0],
                          paid_back if m == "payback_month" else f"95% CI {shown[m][1]} to {shown[m][2]}.")
                 for m, label in ROI_HEADLINES]
    name, other = str(document["scenario"]), str(document["counterfactual"])
    return Report(
        kind="roi", title=f"Does {name} pay for itself?",
        story=f"{document['verdict']} Against {other}, on {int(document['members']):,} members over "
              f"{int(document['days'])} days; an avoided contact is valued at {currency}"
              f"{float(document['contact_price']):,.2f} (costs.contact).",
        headlines=headlines, figures=[("From gross savings to net savings", roi_waterfall(summary, currency, document.get("include_retention") is True))],
        parameters=_parameter_table({name: document["scenarios"]["community"],
                                     other: document["scenarios"]["counterfactual"]}),
        provenance=f"{int(document['replicates'])} paired replicates on common seeds; intervals are 95% "
                   f"t-intervals over replicates; community-sim {str(document.get('version', ''))}.")


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
    table = _parameter_table({"base value": description["scenario"]})
    table["swept over"] = [levels.get(p, "") for p in table.parameter]
    return Report(
        kind="sweep", title=f"Sweep of {str(description['name'])}",
        story=str(description["scenario"]["scenario"].get("description", "")),
        headlines=[h for h in (_sweep_headline(runs, parameters, k, currency) for k in kpis) if h], figures=found,
        parameters=table, notes=notes,
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
    return Report(
        kind="facts", title="The model against published facts",
        story="Each published fact against the model at each community size. Validation facts were not used to "
              "choose a default, so they can fail for a model that was tuned well: they are the evidence (some "
              "hold-outs are partial; the mapping column and docs/MODEL.md §5.1 say where). Calibration facts were "
              "used to set a default or a scenario, so reproducing them shows only that the fit holds; a band "
              "marked as an assumption in the mapping column has no published source. Sizes checked: "
              f"{', '.join(f'{s:,}' for s in sizes)} members.",
        headlines=[Headline(*counts) for counts in validation.headline_counts(table)],
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
    replicates, robust = int(document["replicates"]), document.get("robust")
    judged = (f"each judged by the value it reaches in {float(document['percentile']):g}% of "
              f"{int(document['states'])} states of the world" if robust else "each judged by its mean")
    if choice.empty:
        headline = Headline("Chosen policy", "none", "No evaluated policy met every constraint: widen the lever "
                                                     "ranges, relax a constraint or search longer.")
    else:
        row = choice.iloc[0]
        shown = list(dict.fromkeys([o.kpi for o in objectives] + [c.kpi for c in constraints]))
        headline = Headline("Chosen policy", f"trial {int(row.trial)}", lever_text(row, levers) + ". " + "; ".join(
            f"{kpi_label(kpi)} {money_or_value(row[kpi], kpi_kind(kpi), currency)}" for kpi in shown) + ".")
    return Report(
        kind="optimize", title=f"Policy search on {str(document['scenario']['scenario']['name'])}",
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
