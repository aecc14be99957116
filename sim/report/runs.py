"""Reports of one run, a paired compare and an roi folder: the header states what was run (from
the output), each card a verdict against a reference, and one bottom-line sentence.

References: for a run, the published band of a fact (targets/stylized_facts.toml) where a
headline KPI has one, the price of one assisted contact for the cost per issue, a day for the
time to first answer, and the issues for the contacts; for a compare, scenario A, with the
registry's direction of better; for roi, zero net savings."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sim.experiments.design import replicate_seeds
from sim.measures.registry import HEADLINE_KPIS, describe_change, format_measure, kpi_kind, kpi_label
from sim.report import figures, story
from sim.report.document import Headline, Report, _read_json, _read_table, default_settings, parameter_table
from sim.report.experiment_figures import roi_waterfall
from sim.report.story import BETTER, UNCLEAR, WORSE, Scope, band_tone, rounded, tone

DAILY_COLUMNS = ("day", "cost_total", "readers", "responders", "superusers", "churned", "role_changes_day")
FLOW_KPIS = ("issues", "self_service", "forum_threads", "direct_contacts", "complaints", "solved", "escalations",
             "social_fallbacks", "complaints_served", "complaints_unanswered", "pileup_contacts", "repeat_contacts",
             "direct_calls", "escalation_calls", "fallback_calls", "pileup_calls", "repeat_calls", "calls_to_social",
             "calls_given_up")
LOW_OCCUPANCY = 0.5  # below this, idle agents dominate the contact centre's cost


@lru_cache(maxsize=32)
def published_bands(scenario: str) -> dict[str, tuple[float, float, str, bool]]:
    """KPI -> (low, high, 'source, role', whether a validation fact) for the headline KPIs that a published fact of an
    absolute value covers, from the project's targets file: the facts of the run's own
    scenario where it has any, else those of the baseline (a customer-led vendor forum)."""
    from sim.experiments.stylized_facts import DEFAULT_TARGETS, load_facts

    facts = [f for f in load_facts(DEFAULT_TARGETS) if f.kpi in HEADLINE_KPIS and f.value is not None
             and f.experiment is None and f.baseline_scenario is None]
    own = scenario if any(f.scenario == scenario for f in facts) else "baseline"
    bands = {}
    for fact in facts:
        if fact.scenario == own and fact.kpi not in bands:
            year = re.search(r"\b(19|20)\d\d\b", fact.source)
            source = fact.source.split(",")[0] + (f" {year.group(0)}" if year else "")
            role = "a calibration target" if fact.role == "calibrate" else "a validation fact"
            bands[fact.kpi] = (fact.low, fact.high, f"{source}, {role}"
                               + ("" if own == scenario else " for the baseline vendor forum"), fact.role == "validate")
    return bands


def _run_card(kpi: str, kpis: dict, scenario: dict, currency: str) -> Headline:
    value, kind = kpis.get(kpi), kpi_kind(kpi)
    shown = rounded(value, kind, currency)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return Headline(kpi_label(kpi), "n/a", "Undefined for this run: nothing to measure yet.", UNCLEAR)
    bands = published_bands(str(scenario["scenario"]["name"]))
    if kpi in bands:
        low, high, source, validation = bands[kpi]
        place = ("within" if low <= value <= high else "above" if value > high else "below")
        # Outside a validation fact's band, the model disagrees with the published record: that
        # is a caveat about the model, so it is drawn grey, not as good or bad news.
        verdict = UNCLEAR if validation and place != "within" else band_tone(kpi, value, low, high)
        caveat = " The model misses this validation fact: docs/MODEL.md \u00a75.4." if verdict == UNCLEAR else ""
        return Headline(kpi_label(kpi), shown, f"The published range is {rounded(low, kind, currency)} to "
                                               f"{rounded(high, kind, currency)} ({source}).{caveat}", verdict,
                        f"{place} the published range")
    if kpi == "cost_per_issue":
        price = float(scenario["costs"]["contact"])
        verdict = BETTER if value < price else WORSE
        return Headline(kpi_label(kpi), shown, f"One assisted contact costs {rounded(price, 'money', currency)} "
                        f"(costs.contact); support cost {rounded(kpis['cost_total'], 'money', currency)} in all.",
                        verdict, f"{'below' if verdict == BETTER else 'above'} one contact's price")
    if kpi == "median_hours_to_first_answer":
        verdict = BETTER if value <= 24 else WORSE
        return Headline(kpi_label(kpi), shown, "Half of the answered questions waited less than this for a first "
                                               "answer.", verdict, f"{'within' if verdict == BETTER else 'over'} a day")
    if kpi == "assisted_contacts" and kpis.get("issues"):  # contacts, not issues: repeats and onlookers count
        return Headline(kpi_label(kpi), shown, f"{shown} contacts for {rounded(kpis['issues'], 'int')} issues "
                                               f"({value / kpis['issues']:.2f} per issue), repeat calls and "
                                               "pile-up onlookers included.")
    return Headline(kpi_label(kpi), shown, f"{kpi_label(kpi)}: {shown}.")


def _cost_note(kpis: dict) -> list[str]:
    """Why a small run's cost per issue can look high: agents are paid on shift, busy or not."""
    occupancy, centre, total = (kpis.get(k) for k in ("contact_occupancy", "cost_contact_centre", "cost_total"))
    if occupancy is None or not total or occupancy >= LOW_OCCUPANCY or centre / total < 0.5:
        return []
    return [f"Contact-centre agents are paid for every hour on shift, busy or not: they were busy "
            f"{rounded(occupancy, 'pct')} of the time here and cost {rounded(centre / total, 'pct')} of the total. "
            "Safety staffing grows with the square root of the community's size, so a smaller community keeps "
            "more idle agents per issue and its cost per issue is higher; compare sizes before reading it as "
            "a finding."]


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
    scope = Scope(int(scenario["population"]["members"]), float(kpis.get("days") or scenario["scenario"]["days"]),
                  "1 run", int(summary["seed"]))
    told, caveats = story.story(str(scenario["scenario"].get("description", "")), scope)
    pick = {k: rounded(kpis.get(k), kpi_kind(k), currency) for k in HEADLINE_KPIS}
    return Report(
        kind="run", title=story.title_of(str(scenario["scenario"]["name"])), story=told, scope=scope.line(),
        headlines=[_run_card(k, kpis, scenario, currency) for k in HEADLINE_KPIS],
        bottom_line=f"Over {scope.days:,.0f} days with {scope.members:,} members, {pick['answer_rate_24h']} of forum "
                    f"questions were answered within 24 hours, {pick['deflection_rate']} of issues were resolved "
                    f"without a paid channel, and support cost {pick['cost_per_issue']} an issue.",
        figures=found, parameters=parameter_table({"value": scenario}), defaults=default_settings(),
        notes=caveats + _cost_note(kpis) + notes,
        provenance=f"One run; community-sim {str(summary['version'])}.")


def _root_seed(document: dict, scenario: dict) -> int | None:
    """The root the replicates' seeds were spawned from, when it is the first scenario's own
    seed (the default; the writers store the seeds sorted); otherwise None, and the header
    names no seed it cannot vouch for."""
    seeds, root = document.get("seeds"), scenario["scenario"].get("seed")
    if not (isinstance(root, int) and not isinstance(root, bool) and isinstance(seeds, list)
            and 0 < len(seeds) == document["replicates"] <= 10_000):
        return None
    try:
        return root if sorted(replicate_seeds(root, len(seeds))) == sorted(seeds) else None
    except (ValueError, TypeError, OverflowError):  # a crafted folder's seed that numpy refuses
        return None


def _arm_scope(side: dict, runs: str, seed: int | None = None) -> Scope:
    return Scope(int(side["population"]["members"]), float(side["scenario"]["days"]), runs, seed)


def _pair_scope(first: Scope, second: Scope) -> Scope:
    """Two arms' scope: one size and period when they share them, else both, A's first."""
    def both(x, y):
        return x if x == y else [x, y]
    return Scope(both(first.members, second.members), both(first.days, second.days), first.runs, first.seed,
                 arms=True)


def compare_report(folder: Path) -> Report:
    """A `compare --out` folder: compare.json (with the differences), paired.csv and daily.parquet."""
    document = _read_json(folder / "compare.json", ("a", "b", "replicates", "differences", "scenarios", "verdict"))
    a, b = str(document["a"]), str(document["b"])
    table = pd.DataFrame(document["differences"]).astype({"difference": float, "low": float, "high": float})
    rows = table.set_index("kpi")
    sides = document["scenarios"]
    currency = str(sides["b"].get("costs", {}).get("currency", "$"))
    fixed = (table["by_definition"].map(lambda v: v is True) if "by_definition" in table
             else pd.Series(False, table.index))  # a KPI both scenarios fix by definition is no finding
    shown = [k for k in HEADLINE_KPIS if k in rows.index and not fixed[table.kpi == k].any()]
    tones = [(k, tone(k, rows.loc[k, "low"], rows.loc[k, "high"])) for k in shown]
    headlines = [Headline(kpi_label(k), story.change_label(k, rows.loc[k, "a_mean"], rows.loc[k, "b_mean"], currency),
                          f"{story.title_of(b)} {describe_change(k, *rows.loc[k, ['difference', 'low', 'high']], currency=currency,
                                                   name=kpi_label(k).lower())}.", t) for k, t in tones]
    paired = _read_table(folder / "paired.csv", ("arm", *FLOW_KPIS)) if (folder / "paired.csv").exists() else None
    found = [("Paired differences", figures.forest_plot(table[~fixed], a_name=a, b_name=b))]
    notes = ([f"Not findings, since both scenarios fix them by definition: "
              f"{', '.join(kpi_label(str(k)).lower() for k in table.kpi[fixed])}."] if fixed.any() else [])
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
    replicates = story.count_of(document["replicates"])
    runs = f"{replicates} paired replicate{'s' if replicates != 1 else ''}"
    arms = {arm: _arm_scope(sides[arm.lower()], runs, _root_seed(document, sides["a"])) for arm in "AB"}
    scope = _pair_scope(arms["A"], arms["B"])
    stories = {arm: story.story(str(sides[arm.lower()]["scenario"].get("description", "")), arms[arm]) for arm in "AB"}
    told = "<br>".join(f"{arm}: {text}" for arm, (text, _) in stories.items() if text)
    return Report(
        kind="compare", title=f"{story.title_of(b)} compared with {story.words_of(a)}", story=told,
        scope=scope.line(), headlines=headlines,
        bottom_line=f"Against {story.words_of(a)}, {story.words_of(b)} {story.tally(tones)}." if tones else "",
        figures=found, defaults=default_settings(),
        parameters=parameter_table({f"A: {a}": sides["a"], f"B: {b}": sides["b"]}),
        notes=[f"{arm}: {note}" for arm, (_, caveats) in stories.items() for note in caveats] + notes,
        provenance=f"{replicates} paired replicates on common seeds; intervals are 95% "
                   f"t-intervals of the paired difference B \u2212 A; community-sim {str(document.get('version', ''))}.")


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
    low, high = rows.loc["net_savings", "low"], rows.loc["net_savings", "high"]
    net_tone = BETTER if low > 0 else WORSE if high < 0 else UNCLEAR
    headlines = [Headline(label, f"month {shown[m][0]}" if m == "payback_month" else shown[m][0],
                          paid_back if m == "payback_month" else f"95% CI {shown[m][1]} to {shown[m][2]}.",
                          net_tone if m in ("net_savings", "roi") else "neutral")
                 for m, label in ROI_HEADLINES]
    name, other = str(document["scenario"]), str(document["counterfactual"])
    scope = Scope(int(document["members"]), float(document["days"]),
                  f"{story.count_of(document['replicates'])} paired replicates",
                  _root_seed(document, document["scenarios"]["community"]))
    return Report(
        kind="roi", title=f"Does {story.title_of(name)} pay for itself?", scope=scope.line(),
        story=f"Against {other}; an avoided contact is valued at {currency}"
              f"{float(document['contact_price']):,.2f} (costs.contact).",
        bottom_line=str(document["verdict"]),
        headlines=headlines, figures=[("From gross savings to net savings", roi_waterfall(summary, currency, document.get("include_retention") is True))],
        parameters=parameter_table({name: document["scenarios"]["community"],
                                    other: document["scenarios"]["counterfactual"]}), defaults=default_settings(),
        provenance=f"{int(document['replicates'])} paired replicates on common seeds; intervals are 95% "
                   f"t-intervals over replicates; community-sim {str(document.get('version', ''))}.")

