"""Cumulative-weight samplers, rebuilt once a day after churn, joins and role changes.

They let the hourly rules draw issue arrivals and online contributors in
O(draws x log members) instead of touching every member every hour (DESIGN.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population import READER, RESPONDER, SUPERUSER

HOURS_PER_WEEK = 168.0


@dataclass
class RoleSampler:
    rows: np.ndarray
    cum: np.ndarray
    mean_probability: float


@dataclass
class Samplers:
    reader_rows: np.ndarray
    contributor_rows: np.ndarray
    issue_rows: np.ndarray
    issue_cum: np.ndarray
    issue_rate_per_hour: float
    responders: RoleSampler
    superusers: RoleSampler


def online_sampler(pop, rows: np.ndarray, hours_per_week: float, max_hours: float) -> RoleSampler:
    """Per-hour online probability = hours x individual propensity, capped, / 168."""
    p = np.minimum(max_hours, hours_per_week * pop.online_propensity[rows]) / HOURS_PER_WEEK
    return RoleSampler(rows, np.cumsum(p), float(p.mean()) if rows.size else 0.0)


def build_samplers(model) -> Samplers:
    pop, cfg = model.population, model.config.population
    size = pop.size
    alive, role = pop.alive[:size], pop.role[:size]
    alive_rows = np.flatnonzero(alive)
    alive_roles = role[alive_rows]
    responders = alive_rows[alive_roles == RESPONDER]
    superusers = alive_rows[alive_roles == SUPERUSER]
    issue_cum = np.cumsum(pop.issue_propensity[alive_rows], dtype=np.float64)
    total = float(issue_cum[-1]) if issue_cum.size else 0.0
    return Samplers(
        reader_rows=alive_rows[alive_roles == READER],
        contributor_rows=alive_rows[alive_roles != READER],
        issue_rows=alive_rows,
        issue_cum=issue_cum,
        issue_rate_per_hour=total / (cfg.issue_interval_days * 24.0),
        responders=online_sampler(pop, responders, cfg.online_hours_median, cfg.online_hours_max),
        superusers=online_sampler(pop, superusers, cfg.online_hours_median * cfg.superuser_online_boost,
                                  cfg.online_hours_max),
    )
