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


import numpy as np
import pandas as pd

from sim.experiments.executors import pool_of, spawning
from sim.experiments.stats import mean_interval
from sim.model import CommunityModel
from sim.rules.kudos import CONTROL, FRONT_ROW_KUDO, ORDINARY_KUDO
from sim.params.scenario import Scenario

ARMS = {CONTROL: "control", ORDINARY_KUDO: "one ordinary kudo", FRONT_ROW_KUDO: "one front-row kudo"}


OUTCOMES = ("later_kudos", "final_kudos", "views", "accepted")
HERDING_MEASURES = (*(f"{outcome}_effect" for outcome in OUTCOMES), "final_kudos_lift", "later_kudos_lift")


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


def herding_replicate(job: tuple[Scenario, int, float]) -> list[dict]:
    """One run with the arms in place: a row per arm."""
    scenario, seed, share = job
    model = CommunityModel(scenario=scenario, rng=seed)
    model.seed_kudos(share)
    model.run()
    return [{"seed": seed, "arm": arm, **outcome} for arm, outcome in arm_outcomes(model).items()]


def run_herding(scenario: Scenario, seeds: list[int], share: float = 0.05, workers: int = 1) -> pd.DataFrame:
    """One row per replicate and arm: the arm's answers and mean kudos. Each replicate depends
    only on its seed, so the result is the same for any number of worker processes."""
    jobs = [(scenario, seed, share) for seed in seeds]
    if workers > 1:
        with pool_of(workers) as pool:
            with spawning():
                pending = pool.map(herding_replicate, jobs)  # submits every job, starting the workers
            results = list(pending)
    else:
        results = [herding_replicate(job) for job in jobs]
    return pd.DataFrame([row for rows in results for row in rows])


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
