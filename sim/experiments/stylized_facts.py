"""`facts`: the shipped scenarios against the published facts they stand for.

The facts file (DESIGN.md §7; a copy lives in targets/) names, for each fact, a scenario,
a KPI, the published value and the band that counts as reproduced. Every scenario runs on
the same replicate seeds, so a relative fact (a `baseline_scenario` and a
`relative_change`) is a paired comparison: the change is computed replicate by replicate.
A fact is reproduced when the model's mean lies inside its band.

A fact may instead name an experiment run on its scenario (`experiment = "herding"`: the
Muchnik et al. field experiment, sim/experiments/herding.py), whose measure it reads in place of
a KPI. Each fact says its role: `calibrate` (a default was set to reproduce it, so it is no
evidence for the model) or `validate` (nothing was tuned to it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from sim.experiments.design import replicate_seeds, run_id
from sim.experiments.executors import Job, run_jobs
from sim.experiments.herding import HERDING_MEASURES, herding_effects, herding_jobs, per_replicate
from sim.experiments.stats import mean_interval
from sim.experiments.sweeps import default_workers
from sim.measures.registry import unknown_kpi
from sim.params.schema import DATA_CONFIG
from sim.params.scenario import SCENARIOS_DIR, Scenario, ScenarioError, load_data_file, load_scenario

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TARGETS = ROOT / "targets" / "stylized_facts.toml"
DEFAULT_SCENARIOS = SCENARIOS_DIR
DEFAULT_SEED = 20_100_101


class Fact(BaseModel):
    model_config = DATA_CONFIG
    id: str
    scenario: str
    kpi: str
    low: float
    high: float
    source: str
    value: float | None = None
    baseline_scenario: str | None = None
    relative_change: float | None = None
    experiment: Literal["herding"] | None = None
    role: Literal["calibrate", "validate"] | None = None  # required of the project's files (check_facts)
    definition: str = Field("", description="Where the model's KPI differs from the source's measure, how it maps")

    @model_validator(mode="after")
    def _one_kind(self) -> Fact:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) exceeds high ({self.high})")
        if self.baseline_scenario is None and self.value is None:
            raise ValueError("needs a value, or a baseline_scenario and a relative_change")
        if self.baseline_scenario is not None and self.relative_change is None:
            raise ValueError("a fact with a baseline_scenario needs a relative_change")
        if self.experiment == "herding" and self.kpi not in HERDING_MEASURES:
            raise ValueError(f"a herding fact reads one of {', '.join(HERDING_MEASURES)} (got '{self.kpi}')")
        return self

    @property
    def published(self) -> float:
        return self.relative_change if self.baseline_scenario else self.value


class FactsFile(BaseModel):
    model_config = DATA_CONFIG
    fact: list[Fact] = Field(min_length=1)


def load_facts(path: str | Path) -> list[Fact]:
    return load_data_file(path, FactsFile).fact


def check_facts(targets: str | Path = DEFAULT_TARGETS, scenarios: str | Path = DEFAULT_SCENARIOS,
                overrides: dict | None = None) -> tuple[list[Fact], dict[str, Scenario]]:
    """The facts and the scenarios they name (each with the same dotted overrides, such as
    another size), checked before any run: known KPIs, and every named scenario present and valid."""
    found = load_facts(targets)
    roleless = next((i for i, fact in enumerate(found) if fact.role is None), None)
    if roleless is not None:
        raise ScenarioError(str(targets), f"fact.{roleless}.role", "missing: say 'calibrate' (a default was set "
                            "to reproduce it) or 'validate' (nothing was tuned to it)")
    unknown = unknown_kpi(fact.kpi for fact in found if fact.experiment is None)
    if unknown:
        raise ScenarioError(str(targets), "fact.kpi", f"unknown KPI '{unknown}'")
    loaded = {}
    for name in sorted({name for fact in found for name in (fact.scenario, fact.baseline_scenario) if name}):
        path = Path(scenarios) / f"{name}.toml"
        if Path(name).name != name or not path.is_file():
            raise ScenarioError(str(targets), "fact.scenario", f"scenario '{name}' not found in {scenarios}")
        loaded[name] = load_scenario(path, overrides)
    return found, loaded


Checked = dict[int | None, tuple[list[Fact], dict[str, Scenario]]]  # by size: the facts and their scenarios


def plan_facts(targets: str | Path = DEFAULT_TARGETS, scenarios: str | Path = DEFAULT_SCENARIOS, replicates: int = 5,
               *, seed: int = DEFAULT_SEED, overrides: dict | None = None,
               sizes: list[int] | None = None) -> tuple[Checked, list[int], dict[tuple, Job]]:
    """What `facts` will run, checked before any run: by size the facts and their scenarios,
    the replicate seeds, and every job, keyed (size, scenario, seed) for a plain run and
    (size, scenario, seed, "herding") for a replicate of the herding experiment."""
    checked = {size: check_facts(targets, scenarios, {**(overrides or {}), **(
        {"population.members": size} if size is not None else {})}) for size in (sizes or [None])}
    seeds = replicate_seeds(seed, replicates)
    jobs: dict[tuple, Job] = {}
    for size, (found, loaded) in checked.items():
        jobs |= {(size, name, s): Job(run_id(scenario, s), scenario, s) for name, scenario in loaded.items() for s in seeds}
        for name in sorted({fact.scenario for fact in found if fact.experiment == "herding"}):
            jobs |= {(size, name, job.seed, "herding"): job for job in herding_jobs(loaded[name], seeds)}
    return checked, seeds, jobs


def facts(targets: str | Path = DEFAULT_TARGETS, scenarios: str | Path = DEFAULT_SCENARIOS, replicates: int = 5, *,
          seed: int = DEFAULT_SEED, workers: int | None = None, scheduler: str | None = None,
          overrides: dict | None = None, sizes: list[int] | None = None, progress: bool = False) -> pd.DataFrame:
    """One row per fact and size: source, role, published value, band, model mean with 95% CI,
    `ok` (the mean lies in the band) and a verdict. `sizes` runs every scenario at each number
    of members in turn (None: at each scenario's own size); `overrides` apply to every run.
    Every run, the herding experiment's included, goes in one batch on one executor."""
    checked, seeds, jobs = plan_facts(targets, scenarios, replicates, seed=seed, overrides=overrides, sizes=sizes)
    outcomes = run_jobs(list(jobs.values()), workers or default_workers(), scheduler,  # memory checked before any run
                        progress="facts" if progress else None)
    summaries = {run_id: outcome.summary for run_id, outcome in outcomes.items()}
    tables = []
    for size, (found, loaded) in checked.items():
        kpis = {name: pd.DataFrame([summaries[jobs[size, name, s].run_id] for s in seeds]) for name in loaded}
        herding = {}
        for name in loaded:
            replicates_of = [job for key, job in jobs.items() if key[:2] == (size, name) and key[3:] == ("herding",)]
            if replicates_of:
                herding[name] = herding_effects(per_replicate(replicates_of, summaries))
        tables.append(_facts_at(found, loaded, kpis, herding, size))
    return pd.concat(tables, ignore_index=True)


def verdict(ok: bool, low: float, high: float, band_low: float, band_high: float) -> str:
    """'reproduced' when the whole 95% interval lies in the band, 'in band' when only the mean
    does, 'missed' otherwise."""
    if not ok:
        return "missed"
    return "reproduced" if band_low <= low and high <= band_high else "in band"


def _facts_at(found: list[Fact], loaded: dict[str, Scenario], kpis: dict[str, pd.DataFrame],
              herding: dict[str, pd.DataFrame], size: int | None) -> pd.DataFrame:
    """The rows of one size, from its scenarios' per-replicate KPIs (and herding effects)."""
    rows = []
    for fact in found:
        if fact.experiment == "herding":
            ordinary = herding[fact.scenario].iloc[0]  # one ordinary early kudo, as Muchnik et al.'s up-vote
            stem = fact.kpi.removesuffix("_effect")
            mean, low, high = ordinary[fact.kpi], ordinary[f"{stem}_low"], ordinary[f"{stem}_high"]
        else:
            values = kpis[fact.scenario][fact.kpi]
            if fact.baseline_scenario:
                values = values / kpis[fact.baseline_scenario][fact.kpi] - 1.0
            mean, low, high = mean_interval(values)
        ok = bool(fact.low <= mean <= fact.high)
        rows.append({"fact": fact.id, "role": fact.role, "scenario": fact.scenario, "kpi": fact.kpi,
                     "members": loaded[fact.scenario].population.members, "size": "own" if size is None else size,
                     "relative": fact.baseline_scenario is not None, "published": fact.published,
                     "band_low": fact.low, "band_high": fact.high, "model": mean, "model_low": low,
                     "model_high": high, "ok": ok, "verdict": verdict(ok, low, high, fact.low, fact.high),
                     "definition": fact.definition, "source": fact.source})
    return pd.DataFrame(rows)


def sizes_held(table: pd.DataFrame) -> pd.DataFrame:
    """Per fact: the sizes at which it held and those at which it missed, so that a fact that
    holds at one size only is reported as such."""
    rows = []
    for fact, group in table.groupby("fact", sort=False):
        rows.append({"fact": fact, "role": group.role.iloc[0],
                     "held": [int(m) for m in group[group.ok]["members"]],
                     "missed": [int(m) for m in group[~group.ok]["members"]]})
    return pd.DataFrame(rows)
