"""The herding experiment of Muchnik, Aral & Taylor (Science, 2013) inside the community.

New answers are assigned at random, as they are written, to a control arm or to a treatment
that gives them one early kudo before anyone has seen them: from an ordinary member (seen by
a later viewer only by chance) or from the front row (seen by every later viewer). Answers in
all arms have the same quality on average, so any difference in the kudos they go on to
receive is herding. With conformity switched off it must vanish.

Kudos also steer what happens next (sim/rules/search.py, sim/rules/acceptance.py): better-
liked answers rank higher for searchers and look better to askers, so an early kudo can
change an answer's views and its chance of being accepted, not only its later kudos. With
kudos ranking off (kudos_rank_weight = kudos_acceptance_weight = 0) those effects vanish.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from sim.experiments.design import MODEL_IDENTITY, run_id
from sim.experiments.executors import Job
from sim.experiments.stats import mean_interval
from sim.experiments.sweeps import base_id, run_stored
from sim.model import CommunityModel
from sim.rules.kudos import CONTROL, FRONT_ROW_KUDO, ORDINARY_KUDO
from sim.params.scenario import Scenario
from sim.state.identity import source_hash

ARMS = {CONTROL: "control", ORDINARY_KUDO: "one ordinary kudo", FRONT_ROW_KUDO: "one front-row kudo"}
ARM_KEYS = {CONTROL: "control", ORDINARY_KUDO: "ordinary", FRONT_ROW_KUDO: "front_row"}  # store column prefixes
DEFAULT_SHARE = 0.05

OUTCOMES = ("later_kudos", "final_kudos", "views", "accepted")
HERDING_MEASURES = (*(f"{outcome}_effect" for outcome in OUTCOMES), "final_kudos_lift", "later_kudos_lift")
COLUMNS = {(ARMS[code], field): f"{ARM_KEYS[code]}_{field}" for code in ARMS for field in ("answers", *OUTCOMES)}
SHARE_COLUMN = "herding.share"  # dotted, as a store's parameter columns are
CODE = source_hash([Path(__file__)])  # this file computes the outcomes, so run ids name its code too


def arm_outcomes(model) -> dict[str, dict[str, float]]:
    """Per arm: answers; mean kudos received after the seed and mean final total; mean views
    by others than the seeding viewer; share of the arm's answers accepted by their asker."""
    log, threads = model.answer_log, model.threads
    arm, kudos, views = log.live("seeded"), log.live("kudos").astype(float), log.live("views").astype(float)
    accepted = threads.accepted_answer[log.live("thread")] == np.arange(log.size)
    outcomes = {}
    for code, name in ARMS.items():
        mine = arm == code
        seed = 1.0 if code != CONTROL else 0.0
        values = (kudos[mine] - seed, kudos[mine], views[mine] - seed, accepted[mine].astype(float))
        outcomes[name] = {"answers": int(mine.sum()),
                          **{key: float(v.mean()) if mine.any() else np.nan for key, v in zip(OUTCOMES, values)}}
    return outcomes


@dataclass(frozen=True)
class HerdingArms:
    """The experiment a replicate's job carries: one run with the arms in place, its arms'
    outcomes flattened into store columns (COLUMNS)."""

    share: float

    def __call__(self, scenario: Scenario, seed: int) -> dict[str, float]:
        model = CommunityModel(scenario=scenario, rng=seed)
        model.seed_kudos(self.share)
        model.run()
        return {COLUMNS[arm, field]: value for arm, outcome in arm_outcomes(model).items()
                for field, value in outcome.items()}


def herding_run_id(scenario: Scenario, seed: int, share: float) -> str:
    """The plain run's id (design.run_id: parameters, seed, model) with the experiment, its
    share and this module's code: a replicate with another share is another run."""
    text = json.dumps({"run": run_id(scenario, seed), "experiment": "herding", "share": share, "code": CODE},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def herding_jobs(scenario: Scenario, seeds: list[int], share: float = DEFAULT_SHARE) -> list[Job]:
    """One job per replicate seed, in order."""
    return [Job(herding_run_id(scenario, seed, share), scenario, seed, experiment=HerdingArms(share)) for seed in seeds]


def per_replicate(jobs: list[Job], measures: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """One row per replicate and arm (seed, arm, answers, outcomes), in the jobs' order, from
    each run's flat columns by run id (outcomes in memory, or rows read back from a store)."""
    return pd.DataFrame([{"seed": int(job.seed), "arm": arm, "answers": int(measures[job.run_id][COLUMNS[arm, "answers"]]),
                          **{key: float(measures[job.run_id][COLUMNS[arm, key]]) for key in OUTCOMES}}
                         for job in jobs for arm in ARMS.values()])


def herding_description(scenario: Scenario, seeds: list[int], share: float) -> dict:
    """A herding store's sweep.json: its own base id, so sweep runs and herding runs of one
    scenario never share a store."""
    return {"name": scenario.scenario.name, "base_id": hashlib.sha256(f"herding {base_id(scenario)}".encode()).hexdigest()[:20],
            **MODEL_IDENTITY, "design": "herding", "parameters": [SHARE_COLUMN], "share": share,
            "replicates": len(seeds), "runs": len(set(seeds)), "scenario": scenario.model_dump(mode="json")}


def run_herding(scenario: Scenario, seeds: list[int], share: float = DEFAULT_SHARE, workers: int | None = None, *,
                scheduler: str | None = None, out: str | Path | None = None, progress: bool = False,
                flush_seconds: float | None = None) -> pd.DataFrame:
    """One row per replicate and arm: the arm's answers and mean outcomes. Each replicate
    depends only on its seed, so the result is the same on any executor. With `out`, the
    replicates are stored there and a repeated call runs only those not stored yet (attrs
    `resumed` counts them)."""
    jobs = herding_jobs(scenario, seeds, share)
    replicate = {job.run_id: i for i, job in reversed(list(enumerate(jobs)))}

    def row_of(outcome) -> dict:
        index = replicate[outcome.run_id]
        return {"run_id": outcome.run_id, "seed": jobs[index].seed, "replicate": index, SHARE_COLUMN: share,
                **outcome.summary}

    table = run_stored(jobs, row_of, Path(out) if out is not None else None,
                       herding_description(scenario, seeds, share), workers=workers, scheduler=scheduler,
                       progress=scenario.scenario.name if progress else None, flush_seconds=flush_seconds)
    rows = per_replicate(jobs, {row["run_id"]: row for row in table.to_dict(orient="records")})
    rows.attrs = dict(table.attrs)
    return rows


def herding_effects(per_replicate: pd.DataFrame) -> pd.DataFrame:
    """Each treatment against control, paired by replicate, over the replicates in which every
    arm received answers: mean and 95% t-interval of the difference in each outcome (later
    kudos, final kudos, views, acceptance), and of the relative lifts: the final score over
    control's, and the kudos received after the seed over control's (each less one). With
    about one kudo per answer the seed itself doubles a final score, so the later-kudos lift
    is the one set to Muchnik et al.'s 25% (targets/stylized_facts.toml)."""
    wide = per_replicate.pivot(index="seed", columns="arm")
    wide = wide[(wide["answers"] > 0).all(axis=1)]  # a replicate counts only if every arm got answers
    effects = []
    for arm in (ARMS[ORDINARY_KUDO], ARMS[FRONT_ROW_KUDO]):
        row = {"arm": arm, "replicates": len(wide)}
        control = {outcome: wide[outcome][ARMS[CONTROL]] for outcome in OUTCOMES}
        paired = {f"{outcome}_effect": wide[outcome][arm] - control[outcome] for outcome in OUTCOMES}
        paired["final_kudos_lift"] = wide["final_kudos"][arm] / control["final_kudos"] - 1.0
        paired["later_kudos_lift"] = wide["later_kudos"][arm] / control["later_kudos"] - 1.0
        for name, diff in paired.items():
            mean, low, high = mean_interval(diff.to_numpy())
            stem = name.removesuffix("_effect")
            row |= {name: mean, f"{stem}_low": low, f"{stem}_high": high}
        effects.append(row)
    return pd.DataFrame(effects)
