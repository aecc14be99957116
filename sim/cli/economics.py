"""`roi`: the community against its counterfactual, in money, with 95% intervals."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Optional

import typer

from sim.cli.experiments import (DAYS, DRY_RUN, SCHEDULER, SET, WORKERS, _check_executor, _check_json, _plain_errors,
                                 _say_runs, interval)
from sim.cli.support import MAX_SEED, QUIET, check_between, check_writable, load, printable, say, say_json, show_stdout
from sim.experiments.design import MODEL_IDENTITY
from sim.experiments.output import json_text, write_files
from sim.measures.registry import aligned, format_measure, kpi_rows

ROI_FILES = ("roi.json", "roi_replicates.csv", "paired.csv", "daily.parquet")
LABELS = {
    "contacts_avoided": "Contacts avoided", "gross_savings": "Gross savings",
    "platform": "Cost: platform", "moderation": "Cost: moderation", "forum_staff": "Cost: forum staff",
    "programme": "Cost: super-user programme", "pay": "Cost: pay to members", "self_service": "Cost: self-service",
    "social_team": "Cost: social team",
    "community_cost": "Community cost", "net_savings": "Net savings", "roi": "ROI (net / cost)",
    "break_even_contact_price": "Break-even contact price", "payback_month": "Payback month (mean; range)",
    "contact_centre_spend_change": "Agent spend saved (same roster)",
    "revenue_kept": "Revenue kept (customers not lost)",
}


def register(app: typer.Typer) -> None:
    app.command()(roi)


def roi(
    scenario: Path = typer.Argument(..., help="The scenario with its community"),
    counterfactual: Optional[Path] = typer.Option(
        None, "--counterfactual", help="The scenario to compare with (default: the same one with the forum closed)"),
    replicates: int = typer.Option(10, help="Paired runs, each pair on its own seed"),
    seed: Optional[int] = typer.Option(None, "--seed", help="Root of the replicate seeds (default: the scenario's)"),
    set_: list[str] = SET,
    days: Optional[int] = DAYS,
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    retention: bool = typer.Option(False, "--retention", help="Count the revenue kept (customers not lost to service, at costs.customer_value_per_year) among the savings"),
    out: Optional[Path] = typer.Option(None, "--out", help="Write roi.json, roi_replicates.csv, paired.csv, daily.parquet here"),
    dry_run: bool = DRY_RUN,
    quiet: bool = QUIET,
    json_: bool = typer.Option(False, "--json", help="Print the measures (contacts avoided, savings, costs, ROI...) as "
                               "one JSON document on stdout and nothing else there (undefined numbers are null)"),
) -> None:
    """Does the community pay for itself? Contacts avoided, savings, costs by part, net savings,
    ROI, payback month and break-even contact price, against its counterfactual on common seeds."""
    from sim.experiments.comparison import arm_plan
    from sim.experiments.roi import roi_arms, roi_runs, roi_sentence, roi_table, summarise_roi

    show_stdout(not (quiet or json_))
    _check_json(json_, dry_run)
    _check_executor(workers, scheduler)
    check_between("--replicates", replicates, 2, 100_000)
    config = load(scenario, set_, days)
    other = load(counterfactual, set_, days) if counterfactual is not None else None
    if seed is not None:
        check_between("--seed", seed, 0, MAX_SEED)
    if out is not None:
        check_writable(out, *ROI_FILES)
    sources = (str(scenario), str(counterfactual))
    if dry_run:
        with _plain_errors():
            _, jobs = arm_plan(roi_arms(config, other, sources=sources), replicates, seed=seed)
        _say_runs(jobs.values(), workers, scheduler)
        return
    with _plain_errors():
        runs, daily, community, baseline = roi_runs(config, other, replicates, seed=seed, workers=workers,
                                                    scheduler=scheduler, sources=sources, progress=not quiet)
    price, currency = community.costs.contact, community.costs.currency
    table = roi_table(runs, daily, price, retention)
    summary = summarise_roi(table)
    months = community.scenario.days / (365.0 / 12.0)
    say(f"{community.scenario.name} against {baseline.scenario.name}: {replicates} paired replicates, "
        f"{community.population.members:,} members, {community.scenario.days} days ({months:.1f} months)")
    say(f"  valued at {currency}{price:,.2f} per contact avoided (costs.contact); amounts in {currency}; "
        + ("revenue kept counted among the savings" if retention else "revenue kept shown apart (--retention counts it)"))
    shown = printable(currency)
    rows = [["measure", "key", "mean", "95% CI"]]
    for row in summary.itertuples():
        text = partial(format_measure, row.measure, currency=shown)
        note = f"(range; {row.replicates} of {replicates} paid back)" if row.measure == "payback_month" else ""
        rows += kpi_rows(row.measure, [[text(row.mean), " ".join(filter(None, [interval(row.low, row.high, text), note]))]],
                         label=LABELS[row.measure])
    for text in aligned(rows, right={2}):
        say(text)
    line = roi_sentence(summary, community.scenario.name, currency)
    say(line)
    if out is not None:
        document = {"scenario": community.scenario.name, "counterfactual": baseline.scenario.name,
                    "replicates": replicates, "seeds": sorted(set(runs.seed)), "contact_price": price,
                    "currency": currency, "include_retention": retention, "members": community.population.members, "days": community.scenario.days,
                    "verdict": line, "summary": summary.to_dict(orient="records"),
                    "scenarios": {"community": community.model_dump(mode="json"),
                                  "counterfactual": baseline.model_dump(mode="json")},
                    **MODEL_IDENTITY}
        files = write_files([(out / "daily.parquet", lambda tmp: daily.to_parquet(tmp, index=False)),
                             (out / "paired.csv", lambda tmp: runs.to_csv(tmp, index=False)),
                             (out / "roi_replicates.csv", lambda tmp: table.to_csv(tmp, index=False)),
                             (out / "roi.json", lambda tmp: tmp.write_text(json_text(document)))])
        say(f"wrote {', '.join(str(f) for f in files)}")
    if json_:
        say_json({"scenario": community.scenario.name, "counterfactual": baseline.scenario.name,
                  "replicates": replicates, "seeds": sorted(set(runs.seed)), "members": community.population.members,
                  "days": community.scenario.days, "contact_price": price, "currency": currency,
                  "include_retention": retention, "verdict": line,
                  "kpis": {row.pop("measure"): row for row in summary.to_dict(orient="records")}, **MODEL_IDENTITY})
