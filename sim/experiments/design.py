"""Experimental designs over a scenario's [sweep] parameters, and the runs they plan.

Every design is first a set of points in the unit cube (scipy.qmc for Latin hypercube and
Sobol, SALib for Morris and for the Saltelli scheme behind Sobol indices); each coordinate
is then mapped onto its parameter's range or list of levels. A run is one design point on
one replicate seed. Replicate r uses the same seed at every point (common random numbers),
so differences between points are not blurred by different luck, and a run's id is a hash
of everything that determines its result: adding levels later keeps the runs already done.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from sim import __version__
from sim.state.identity import MODEL_HASH
from sim.params.scenario import Scenario, ScenarioError, build_scenario
from sim.params.schema import field_at

# Planning costs about 19 kB and 1.3 ms per design point (its validated scenario) and 0.2 kB
# per run (measured): these caps keep the largest plan near 1 GB and a minute.
MAX_POINTS = 50_000
MAX_RUNS = 1_000_000
# What names the code that computes a result: the release and the hash of the model's source.
MODEL_IDENTITY = {"version": __version__, "model": MODEL_HASH}


@dataclass(frozen=True)
class Run:
    """One simulation to do: a design point on a replicate seed."""

    run_id: str
    point: int
    replicate: int
    seed: int
    values: dict[str, Any]  # the swept parameters' values at this point, by dotted key
    scenario: Scenario


def replicate_seeds(root: int, replicates: int) -> list[int]:
    """Independent seeds spawned from `root` with SeedSequence, one per replicate."""
    children = np.random.SeedSequence(root).spawn(replicates)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


def run_id(scenario: Scenario, seed: int) -> str:
    """A hash of what determines a run's result: every resolved parameter, the seed and the
    model's identity (release and source hash). The scenario's name, description and own
    seed, and the sweep itself, do not count."""
    resolved = scenario.model_dump(mode="json", exclude={"sweep": True,
                                                         "scenario": {"name", "description", "seed"}})
    text = json.dumps({"scenario": resolved, "seed": seed, **MODEL_IDENTITY}, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _is_int(key: str) -> bool:
    return field_at(key).annotation is int


def _levels(key: str, spec: Any) -> list[Any]:
    """The values a grid takes for one parameter: its levels, or `steps` points on its range."""
    if isinstance(spec, list):
        return spec
    values = np.linspace(spec["low"], spec["high"], spec.get("steps", 2))
    # rounded to 12 decimals, so 0.4..0.8 in 3 steps gives 0.6, not 0.6000000000000001
    return [int(round(v)) if _is_int(key) else round(float(v), 12) for v in values]


def _from_unit(key: str, spec: Any, u: float) -> Any:
    """Map a unit-cube coordinate onto a range (rounded for whole-number parameters) or,
    for a list of levels, onto one level with equal chances."""
    if isinstance(spec, list):
        return spec[min(int(u * len(spec)), len(spec) - 1)]
    value = min(max(spec["low"] + u * (spec["high"] - spec["low"]), spec["low"]), spec["high"])  # no rounding past an end
    return int(round(value)) if _is_int(key) else float(value)


def unit_problem(keys: list[str]) -> dict:
    """A SALib problem over the unit cube: parameters are mapped to their ranges later."""
    return {"num_vars": len(keys), "names": keys, "bounds": [[0.0, 1.0]] * len(keys)}


def swept(scenario: Scenario) -> dict[str, Any]:
    """Every parameter a sweep varies, by dotted key: its [sweep.parameters], else the
    declared levers and uncertainties, which it crosses."""
    sweep = scenario.sweep
    return sweep.parameters or {**sweep.levers, **sweep.uncertainties}


def _count(specs: dict[str, Any], design: str, samples: int) -> int:
    if not specs:
        return 1
    if design == "grid":
        return math.prod(len(spec) if isinstance(spec, list) else spec.get("steps", 2) for spec in specs.values())
    return {"lhs": samples, "sobol": samples, "morris": (len(specs) + 1) * samples,
            "saltelli": (len(specs) + 2) * samples}[design]


def planned_points(scenario: Scenario, design: str) -> int:
    """How many points a design has, counted from its specs before any point is built: with
    levers and uncertainties, each policy of the design at each state of the world."""
    sweep = scenario.sweep
    if sweep.parameters or not (sweep.levers or sweep.uncertainties):
        return _count(sweep.parameters, design, sweep.samples)
    return _count(sweep.levers, design, sweep.samples) * (sweep.states if sweep.uncertainties else 1)


def check_plan_size(scenario: Scenario, design: str, source: str = "scenario") -> None:
    """Refuse a design too large to plan before any of it is built (a 10-parameter grid of
    10 levels each is 10^10 points: building them would exhaust memory first)."""
    points, replicates = planned_points(scenario, design), scenario.sweep.replicates
    if points > MAX_POINTS:
        raise ScenarioError(source, "sweep", f"the {design} design has {points:,} points, more than the "
                            f"{MAX_POINTS:,} one sweep may plan; use fewer parameters, levels, steps or samples")
    if points * replicates > MAX_RUNS:
        raise ScenarioError(source, "sweep", f"the {design} design has {points:,} points x {replicates:,} "
                            f"replicates = {points * replicates:,} runs, more than the {MAX_RUNS:,} one sweep "
                            "may plan; use fewer levels, steps, samples or replicates")


def unit_points(scenario: Scenario, design: str, source: str = "scenario", specs: dict[str, Any] | None = None,
                samples: int | None = None, stream: int = 7) -> np.ndarray:
    """Points of a sampled design over `specs` (the [sweep] parameters) in the unit cube,
    seeded by the scenario seed and `stream` (so two designs of one scenario differ)."""
    sweep = scenario.sweep
    if specs is None:  # a part of a crossed design is checked with the whole (design_points)
        check_plan_size(scenario, design, source)
    keys = list(sweep.parameters if specs is None else specs)
    samples = samples or sweep.samples
    rng = np.random.default_rng(np.random.SeedSequence([scenario.scenario.seed, stream]))
    if design == "lhs":
        return qmc.LatinHypercube(len(keys), rng=rng).random(samples)
    if design == "sobol":
        return qmc.Sobol(len(keys), scramble=True, rng=rng).random_base2(int(math.log2(samples)))
    if design == "morris":
        return morris_sample.sample(unit_problem(keys), samples, num_levels=sweep.morris_levels, seed=rng)
    if design == "saltelli":  # the cross-sampled design that Sobol indices are estimated from
        return sobol_sample.sample(unit_problem(keys), samples, calc_second_order=False, seed=rng)
    raise ValueError(f"unknown design {design!r}")


def _points(scenario: Scenario, specs: dict[str, Any], design: str, source: str) -> list[dict[str, Any]]:
    if not specs:
        return [{}]
    if design == "grid":
        grid = itertools.product(*(_levels(key, spec) for key, spec in specs.items()))
        return [dict(zip(specs, combination)) for combination in grid]
    return points_from_unit(scenario, unit_points(scenario, design, source, specs), specs)


def states_of_the_world(scenario: Scenario, source: str = "scenario") -> list[dict[str, Any]]:
    """The [uncertainties] sampled as `states` Latin-hypercube points: the same states for
    every policy, so policies are compared on common futures as they are on common seeds."""
    specs = scenario.sweep.uncertainties
    if not specs:
        return [{}]
    unit = unit_points(scenario, "lhs", source, specs, scenario.sweep.states, stream=11)
    return points_from_unit(scenario, unit, specs)


def design_points(scenario: Scenario, design: str | None = None, source: str = "scenario") -> list[dict[str, Any]]:
    """The design's points as {dotted key: value}: a full grid, or a sampled design, over the
    [sweep] parameters; or each policy of the design over the levers at each state of the world."""
    design = design or scenario.sweep.design
    check_plan_size(scenario, design, source)
    sweep = scenario.sweep
    if sweep.parameters or not (sweep.levers or sweep.uncertainties):
        return _points(scenario, sweep.parameters, design, source)
    if design not in ("grid", "lhs", "sobol"):
        raise ScenarioError(source, "sweep.design", f"a sweep of levers and uncertainties takes a grid, lhs or "
                            f"sobol design over its levers (got {design})")
    policies = _points(scenario, sweep.levers, design, source)
    return [policy | state for policy in policies for state in states_of_the_world(scenario, source)]


def points_from_unit(scenario: Scenario, unit: np.ndarray, specs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Unit-cube points mapped onto the ranges and levels of `specs` (the [sweep] parameters)."""
    specs = scenario.sweep.parameters if specs is None else specs
    return [{key: _from_unit(key, spec, u) for (key, spec), u in zip(specs.items(), row)} for row in unit]


def _resolved(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return node


def check_parameter_values(scenario: Scenario, specs: dict[str, Any], source: str, field: str) -> None:
    """Each parameter's levels, or both ends of its range, must make a valid scenario."""
    base = scenario.model_dump(mode="json", exclude={"sweep"})
    for key, spec in specs.items():
        for value in spec if isinstance(spec, list) else (spec["low"], spec["high"]):
            try:
                build_scenario(base, {key: value}, source=source)
            except ScenarioError as error:
                raise ScenarioError(source, f"{field}.{key}", error.problem) from None


def plan_runs(scenario: Scenario, points: list[dict[str, Any]], source: str = "scenario") -> list[Run]:
    """Every point on every replicate seed, validated before anything runs: a point that
    makes an invalid scenario (say shares that no longer sum to one) is bad input."""
    replicates = scenario.sweep.replicates
    seeds = replicate_seeds(scenario.scenario.seed, replicates)
    base = scenario.model_dump(mode="json", exclude={"sweep"})
    runs = []
    for point, values in enumerate(points):
        try:
            resolved = build_scenario(base, values, source=source) if values else scenario
        except ScenarioError as error:
            raise ScenarioError(source, f"sweep ({error.field})",
                                f"design point {point} {values}: {error.problem}") from None
        values = {key: _resolved(resolved, key) for key in values}
        runs += [Run(run_id(resolved, seed), point, replicate, seed, values, resolved)
                 for replicate, seed in enumerate(seeds)]
    return runs
