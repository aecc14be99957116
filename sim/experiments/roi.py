"""`roi`: does the community pay for itself?

The scenario runs against its counterfactual on common seeds: by default the same customers
with the forum closed, or any scenario given. Per replicate:

- contacts avoided = the counterfactual's contacts demanded - the scenario's, where the
  contacts demanded are the first calls about issues plus the repeat calls after unresolved
  contacts (calls placed, answered or not: a centre staffed to demand answers them all;
  retries after hanging up are not demand of their own);
- gross savings = contacts avoided x the price of a contact (`costs.contact`: the fully
  loaded cost of an assisted contact, which a contact centre saves once its staffing
  follows demand; the runs' own agent rosters are the same unless the files differ);
- community cost = the difference in each part the community changes: platform, moderation,
  forum staff, programme, pay, self-service resolutions and the social team;
- net savings = gross savings - community cost; ROI = net savings / community cost;
- break-even contact price = community cost / contacts avoided (what an avoided contact
  must be worth for the community to pay for itself);
- payback month = the first month after which cumulative net savings stay positive;
- revenue kept = the counterfactual's revenue at risk - the scenario's: customers the
  community's service keeps from leaving, at `costs.customer_value_per_year` (an assumption).
  It is an optional line: only with `include_retention` is it part of gross savings.

Every figure is a mean over replicates with its 95% t-interval.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from sim.experiments.comparison import arm_runs
from sim.experiments.stats import mean_interval
from sim.experiments.sweeps import resolve
from sim.measures.kpis import DAYS_PER_MONTH
from sim.measures.registry import format_measure
from sim.params.scenario import Scenario, ScenarioError
from sim.state.counters import CALL_COUNTERS

COMMUNITY_PARTS = {"platform": "cost_platform", "moderation": "cost_moderation", "forum_staff": "cost_forum_staff",
                   "programme": "cost_programme", "pay": "cost_pay", "self_service": "cost_self_service",
                   "social_team": "cost_social_team"}
DEMAND = tuple(CALL_COUNTERS.values())  # first calls by where they came from, and repeat calls
MEASURES = ("contacts_avoided", "gross_savings", *COMMUNITY_PARTS, "community_cost", "net_savings", "roi",
            "break_even_contact_price", "payback_month", "contact_centre_spend_change", "revenue_kept")
COMMUNITY, COUNTERFACTUAL = "community", "counterfactual"


def without_community(scenario: Scenario) -> Scenario:
    """The same customers, contact centre and social team with the forum closed."""
    closed = scenario.model_copy(deep=True)
    closed.behaviour.forum_open = False
    closed.scenario.name = f"{scenario.scenario.name} without the community"
    closed.scenario.description = f"{scenario.scenario.name} with its community forum closed."
    return closed


def check_counterfactual(community: Scenario, other: Scenario, sources: tuple[str, str] | None = None) -> None:
    """The scenario must have a community to value, and its counterfactual the same customers
    over the same period; otherwise bad input naming the file and the field."""
    source, other_source = sources or (community.scenario.name, other.scenario.name)
    if not community.behaviour.forum_open:
        raise ScenarioError(source, "behaviour.forum_open", "the scenario has no community forum: there is no "
                                                            "community to value (give the scenario with its forum open)")
    for field, mine, theirs in (("population.members", community.population.members, other.population.members),
                                ("scenario.days", community.scenario.days, other.scenario.days)):
        if mine != theirs:
            raise ScenarioError(other_source, field, f"the counterfactual must have the scenario's {field} "
                                                     f"({mine:,}, got {theirs:,}): the same customers over the same period")


def contacts_avoided(community, counterfactual):
    """Calls demanded in the counterfactual but not with the community: of two runs' KPIs, or
    day by day of their cumulative daily series."""
    return sum(counterfactual[key] - community[key] for key in DEMAND)


def community_cost_parts(community, counterfactual) -> dict:
    """What the community adds to each cost part (of KPIs, or of cumulative daily series)."""
    return {part: community[key] - counterfactual[key] for part, key in COMMUNITY_PARTS.items()}


def revenue_kept(community, counterfactual):
    """Revenue at risk in the counterfactual but not with the community (KPIs or daily series)."""
    return counterfactual["revenue_at_risk"] - community["revenue_at_risk"]


def replicate_measures(community: pd.Series, counterfactual: pd.Series, price: float,
                       daily: pd.DataFrame | None = None, include_retention: bool = False) -> dict[str, float]:
    """The ROI figures of one replicate, from the two runs' KPIs (and daily series)."""
    avoided = float(contacts_avoided(community, counterfactual))
    parts = {part: float(value) for part, value in community_cost_parts(community, counterfactual).items()}
    cost = sum(parts.values())
    kept = float(revenue_kept(community, counterfactual))
    counted = kept if include_retention else 0.0
    gross = avoided * price + counted
    net = gross - cost
    return {"contacts_avoided": avoided, "gross_savings": gross, **parts, "community_cost": cost,
            "net_savings": net, "roi": net / cost if cost > 0 else math.nan,
            "break_even_contact_price": (cost - counted) / avoided if avoided > 0 else math.nan,
            "revenue_counted": counted,
            "payback_month": payback_month(daily, price, include_retention) if daily is not None else math.nan,
            "contact_centre_spend_change": float(counterfactual["cost_contact_centre"] - community["cost_contact_centre"]),
            "revenue_kept": kept}


def payback_month(daily: pd.DataFrame, price: float, include_retention: bool = False) -> float:
    """The month (1, 2, ...) by whose end cumulative net savings turn positive for good, from
    the two arms' cumulative daily series (columns arm, day and the KPIs); NaN if they never do."""
    by_arm = {arm: frame.set_index("day").sort_index() for arm, frame in daily.groupby("arm")}
    community, counterfactual = by_arm[COMMUNITY], by_arm[COUNTERFACTUAL]
    net = contacts_avoided(community, counterfactual) * price - sum(community_cost_parts(community, counterfactual).values())
    if include_retention:
        net = net + revenue_kept(community, counterfactual)
    negative = np.flatnonzero(net.to_numpy() <= 0)
    if negative.size and negative[-1] == len(net) - 1:  # not positive at the end: no payback within the run
        return math.nan
    first_good_day = float(net.index[negative[-1] + 1]) if negative.size else float(net.index[0])
    return float(max(1, math.ceil(first_good_day / DAYS_PER_MONTH)))


def roi_arms(scenario: Scenario | str | Path, counterfactual: Scenario | str | Path | None = None, *,
             overrides: Mapping[str, Any] | None = None, sources: tuple[str, str] | None = None
             ) -> dict[str, Scenario]:
    """The two arms as resolved, the community first, checked before anything runs (`sources`
    name them in an error)."""
    community = resolve(scenario, overrides)[0]
    other = without_community(community) if counterfactual is None else resolve(counterfactual, overrides)[0]
    check_counterfactual(community, other, sources)
    return {COMMUNITY: community, COUNTERFACTUAL: other}


def roi_runs(scenario: Scenario | str | Path, counterfactual: Scenario | str | Path | None = None,
             replicates: int = 10, *, seed: int | None = None, overrides: Mapping[str, Any] | None = None,
             workers: int | None = None, scheduler: str | None = None, sources: tuple[str, str] | None = None,
             progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, Scenario, Scenario]:
    """The paired runs: one row per arm and replicate, every run's daily series, and the two
    scenarios as resolved (see `roi_arms`)."""
    arms = roi_arms(scenario, counterfactual, overrides=overrides, sources=sources)
    runs, daily = arm_runs(arms, replicates, seed=seed, workers=workers, scheduler=scheduler, keep_daily=True,
                           progress=progress)
    return runs, daily, arms[COMMUNITY], arms[COUNTERFACTUAL]


def roi_table(runs: pd.DataFrame, daily: pd.DataFrame, price: float, include_retention: bool = False) -> pd.DataFrame:
    """One row per replicate with every ROI measure (see the module docstring)."""
    rows = []
    for replicate, pair in runs.groupby("replicate"):
        arms = pair.set_index("arm")
        days = daily[daily.replicate == replicate] if daily is not None else None
        rows.append({"replicate": int(replicate), "seed": int(arms.loc[COMMUNITY, "seed"]),
                     **replicate_measures(arms.loc[COMMUNITY], arms.loc[COUNTERFACTUAL], price, days,
                                          include_retention)})
    return pd.DataFrame(rows)


def summarise_roi(table: pd.DataFrame) -> pd.DataFrame:
    """Per measure: mean and 95% interval over replicates, and how many replicates define it
    (a payback month exists only where the community paid back within the run; a whole month
    of at least 1, it is given with its range over those replicates, not a t-interval)."""
    rows = []
    for measure in MEASURES:
        mean, low, high = mean_interval(table[measure])
        if measure == "payback_month":
            low, high = table[measure].min(), table[measure].max()
        elif measure in RATIOS:
            mean, low, high = RATIOS[measure](table)
        rows.append({"measure": measure, "mean": mean, "low": low, "high": high,
                     "replicates": int(table[measure].notna().sum())})
    return pd.DataFrame(rows)


def _roi_of_means(table: pd.DataFrame) -> tuple[float, float, float]:
    """Mean net savings over mean community cost, its interval that of the net savings
    (the cost hardly varies between replicates)."""
    cost = table.community_cost.mean()
    net, low, high = mean_interval(table.net_savings)
    return (net / cost, low / cost, high / cost) if cost > 0 else (math.nan,) * 3


def _break_even_of_means(table: pd.DataFrame) -> tuple[float, float, float]:
    """Mean community cost (less the revenue kept, where it counts among the savings) over mean
    contacts avoided: what an avoided contact must be worth. Undefined unless contacts are
    avoided; open-ended when the interval of contacts avoided reaches zero; negative when the
    community saves money even at a price of nothing."""
    cost = table.community_cost.mean() - table.revenue_counted.mean()
    avoided, low, high = mean_interval(table.contacts_avoided)
    if not avoided > 0:
        return (math.nan,) * 3
    if low <= 0:
        return (cost / avoided, cost / high, math.inf) if cost > 0 else (cost / avoided, -math.inf, cost / high)
    return (cost / avoided, *sorted((cost / high, cost / low)))


# ratios over replicates, taken of the means: a replicate that avoids few contacts would
# otherwise dominate a mean of per-replicate ratios
RATIOS = {"roi": _roi_of_means, "break_even_contact_price": _break_even_of_means}


def roi(scenario: Scenario | str | Path, counterfactual: Scenario | str | Path | None = None,
        replicates: int = 10, include_retention: bool = False, **options: Any) -> pd.DataFrame:
    """The ROI summary (see `summarise_roi`) of a scenario against its counterfactual; with
    `include_retention`, the revenue kept counts among the savings."""
    runs, daily, community, _ = roi_runs(scenario, counterfactual, replicates, **options)
    return summarise_roi(roi_table(runs, daily, community.costs.contact, include_retention))


def roi_sentence(summary: pd.DataFrame, name: str, currency: str) -> str:
    """The bottom line in one sentence."""
    rows = summary.set_index("measure")
    net, low, high = rows.loc["net_savings", ["mean", "low", "high"]]
    verdict = ("pays for itself" if low > 0 else "costs more than it saves" if high < 0
               else "may or may not pay for itself (the interval of its net savings spans zero)")
    money = partial(format_measure, "net_savings", currency=currency)
    price = rows.loc["break_even_contact_price", "mean"]
    tail = ("; it avoids no contacts, so no contact price makes it pay" if math.isnan(price)
            else "; it costs less than its counterfactual, so it pays even if an avoided contact were worth nothing"
            if price < 0 else f"; it breaks even at {format_measure('break_even_contact_price', price, currency)} a contact")
    return f"{name} {verdict}: net savings {money(net)} (95% CI {money(low)} to {money(high)}){tail}."

