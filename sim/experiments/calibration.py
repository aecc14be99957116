"""`calibrate`: fit free parameters within their ranges so the model's KPIs match targets.

The loss is the weighted sum of squared relative misses, sum w * ((mean - target) / scale)^2,
with each KPI's mean over the replicates, all on common seeds so the loss surface is smooth
in the parameters. Optuna's seeded TPE sampler searches the ranges; with an output folder
the study lives in a journal file there, so a repeated call resumes it. Uncertainty: the
loss at the best point is itself an estimate, so every trial whose loss lies within the
upper 95% bootstrap bound of the best loss (resampling replicates) fits as well as the best,
as far as the replicates can tell; the spread of those trials' values is reported.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import optuna
import pandas as pd
from pydantic import BaseModel, Field, field_validator

from sim.experiments.design import MAX_RUNS, MODEL_IDENTITY, check_parameter_values, replicate_seeds, run_id
from sim.experiments.executors import Executor, Job, progress_bar
from sim.experiments.stats import mean_interval
from sim.experiments.studies import open_study, suggest
from sim.experiments.sweeps import default_workers, resolve
from sim.measures.registry import unknown_kpi
from sim.params.scenario import Scenario, ScenarioError, build_scenario, load_data_file
from sim.params.schema import DATA_CONFIG, field_at, sweep_spec_problem

STUDY = "calibration"
BOOTSTRAP = 500


class Target(BaseModel):
    model_config = DATA_CONFIG
    kpi: str
    value: float
    weight: float = Field(1.0, ge=0)
    scale: float | None = Field(None, gt=0, description="Miss that counts as 1; default |value| (1 if value is 0)")


class TargetsFile(BaseModel):
    model_config = DATA_CONFIG
    target: list[Target] = Field(min_length=1)
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("parameters")
    @classmethod
    def _ranges(cls, specs: dict[str, Any]) -> dict[str, Any]:
        for key, spec in specs.items():
            problem = sweep_spec_problem(key, spec)
            if problem:
                raise ValueError(f"'{key}': {problem}")
        return specs


def load_targets(path: str | Path) -> TargetsFile:
    return load_data_file(path, TargetsFile)


def check_targets(scenario: Scenario, targets: str | Path | TargetsFile, source: str) -> tuple[TargetsFile, dict[str, Any]]:
    """The targets and the free parameters, checked against the scenario before any trial:
    known KPIs, and ranges whose ends make valid scenarios."""
    spec = targets if isinstance(targets, TargetsFile) else load_targets(targets)
    free = spec.parameters or scenario.sweep.parameters
    if not free:
        raise ScenarioError(str(targets), "parameters", "no free parameters: give [parameters] ranges in the "
                            "targets file or in the scenario's [sweep.parameters]")
    unknown = unknown_kpi(t.kpi for t in spec.target)
    if unknown:
        raise ScenarioError(str(targets), "target.kpi", f"unknown KPI '{unknown}'")
    check_parameter_values(scenario, free, str(targets) if spec.parameters else source, "parameters")
    return spec, free


def _loss(kpis: pd.DataFrame, targets: list[Target]) -> float:
    """The loss from per-replicate KPIs (rows are replicates)."""
    total = 0.0
    for t in targets:
        scale = t.scale or (abs(t.value) or 1.0)
        total += t.weight * ((kpis[t.kpi].mean() - t.value) / scale) ** 2
    return float(total)


def _study(out: Path | None, seed: int, fingerprint: str) -> optuna.Study:
    """A new study, or the one persisted in `out` if it calibrates the same thing. A resumed
    study's sampler is seeded past the trials already done, so it does not propose them again."""
    study = open_study(out, STUDY, fingerprint, "a calibration of other targets, parameters, replicates or scenario",
                       direction="minimize")
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(study.trials))
    return study


def _plausible(trials: pd.DataFrame, best_kpis: pd.DataFrame, targets: list[Target], seed: int) -> pd.DataFrame:
    """Trials that fit as well as the best, given the replicate noise in the best's loss."""
    rng = np.random.default_rng(seed)
    n = len(best_kpis)
    losses = [_loss(best_kpis.iloc[rng.integers(0, n, n)], targets) for _ in range(BOOTSTRAP)]
    return trials[trials.loss <= max(np.quantile(losses, 0.975), trials.loss.min())]


def _centre(key: str, spec: Any) -> Any:
    """A free parameter's typical value: the middle of its range, or its first level."""
    if isinstance(spec, list):
        return spec[0]
    middle = (spec["low"] + spec["high"]) / 2
    return int(round(middle)) if field_at(key).annotation is int else float(middle)


def calibration_plan(scenario: Scenario, targets: str | Path | TargetsFile, trials: int = 40,
                     replicates: int | None = None, source: str = "scenario") -> list[Scenario]:
    """The runs a calibration makes at most, one scenario per run, checked as `calibrate`
    checks them: every trial's values are chosen as it goes, so each run is represented by the
    scenario at the middle of the free ranges (what sets a run's cost, say its members, is
    often among them). A resumed study makes only the runs of the trials it still lacks."""
    _, free = check_targets(scenario, targets, source)
    runs = trials * (replicates or scenario.sweep.replicates)
    if runs > MAX_RUNS:
        raise ScenarioError(source, "trials", f"{runs:,} runs, more than the {MAX_RUNS:,} one calibration may plan; "
                            "use fewer trials or replicates")
    typical = build_scenario(scenario.model_dump(mode="json", exclude={"sweep"}),
                             {key: _centre(key, spec) for key, spec in free.items()}, source=source)
    return [typical] * (trials * (replicates or scenario.sweep.replicates))


def calibrate(scenario: Scenario | str | Path, targets: str | Path | TargetsFile, out: str | Path | None = None, *,
              trials: int = 40, replicates: int | None = None, overrides: Mapping[str, Any] | None = None,
              workers: int | None = None, scheduler: str | None = None, progress: bool = False,
              source: str | None = None) -> dict[str, pd.DataFrame]:
    """Fit the free parameters (the targets file's [parameters], else the scenario's [sweep]
    ranges). Returns DataFrames: 'parameters' (fitted value and plausible range), 'fit'
    (each target against the model at the fitted values, with 95% CI) and 'trials'."""
    scenario, source = resolve(scenario, overrides, source)
    spec, free = check_targets(scenario, targets, source)
    replicates = replicates or scenario.sweep.replicates
    seeds = replicate_seeds(scenario.scenario.seed, replicates)
    base = scenario.model_dump(mode="json", exclude={"sweep"})
    out = Path(out) if out is not None else None
    names = {t.kpi for t in spec.target}
    fingerprint = hashlib.sha256(json.dumps([spec.model_dump(mode="json"), free, replicates, base, MODEL_IDENTITY],
                                            sort_keys=True).encode()).hexdigest()[:20]

    def objective(trial: optuna.Trial) -> float:
        values = {key: suggest(trial, key, s) for key, s in free.items()}
        candidate = build_scenario(base, values, source=source)
        jobs = [Job(run_id(candidate, seed), candidate, seed) for seed in seeds]
        outcomes = executor.run(jobs, on_outcome=lambda _outcome: tick())
        kpis = pd.DataFrame([outcomes[job.run_id].summary for job in jobs])
        trial.set_user_attr("values", values)
        trial.set_user_attr("kpis", kpis[sorted(names)].to_dict(orient="list"))
        return _loss(kpis, spec.target)

    with Executor(workers or default_workers(), scheduler) as executor:  # an unreachable cluster fails here
        study = _study(out, scenario.scenario.seed, fingerprint)
        finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        left = max(0, trials - len(finished))
        with progress_bar((len(finished) + left) * replicates, scenario.scenario.name if progress else None,
                          initial=len(finished) * replicates) as tick:
            study.optimize(objective, n_trials=left)
    if not any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials):
        raise ScenarioError(str(targets), "target.kpi", "the model leaves a target KPI undefined in every trial "
                            "(for example a rate with nothing to count); pick other targets or ranges")
    return _summarise(study, spec, free, scenario.scenario.seed)


def _summarise(study: optuna.Study, spec: TargetsFile, free: dict[str, Any], seed: int) -> dict[str, pd.DataFrame]:
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    trials = pd.DataFrame([{"trial": t.number, "loss": t.value, **t.user_attrs["values"]} for t in done])
    best = study.best_trial
    best_kpis = pd.DataFrame(best.user_attrs["kpis"])
    plausible = _plausible(trials, best_kpis, spec.target, seed)
    parameters = pd.DataFrame([{
        "parameter": key, "fitted": best.user_attrs["values"][key],
        "plausible_low": plausible[key].min() if not isinstance(free[key], list) else None,
        "plausible_high": plausible[key].max() if not isinstance(free[key], list) else None,
        "range_low": free[key]["low"] if isinstance(free[key], dict) else None,
        "range_high": free[key]["high"] if isinstance(free[key], dict) else None,
    } for key in free])
    fit = []
    for t in spec.target:
        mean, low, high = mean_interval(best_kpis[t.kpi])
        fit.append({"kpi": t.kpi, "target": t.value, "model": mean, "low": low, "high": high, "weight": t.weight,
                    "within_ci": bool(low <= t.value <= high)})
    trials["plausible"] = trials.trial.isin(plausible.trial)
    return {"parameters": parameters, "fit": pd.DataFrame(fit), "trials": trials,
            "best": pd.DataFrame([{"trial": best.number, "loss": best.value, "trials": len(done),
                                   "plausible_trials": len(plausible)}])}
