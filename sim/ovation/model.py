"""The standing-ovation problem (Miller & Page, Complexity 9(5), 2004) as a Mesa model.

An audience sits on a rows x seats grid (row 0 nearest the stage). Each member gets a signal
= quality + noise and stands at first if it exceeds the threshold T. Then each looks at the
people it can see and stands if more than a share X of them stand (sits if fewer), updating
synchronously, in random order, or most-discontented first. `Halls` runs many independent
halls at once for replicate studies; `StandingOvationModel` is one hall as a Mesa model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import mesa
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.ovation.hall import Sightlines, conform, mate_standing, sightlines, standing_share
from sim.params.scenario import ScenarioError, describe_error

MAX_SEATS = 250_000
SUMMARY_KEYS = ("initial_standing_share", "final_standing_share", "steps_to_settle", "settled",
                "cycled", "changed_mind", "efficient")


class OvationConfig(BaseModel):
    """Every setting of a hall, with its valid range."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    rows: int = Field(20, ge=1, le=1000, description="Rows of seats; row 0 is the front")
    seats: int = Field(20, ge=1, le=1000, description="Seats per row")
    quality: float = Field(0.5, ge=-100, le=100, description="Quality of the performance")
    quality_sd: float = Field(0.0, ge=0, le=100, description="Spread of quality as each member perceives it (0 = one value)")
    threshold: float = Field(0.5, ge=-100, le=100, description="T: stand at first if quality + noise > T")
    noise: float = Field(0.2, ge=0, le=100, description="Size of each member's signal noise (SD, or half-width if uniform)")
    noise_dist: Literal["normal", "uniform"] = Field("normal", description="Distribution of the signal noise")
    conformity: float | None = Field(0.5, ge=0, le=1, description="X: stand if more than this share of those seen stand; None = keep the first decision")
    vision: Literal["five_neighbours", "cone"] = Field("cone", description="Whom a member sees")
    depth: int = Field(3, ge=1, le=1000, description="Rows ahead a cone reaches")
    update: Literal["synchronous", "asynchronous", "incentive"] = Field("asynchronous", description="Order of updating")
    period_noise: float = Field(0.0, ge=0, le=10, description="SD of noise in the share a member perceives, drawn every period")
    group_size: int = Field(1, ge=1, le=1000, description="Adjacent seats in a row that came together: they see each other and stand when a mate stands")
    celebrities: int = Field(0, ge=0, le=1000, description="Middle front-row seats that everyone can see")
    celebrity_weight: float = Field(3.0, ge=0, le=1000, description="How many ordinary neighbours a celebrity counts for")

    @model_validator(mode="after")
    def _fits_the_hall(self) -> OvationConfig:
        if self.celebrities > self.seats:
            raise ValueError(f"celebrities ({self.celebrities}) cannot exceed seats ({self.seats})")
        if self.rows * self.seats > MAX_SEATS:
            raise ValueError(f"rows x seats cannot exceed {MAX_SEATS:,} (got {self.rows * self.seats:,})")
        return self


def sightline_cells(config: OvationConfig) -> int:
    """Most seats one member can see: the width of the kernel's arrays."""
    depth = min(config.depth, config.rows - 1) if config.vision == "cone" else 1
    ahead = (depth + 1) ** 2 - 1 if config.vision == "cone" else 5
    return ahead + config.group_size + config.celebrities


def ovation_config(**settings) -> OvationConfig:
    """Validated settings; a ScenarioError (a ValueError) names the setting and the problem."""
    try:
        return OvationConfig(**settings)
    except ValidationError as exc:
        raise ScenarioError("ovation", *describe_error(exc.errors()[0], OvationConfig)) from None


def hall_sightlines(config: OvationConfig) -> Sightlines:
    return sightlines(config.rows, config.seats, config.vision, config.depth, config.group_size,
                      config.celebrities, config.celebrity_weight)


@dataclass
class HallRecord:
    """What happened in each hall: the share standing after every step, and the outcome."""

    shares: list[np.ndarray]
    initial: np.ndarray
    signal_majority: np.ndarray
    settled_at: np.ndarray
    cycled: np.ndarray


class Halls:
    """Independent halls with the same settings, one random generator each, run in lockstep.

    One step lets every member update once (all at once, in a random order, or the most
    discontented first). A hall that settles (a step with no change) or returns to an earlier
    configuration (a cycle) is frozen from then on. With per-period noise neither is a steady
    state, so such halls run to the step limit and count as neither settled nor cycled.
    """

    def __init__(self, config: OvationConfig, generators: list[np.random.Generator]):
        self.config, self.rngs = config, generators
        self.lines = hall_sightlines(config)
        n = config.rows * config.seats
        quality = np.array([config.quality + config.quality_sd * g.standard_normal(n) for g in generators])
        if config.noise_dist == "normal":
            noise = np.array([g.normal(0.0, config.noise, n) for g in generators])
        else:
            noise = np.array([g.uniform(-config.noise, config.noise, n) for g in generators])
        self.standing = quality + noise > config.threshold
        self.steps = 0
        halls = len(generators)
        first = self.standing.mean(axis=1)
        self.record = HallRecord([first], self.standing.copy(), first > 0.5,
                                 np.full(halls, np.nan), np.zeros(halls, dtype=bool))
        self.active = np.ones(halls, dtype=bool)
        self.seen_states = [{row.tobytes()} for row in np.packbits(self.standing, axis=1)]
        self.first_hall_frames = [self.standing[0].copy()]  # for the animation of one hall
        if config.conformity is None:  # nobody looks around: the first decision is final
            self.record.settled_at[:] = 0
            self.active[:] = False

    def step(self) -> None:
        if not self.active.any():
            return
        before = self.standing.copy()
        getattr(self, f"_{self.config.update}")()
        self.standing[~self.active] = before[~self.active]
        self.steps += 1
        self.record.shares.append(self.standing.mean(axis=1))
        self.first_hall_frames.append(self.standing[0].copy())
        if self.config.period_noise > 0:
            return  # a quiet step or a repeated state is no steady state when noise keeps coming
        changed = (self.standing != before).any(axis=1)
        settled = self.active & ~changed
        self.record.settled_at[settled] = self.steps
        for hall in np.flatnonzero(self.active & changed):
            state = np.packbits(self.standing[hall]).tobytes()
            if state in self.seen_states[hall]:
                self.record.cycled[hall] = True
            self.seen_states[hall].add(state)
        self.active &= ~settled & ~self.record.cycled

    def run(self, max_steps: int = 100) -> None:
        while self.steps < max_steps and self.active.any():
            self.step()

    # ----- update orders -----
    def _perception_noise(self) -> np.ndarray:
        n = self.standing.shape[1]
        if self.config.period_noise == 0:
            return np.zeros_like(self.standing, dtype=float)
        return np.array([g.normal(0.0, self.config.period_noise, n) for g in self.rngs])

    def _synchronous(self) -> None:
        share = standing_share(self.standing, self.lines) + self._perception_noise()
        self.standing = conform(self.standing, share, self.config.conformity,
                                mate_standing(self.standing, self.lines))

    def _in_order(self, order: np.ndarray) -> None:
        """Members update one at a time, each seeing the changes made before its turn."""
        noise, halls = self._perception_noise(), np.arange(self.standing.shape[0])
        for turn in range(order.shape[1]):
            seat = order[:, turn]
            share = standing_share(self.standing, self.lines, seat) + noise[halls, seat]
            self.standing[halls, seat] = conform(self.standing[halls, seat], share, self.config.conformity,
                                                 mate_standing(self.standing, self.lines, seat))

    def _asynchronous(self) -> None:
        n = self.standing.shape[1]
        self._in_order(np.array([g.permutation(n) for g in self.rngs]))

    def _incentive(self) -> None:
        """Those most at odds with what they see move first; the content go last, in random order."""
        share = standing_share(self.standing, self.lines)
        mate_up = mate_standing(self.standing, self.lines)
        wants_change = conform(self.standing, share, self.config.conformity, mate_up) != self.standing
        discontent = np.where(wants_change, np.abs(share - self.config.conformity), -1.0)
        tiebreak = np.array([g.random(self.standing.shape[1]) for g in self.rngs])
        self._in_order(np.lexsort((tiebreak, -discontent), axis=1))

    # ----- outcomes -----
    def summaries(self) -> list[dict]:
        rec, final = self.record, self.standing.mean(axis=1)
        return [{"initial_standing_share": float(rec.shares[0][h]),
                 "final_standing_share": float(final[h]),
                 "steps_to_settle": float(rec.settled_at[h]),
                 "settled": bool(np.isfinite(rec.settled_at[h])),
                 "cycled": bool(rec.cycled[h]),
                 "changed_mind": int((self.standing[h] != rec.initial[h]).sum()),
                 "efficient": bool((final[h] > 0.5) == rec.signal_majority[h])}
                for h in range(self.standing.shape[0])]


def ovation_study(config: OvationConfig, replicates: int, seed: int, max_steps: int = 100) -> Halls:
    """Halls seeded seed, seed + 1, ...: hall i is exactly StandingOvationModel(rng=seed + i)."""
    halls = Halls(config, [np.random.default_rng(seed + i) for i in range(replicates)])
    halls.run(max_steps)
    return halls


def mean_summary(halls: Halls) -> dict[str, float]:
    """Means over the halls; steps_to_settle over the halls that settled (NaN if none did)."""
    rows = halls.summaries()
    mean = {key: float(np.mean([row[key] for row in rows])) for key in SUMMARY_KEYS}
    settled = [row["steps_to_settle"] for row in rows if row["settled"]]
    mean["steps_to_settle"] = float(np.mean(settled)) if settled else float("nan")
    return mean


class Spectator(mesa.Agent):
    """A member of the audience: a seat, and whether it stands (read from the hall's state)."""

    def __init__(self, model: StandingOvationModel, row: int, seat: int):
        super().__init__(model)
        self.row, self.seat = row, seat
        self.index = row * model.config.seats + seat

    @property
    def standing(self) -> bool:
        return bool(self.model.hall.standing[0, self.index])


class StandingOvationModel(mesa.Model):
    """One hall as a Mesa model: Spectator agents, one step = everyone updates once."""

    def __init__(self, rows: int = 20, seats: int = 20, quality: float = 0.5, threshold: float = 0.5,
                 noise: float = 0.2, conformity: float | None = 0.5, vision: str = "cone",
                 update: str = "asynchronous", rng=1, **options):
        super().__init__(rng=rng)
        self.config = ovation_config(rows=rows, seats=seats, quality=quality, threshold=threshold,
                                     noise=noise, conformity=conformity, vision=vision, update=update,
                                     **options)
        self.hall = Halls(self.config, [self.rng])
        for row in range(rows):
            for seat in range(seats):
                Spectator(self, row, seat)
        self.datacollector = mesa.DataCollector(model_reporters={"standing_share": lambda m: m.standing_share})
        self.datacollector.collect(self)
        self.running = bool(self.hall.active[0])

    @property
    def standing_share(self) -> float:
        return float(self.hall.standing.mean())

    def step(self) -> None:
        self.hall.step()
        self.datacollector.collect(self)
        self.running = bool(self.hall.active[0])

    def run(self, max_steps: int = 100) -> None:
        """Step until the hall settles, cycles, or `max_steps` steps have run."""
        while self.running and self.hall.steps < max_steps:
            self.step()

    def summary(self) -> dict:
        return self.hall.summaries()[0]
