"""The `optimize` verb: search a scenario's declared [levers] for the policies that best meet
objectives under constraints (sim.experiments.policy_search), print the Pareto front with
intervals and the chosen policy, and write what `report` draws."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from sim.cli.experiments import (DAYS, DRY_RUN, SCHEDULER, SET, WORKERS, _check_executor, _config, _plain_errors,
                                 _say_plan)
from sim.cli.support import check_between, check_writable, fail, overrides_from, say
from sim.experiments.design import MODEL_IDENTITY
from sim.experiments.objectives import lever_text
from sim.experiments.output import json_text, write_files
from sim.measures.registry import kpi_kind, kpi_label, money_or_value
from sim.params.scenario import ScenarioError

FILES = ("optimize.json", "trials.csv", "front.csv")
SHOWN_POLICIES = 12
DEFAULT_PERCENTILE = 90.0


def register(app: typer.Typer) -> None:
    app.command()(optimize)


def _shown(kpi: str, row, judged: str | None, currency: str) -> str:
    """The value the search judged, with the mean and its 95% CI over replicates."""
    kind = kpi_kind(kpi)

    def text(value) -> str:
        return money_or_value(value, kind, currency)

    interval = f"95% CI {text(row[kpi + '_low'])} to {text(row[kpi + '_high'])}"
    if judged is None:
        return f"{text(row[kpi])} ({interval})"
    return f"{text(row[kpi])} {judged} (mean {text(row[kpi + '_mean'])}, {interval})"


def _say_policy(row, problem, kpis: list[str], currency: str) -> None:
    say("  " + lever_text(row, list(problem.levers)))
    judged = f"in {problem.percentile:g}% of states" if problem.robust else None
    for kpi in kpis:
        say(f"      {kpi_label(kpi)} [{kpi}]: {_shown(kpi, row, judged, currency)}")
    if problem.robust == "regret":
        say(f"      largest regret on {problem.objectives[0].kpi}: "
            f"{money_or_value(row['max_regret'], kpi_kind(problem.objectives[0].kpi), currency)}")


def optimize(
    scenario: Path = typer.Argument(..., help="Scenario TOML file with a [levers] table (and [uncertainties] for --robust)"),
    objective: list[str] = typer.Option(..., "--objective", metavar="KPI:SENSE", help="KPI:min or KPI:max (repeatable; the first is the "
                                        "one the choice is cheapest on; a bare KPI takes its better direction)"),
    constraint: list[str] = typer.Option([], "--constraint", metavar="KPI>=NUMBER", help="KPI>=NUMBER or KPI<=NUMBER (repeatable)"),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the run store, the study journal, "
                                       "optimize.json, trials.csv and front.csv (resumed if it exists)"),
    trials: int = typer.Option(40, help="Policies to evaluate in all (a resumed search counts those done)"),
    replicates: Optional[int] = typer.Option(None, help="Runs per policy and state, on common seeds (default: [sweep] replicates)"),
    sampler: str = typer.Option("tpe", help="tpe (constrained multi-objective TPE), nsga2 or random"),
    robust: Optional[str] = typer.Option(None, help="Judge each policy over [uncertainties] states: percentile or regret"),
    percentile: float = typer.Option(DEFAULT_PERCENTILE, help="With --robust: the percentage of states of the world a "
                                     "value must be reached in"),
    states: Optional[int] = typer.Option(None, help="With --robust: states of the world drawn (default: [sweep] states)"),
    seed: Optional[int] = typer.Option(None, "--seed", help="Root of the replicate seeds and of the sampler"),
    set_: list[str] = SET,
    days: Optional[int] = DAYS,
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    dry_run: bool = DRY_RUN,
) -> None:
    """Search the declared levers for the cheapest policy that meets the constraints."""
    from sim.experiments.policy_search import SAMPLERS, SearchProblem
    from sim.experiments.policy_search import optimize as search

    _check_executor(workers, scheduler)
    check_between("--trials", trials, 1, 100_000)
    if replicates is not None:
        check_between("--replicates", replicates, 1, 10_000)
    if sampler not in SAMPLERS:
        fail(ScenarioError("--sampler", sampler, f"must be one of {', '.join(SAMPLERS)}"))
    if robust is None and (states is not None or percentile != DEFAULT_PERCENTILE):
        fail(ScenarioError("--robust", "", "--states and --percentile judge a policy over states of the world; "
                           "give --robust percentile or --robust regret with them"))
    config = _config(scenario, set_, days, seed, states=states)
    fixed = sorted(set(overrides_from(set_)) & set(config.sweep.levers))
    if fixed:
        fail(ScenarioError("--set", fixed[0], "is a lever, which the search sets: remove it from [levers] to fix it"))
    with _plain_errors():
        problem = SearchProblem.declare(config, str(scenario), objective, constraint, replicates, robust, percentile,
                                        trials)
    if out is not None:
        check_writable(out, *FILES)
    if dry_run:
        _say_plan([problem.scenario] * (trials * problem.runs_per_policy()), workers, scheduler,
                  note=f" ({trials} policies x {len(problem.states)} state(s) x {problem.scenario.sweep.replicates} "
                       "replicate(s); a resumed search skips what its store holds)")
        return
    with _plain_errors(resumable=out):
        found = search(config, problem.objectives, problem.constraints, out, trials=trials, replicates=replicates,
                       sampler=sampler, robust=robust, percentile=percentile, workers=workers, scheduler=scheduler,
                       progress=True, source=str(scenario))
    _say_result(found, problem, config.scenario.name, trials, config.costs.currency)
    if out is not None:
        _write(out, found, problem, sampler, config)


def _say_result(found: dict[str, pd.DataFrame], problem, name: str, trials: int, currency: str) -> None:
    kpis = list(dict.fromkeys([o.kpi for o in problem.objectives] + [c.kpi for c in problem.constraints]))
    judged = (f"the value reached in {problem.percentile:g}% of {len(problem.states)} states of the world, with the "
              "mean over them and its 95% CI over replicates" if problem.robust else
              "means with their 95% CI over replicates")
    say(f"optimize {name}: {len(found['trials'])} of {trials} policies evaluated, each on "
        f"{problem.runs_per_policy()} run(s); values are {judged}")
    say("objectives: " + ", ".join(f"{o.kpi}:{o.sense}" for o in problem.objectives)
        + ("; constraints: " + ", ".join(c.text for c in problem.constraints) if problem.constraints else ""))
    front = found["front"]
    say(f"Pareto front of the feasible policies: {len(front)}" + (f" (the first {SHOWN_POLICIES} shown)"
                                                                   if len(front) > SHOWN_POLICIES else ""))
    for _, row in front.head(SHOWN_POLICIES).iterrows():
        _say_policy(row, problem, kpis, currency)
    if found["choice"].empty:
        say("no evaluated policy met the constraints: widen the lever ranges, relax a constraint or raise --trials")
        return
    row = found["choice"].iloc[0]
    rule = ("least maximum regret on " if problem.robust == "regret" else "best on ") + problem.objectives[0].kpi
    say(f"chosen ({rule}, trial {int(row.trial)}):")
    _say_policy(row, problem, kpis, currency)


def _write(out: Path, found: dict[str, pd.DataFrame], problem, sampler: str, config) -> None:
    choice = found["choice"].to_dict(orient="records")
    document = {"kind": "optimize", "name": config.scenario.name, "scenario": config.model_dump(mode="json"),
                "objectives": [o.__dict__ for o in problem.objectives],
                "constraints": [c.__dict__ for c in problem.constraints], "levers": list(problem.levers),
                "robust": problem.robust, "percentile": problem.percentile, "states": len(problem.states),
                "replicates": problem.scenario.sweep.replicates, "sampler": sampler,
                "choice": choice[0] if choice else None, **MODEL_IDENTITY}
    files = write_files([
        (out / "trials.csv", lambda tmp: found["trials"].to_csv(tmp, index=False)),
        (out / "front.csv", lambda tmp: found["front"].to_csv(tmp, index=False)),
        (out / "optimize.json", lambda tmp: tmp.write_text(json_text(document))),
    ])
    say(f"wrote {', '.join(str(f) for f in files)}")
