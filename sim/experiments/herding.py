"""The herding experiment of Muchnik, Aral & Taylor (Science, 2013) inside the community.

New answers are assigned at random, as they are written, to a control arm or to a treatment
that gives them one early kudo before anyone has seen them: from an ordinary member (seen by
a later viewer only by chance) or from the front row (seen by every later viewer). Answers in
all arms have the same quality on average, so any difference in the kudos they go on to
receive is herding. With conformity switched off it must vanish.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments.executors import pool_of, spawning
from sim.model import CommunityModel
from sim.rules.kudos import CONTROL, FRONT_ROW_KUDO, ORDINARY_KUDO
from sim.params.scenario import Scenario

ARMS = {CONTROL: "control", ORDINARY_KUDO: "one ordinary kudo", FRONT_ROW_KUDO: "one front-row kudo"}


def arm_outcomes(model) -> dict[str, dict[str, float]]:
    """Per arm: answers, mean kudos received after the seed, and mean final total."""
    log = model.answer_log
    arm, kudos = log.live("seeded"), log.live("kudos").astype(float)
    outcomes = {}
    for code, name in ARMS.items():
        mine = arm == code
        seed_kudo = 1.0 if code != CONTROL else 0.0
        outcomes[name] = {"answers": int(mine.sum()),
                          "later_kudos": float((kudos[mine] - seed_kudo).mean()) if mine.any() else np.nan,
                          "final_kudos": float(kudos[mine].mean()) if mine.any() else np.nan}
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
    """Each treatment minus control, paired by replicate: mean and 95% t-interval of the
    difference in later kudos and in final totals per answer, over the replicates in which
    every arm received answers (NaN if none did)."""
    wide = per_replicate.pivot(index="seed", columns="arm")
    wide = wide[(wide["answers"] > 0).all(axis=1)]  # a replicate counts only if every arm got answers
    effects = []
    for arm in (ARMS[ORDINARY_KUDO], ARMS[FRONT_ROW_KUDO]):
        row = {"arm": arm, "replicates": len(wide)}
        for outcome in ("later_kudos", "final_kudos"):
            diff = (wide[outcome][arm] - wide[outcome][ARMS[CONTROL]]).to_numpy()
            mean = float(diff.mean()) if diff.size else float("nan")
            half = (float(stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size))
                    if diff.size > 1 else float("nan"))
            row |= {f"{outcome}_effect": mean, f"{outcome}_low": mean - half, f"{outcome}_high": mean + half}
        effects.append(row)
    return pd.DataFrame(effects)
