"""`optimize`: search the declared levers for the policies that best meet objectives under
constraints: "the cheapest mix of rewards and staffing that reaches 90% answered in 24 h".

Optuna proposes lever values (TPE with constraints by default, or NSGA-II); each proposal is
run on the scenario's replicate seeds, the same seeds for every proposal (common random
numbers), so two policies are compared on the same luck. With `robust`, each proposal is also
run at every state of the world drawn over the [uncertainties] (the same states for every
proposal), and judged by an unfavourable percentile across the states: the 90th percentile
of a cost to minimise, the 10th of an answer rate to reach. Constraints are judged the same
way. Minimax regret (`robust="regret"`) searches on the percentile too, then picks the
feasible policy whose worst shortfall, at any one state, from the best policy found there on
the first objective is smallest: regret is relative to the policies evaluated, so it is known
only once they are.

Every run goes through the executors and into a run store in `out`, and the study lives in a
journal file there: a repeated call resumes, and a trial cut short by a kill is proposed again
and finds its finished runs in the store.
"""

from __future__ import annotations

import hashlib
import json
import math
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import optuna
import pandas as pd

from sim.experiments.design import MAX_RUNS, MODEL_IDENTITY, check_parameter_values, plan_runs, states_of_the_world
from sim.experiments.executors import Executor, Job, progress_bar
from sim.experiments.objectives import (Constraint, Objective, favours_high, front_of_feasible, max_regret,
                                       parse_constraint, parse_objective, robust_value)
from sim.experiments.stats import mean_interval
from sim.experiments.store import RunStore, run_row
from sim.experiments.studies import open_study, suggest
from sim.experiments.sweeps import base_id, default_workers, resolve
from sim.measures.registry import KPIS
from sim.params.scenario import Scenario, ScenarioError, build_scenario

STUDY = "optimize"
SAMPLERS = ("tpe", "nsga2", "random")
ROBUST = ("percentile", "regret")
COMPLETE = optuna.trial.TrialState.COMPLETE


def _sampler(name: str, seed: int, trials: int) -> optuna.samplers.BaseSampler:
    """Each sampler reads the constraints each trial sets (Trial.set_constraint)."""
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "nsga2":  # a population a quarter of the budget, so it breeds for several generations
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, trials // 4)))
    return optuna.samplers.RandomSampler(seed=seed)


def check_corners(scenario: Scenario, specs: dict[str, Any], source: str, field: str) -> None:
    """Every parameter at its low ends together, and at its high ends together, must make a
    valid scenario: two levers can be fine alone and refused together (both forms of one
    capacity, say), and a search should say so before it writes or runs anything."""
    base = scenario.model_dump(mode="json", exclude={"sweep"})
    for end in (0, -1):
        values = {key: spec[end] if isinstance(spec, list) else spec["low" if end == 0 else "high"]
                  for key, spec in specs.items()}
        try:
            build_scenario(base, values, source=source)
        except ScenarioError as error:
            raise ScenarioError(source, f"{field} ({error.field})", f"with every one at its "
                                f"{'low' if end == 0 else 'high'} end: {error.problem}") from None


@dataclass
class SearchProblem:
    """What is searched and how a policy is judged, checked before any run."""

    scenario: Scenario  # its sweep.replicates set to the replicates each policy runs on
    source: str
    objectives: list[Objective]
    constraints: list[Constraint]
    robust: str | None
    percentile: float
    states: list[dict[str, Any]]  # [{}] unless robust

    @classmethod
    def declare(cls, scenario: Scenario, source: str, objectives, constraints, replicates: int | None,
                robust: str | None, percentile: float, trials: int = 1) -> SearchProblem:
        objectives = [o if isinstance(o, Objective) else parse_objective(o) for o in objectives]
        constraints = [c if isinstance(c, Constraint) else parse_constraint(c) for c in constraints]
        if not objectives:
            raise ScenarioError("--objective", "", "give at least one objective, for example cost_per_issue:min")
        kpis = [o.kpi for o in objectives]
        if len(set(kpis)) < len(kpis):
            raise ScenarioError("--objective", "", f"{max(kpis, key=kpis.count)} is given twice")
        if not scenario.sweep.levers:
            raise ScenarioError(source, "levers", "optimize searches the scenario's [levers]: declare at least one, "
                                "for example \"policy.forum.sla_hours\" = {low = 1, high = 48}")
        check_parameter_values(scenario, scenario.sweep.levers, source, "levers")
        check_corners(scenario, scenario.sweep.levers, source, "levers")
        if robust is not None and robust not in ROBUST:
            raise ScenarioError("--robust", robust, f"must be one of {', '.join(ROBUST)}")
        if robust is not None and not scenario.sweep.uncertainties:
            raise ScenarioError(source, "uncertainties", "--robust weighs a policy over states of the world: "
                                "declare [uncertainties] ranges")
        if robust is not None:
            check_parameter_values(scenario, scenario.sweep.uncertainties, source, "uncertainties")
            check_corners(scenario, scenario.sweep.levers | scenario.sweep.uncertainties, source, "uncertainties")
        if not (math.isfinite(percentile) and 50 <= percentile < 100):
            raise ScenarioError("--percentile", str(percentile), "must be at least 50 and below 100")
        for c in constraints:
            if KPIS[c.kpi].kind == "pct" and not 0 <= c.bound <= 1:
                raise ScenarioError("--constraint", c.text, f"{c.kpi} is a share from 0 to 1 (write 0.9 for 90%)")
        if replicates is not None:
            scenario = build_scenario(scenario.model_dump(mode="json"), {"sweep.replicates": replicates}, source=source)
        runs = trials * (scenario.sweep.states if robust else 1) * scenario.sweep.replicates
        if runs > MAX_RUNS:
            raise ScenarioError(source, "sweep", f"{trials:,} policies x {scenario.sweep.states if robust else 1:,} "
                                f"state(s) x {scenario.sweep.replicates:,} replicate(s) = {runs:,} runs, more than "
                                f"the {MAX_RUNS:,} one search may plan; use fewer trials, states or replicates")
        states = states_of_the_world(scenario, source) if robust else [{}]
        return cls(scenario, source, objectives, constraints, robust, percentile, states)

    @property
    def levers(self) -> dict[str, Any]:
        return self.scenario.sweep.levers

    @property
    def directions(self) -> list[str]:
        return ["maximize" if o.sense == "max" else "minimize" for o in self.objectives]

    def runs_per_policy(self) -> int:
        return len(self.states) * self.scenario.sweep.replicates

    def fingerprint(self, sampler: str) -> str:
        """What a resumed search must share with the one in its folder."""
        text = json.dumps([[o.__dict__ for o in self.objectives], [c.__dict__ for c in self.constraints], self.robust,
                           self.percentile, self.states, sampler, self.scenario.model_dump(mode="json"), MODEL_IDENTITY],
                          sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def evaluate(self, values: dict[str, Any], executor: Executor, known: dict[str, dict], store: RunStore | None,
                 description: dict[str, Any], tick: Callable[[], None]) -> pd.DataFrame:
        """Every run of one policy (each state on each replicate seed), one row each with its
        state's number and every KPI; runs already in `known` (the store) are not run again."""
        runs = plan_runs(self.scenario, [values | state for state in self.states], self.source)
        by_id = {run.run_id: run for run in runs}
        fresh: list[dict[str, Any]] = []
        todo = [Job(run.run_id, run.scenario, run.seed) for run in by_id.values() if run.run_id not in known]
        for _ in range(len(runs) - len(todo)):
            tick()

        def finished(outcome) -> None:
            fresh.append(run_row(by_id[outcome.run_id], outcome.summary))
            tick()

        try:
            executor.run(todo, on_outcome=finished)
        finally:  # runs finished before a Ctrl-C or an error are kept
            if store is not None:
                store.append(fresh, description)
        known.update((row["run_id"], row) for row in fresh)
        return pd.DataFrame([{**known[run.run_id], "state": run.point} for run in runs])

    def judge(self, frame: pd.DataFrame) -> list[dict[str, Any]]:
        """Each objective, then each constraint: the value the search reads (the mean, or the
        unfavourable percentile over states), and the mean with its 95% CI over replicates."""
        judged = []
        for role, kpi, direction in [*(("objective", o.kpi, o.sense) for o in self.objectives),
                                     *(("constraint", c.kpi, c.op) for c in self.constraints)]:
            per_replicate = frame.groupby("replicate")[kpi].mean().to_numpy()
            per_state = frame.groupby("state")[kpi].mean().to_numpy()
            mean, low, high = mean_interval(per_replicate)
            value = robust_value(per_state, favours_high(direction), self.percentile) if self.robust else mean
            judged.append({"role": role, "kpi": kpi, "value": value, "mean": mean, "low": low, "high": high,
                           "per_state": per_state.tolist()})
        return judged

    def summarise(self, study: optuna.Study) -> dict[str, pd.DataFrame]:
        done = study.get_trials(deepcopy=False, states=(COMPLETE,))
        rows = []
        for trial in done:
            row = {"trial": trial.number, **trial.user_attrs["values"]}
            for entry in reversed(trial.user_attrs["judged"]):  # an objective's own columns win over a constraint's
                row |= {entry["kpi"]: entry["value"], f"{entry['kpi']}_mean": entry["mean"],
                        f"{entry['kpi']}_low": entry["low"], f"{entry['kpi']}_high": entry["high"]}
            row["feasible"] = all(s <= 0 for s in trial.user_attrs["shortfalls"])
            rows.append(row)
        trials = pd.DataFrame(rows)
        if trials.empty:
            return {"trials": trials, "front": trials, "choice": trials}
        trials["pareto"] = front_of_feasible(trials, self.objectives)
        if self.robust == "regret":  # against the best feasible policy at each state
            trials["max_regret"] = max_regret([t.user_attrs["judged"][0]["per_state"] for t in done],
                                              self.objectives[0].sense, trials.feasible.to_numpy(dtype=bool))
        first = self.objectives[0]
        front = trials[trials.pareto].sort_values(first.kpi, ascending=first.sense == "min", kind="stable")
        feasible = trials[trials.feasible]
        if self.robust == "regret":
            choice = feasible.sort_values(["max_regret", "trial"], kind="stable").head(1)
        else:
            choice = feasible.sort_values(first.kpi, ascending=first.sense == "min", kind="stable").head(1)
        return {"trials": trials, "front": front.reset_index(drop=True), "choice": choice.reset_index(drop=True)}


def _study(out: Path | None, fingerprint: str, directions: list[str]) -> optuna.Study:
    """A new study, or the one in `out` if it searches the same problem. A trial left running by
    a killed search is closed as failed and proposed again, so no evaluation is lost."""
    study = open_study(out, STUDY, fingerprint, "a search of other objectives, constraints, levers, replicates, "
                       "sampler or scenario", held=True, directions=directions)
    for cut_short in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study._storage.set_trial_state_values(cut_short._trial_id, optuna.trial.TrialState.FAIL)  # no public API
        study.enqueue_trial(cut_short.params)
    return study


def _stored(store: RunStore, description: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The store's finished runs by run id, once what a killed search left half-written is cleared."""
    store.finished_ids(description)
    table = store.read()
    return {row["run_id"]: row for row in table.to_dict(orient="records")} if len(table) else {}


def optimize(scenario: Scenario | str | Path, objectives: list, constraints: list = (), out: str | Path | None = None,
             *, trials: int = 40, replicates: int | None = None, sampler: str = "tpe", robust: str | None = None,
             percentile: float = 90.0, overrides: Mapping[str, Any] | None = None, workers: int | None = None,
             scheduler: str | None = None, progress: bool = False, source: str | None = None) -> dict[str, pd.DataFrame]:
    """Search the scenario's [levers] for `objectives` ("kpi:min", "kpi:max") under `constraints`
    ("kpi>=x", "kpi<=x"). Returns DataFrames: 'trials' (every policy evaluated: its levers,
    each KPI's judged value, mean and 95% CI over replicates, feasible, on the Pareto front),
    'front' (the feasible Pareto front, best on the first objective first) and 'choice' (the
    feasible policy best on the first objective, or with least regret; empty if none is)."""
    scenario, source = resolve(scenario, overrides, source)
    problem = SearchProblem.declare(scenario, source, objectives, constraints, replicates, robust, percentile, trials)
    if sampler not in SAMPLERS:
        raise ScenarioError("--sampler", sampler, f"must be one of {', '.join(SAMPLERS)}")
    out = Path(out) if out is not None else None
    store = RunStore(out) if out is not None else None
    fingerprint = problem.fingerprint(sampler)
    description = {"name": scenario.scenario.name, **MODEL_IDENTITY, "design": "optimize",
                   "base_id": hashlib.sha256(f"optimize {base_id(scenario)}".encode()).hexdigest()[:20],  # a store of its own
                   "search": fingerprint,
                   "parameters": [*problem.levers, *(problem.scenario.sweep.uncertainties if problem.robust else {})]}
    previous = store.describe() if store is not None else None
    if previous is not None and (previous.get("design"), previous.get("search")) != ("optimize", fingerprint):
        held = "another search" if previous.get("design") == "optimize" else f"a {previous.get('design')} store"
        raise ScenarioError("--out", "", f"{out} holds {held}; give a folder of its own (a search of other objectives, "
                            "constraints, levers, replicates, sampler or scenario is not resumed there)")
    with Executor(workers or default_workers(), scheduler) as executor, \
            (store.claimed(description) if store is not None else nullcontext()):
        known = _stored(store, description) if store is not None else {}
        study = _study(out, fingerprint, problem.directions)
        study.sampler = _sampler(sampler, scenario.scenario.seed + len(study.trials), trials)

        def objective(trial: optuna.Trial) -> tuple[float, ...]:
            values = {key: suggest(trial, key, spec) for key, spec in problem.levers.items()}
            trial.set_user_attr("values", values)
            judged = problem.judge(problem.evaluate(values, executor, known, store, description, tick))
            trial.set_user_attr("judged", judged)
            shortfalls = [c.shortfall(entry["value"]) for c, entry in zip(problem.constraints, judged[len(problem.objectives):])]
            trial.set_user_attr("shortfalls", shortfalls)
            for constraint, shortfall in zip(problem.constraints, shortfalls):
                trial.set_constraint(constraint.text, shortfall)
            return tuple(entry["value"] for entry in judged[:len(problem.objectives)])

        done = len(study.get_trials(deepcopy=False, states=(COMPLETE,)))
        per_policy = problem.runs_per_policy()
        with progress_bar(max(trials, done) * per_policy, scenario.scenario.name if progress else None,
                          initial=done * per_policy) as tick:
            study.optimize(objective, n_trials=max(0, trials - done))
    return problem.summarise(study)
