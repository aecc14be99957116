"""Measures: the daily record from running tallies equals the column-scanning summary at
every day's end; the median heaps, top shares and Gini match their textbook definitions; the
KPI registry covers every KPI."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CommunityModel
from sim.measures.answering import heap_pop, heap_push
from sim.measures.daily import DAILY_KEYS, SUMMARY_ONLY
from sim.measures.kpis import gini, top_share
from sim.measures.registry import KPIS, Kpi

counts = st.lists(st.integers(0, 50), min_size=1, max_size=200).map(lambda x: np.array(x, dtype=np.int64))


@settings(max_examples=200, deadline=None)
@given(counts, st.integers(1, 200))
def test_top_share_matches_sorting(values, k):
    k = min(k, values.size)
    expected = np.sort(values)[::-1][:k].sum() / values.sum() if values.sum() else np.nan
    assert np.isclose(top_share(np.bincount(values), k), expected, equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(counts)
def test_gini_matches_textbook_formula(values):
    x = np.sort(values).astype(float)
    n = x.size
    expected = (2 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n) if x.sum() else np.nan
    assert np.isclose(gini(np.bincount(values)), expected, equal_nan=True)


def test_gini_extremes():
    assert gini(np.bincount([5, 5, 5, 5])) == 0.0
    assert np.isclose(gini(np.bincount([0, 0, 0, 12])), 0.75)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300))
def test_array_heap_pops_in_sorted_order(values):
    heap = np.empty(4)
    for size, value in enumerate(values):
        heap = heap_push(heap, size, value)
    popped = [heap_pop(heap, size) for size in range(len(values), 0, -1)]
    assert popped == sorted(values)


@pytest.fixture(scope="module")
def eventful():
    """A small year with every lever on, stepped day by day, with the summary at each day."""
    model = CommunityModel(rng=9, members=800, days=120, forum_kind="sla", forum_staff_hours_per_day=2.0,
                           social_kind="loudest_first", social_team_hours_per_day=0.5, utility_social=-1.0,
                           points_enabled=True, badges_enabled=True, leaderboard_enabled=True,
                           programme_enabled=True, pay_enabled=True, churn_rate_per_year=1.0,
                           coverage_half_stock=15.0, initial_articles=1500.0)
    summaries = []
    for _ in range(120):
        model.run_for(24)
        summaries.append(model.summary())
    return model, summaries


def test_the_daily_record_equals_the_summary_every_day(eventful):
    model, summaries = eventful
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    assert list(daily.columns) == list(DAILY_KEYS) and set(model._day_record) == set(DAILY_KEYS)
    assert len(daily) == len(summaries)
    for day, summary in enumerate(summaries):
        for key, value in summary.items():
            if key in SUMMARY_ONLY:  # a scan of every member, left out of the day's record
                continue
            recorded = daily.loc[day, key]
            assert recorded == pytest.approx(value, rel=1e-9, abs=1e-9, nan_ok=True), f"day {day + 1}: {key}"


def test_the_daily_record_equals_the_summary_with_answers_dated_days_ahead():
    """Writing an answer can take days (writing_minutes up to a day on average): the day
    tallies keep such posts apart from the days being counted, and in step with summary."""
    model = CommunityModel(rng=13, members=400, days=60, writing_minutes=1440.0, churn_rate_per_year=2.0)
    summaries = []
    for _ in range(60):
        model.run_for(24)
        summaries.append(model.summary())
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    for day, summary in enumerate(summaries):
        for key in ("members_active", "superusers_active", "lurker_share", "members_now"):
            assert daily.loc[day, key] == pytest.approx(summary[key], nan_ok=True), f"day {day + 1}: {key}"


def test_the_daily_record_saw_every_tally_move(eventful):
    """The equality above means something only if the tallies change: lurkers and active
    members, the median, the role counts and the answer histogram all move over the run."""
    model, summaries = eventful
    for key in ("lurker_share", "members_active", "superusers_active", "median_hours_to_first_answer",
                "gini_answers", "answer_rate_24h", "superusers", "churned"):
        values = [s[key] for s in summaries[30:]]
        assert len(set(np.round(values, 12))) >= 3, key  # at least two moves (a handful of super-users has few levels)


def test_every_kpi_is_in_the_registry_with_a_kind():
    keys = set(CommunityModel(rng=1, members=30, days=1).summary())
    assert keys == set(KPIS)
    assert all(isinstance(kpi, Kpi) and kpi.kind in {"pct", "hours", "minutes", "money", "int", "num"}
               and kpi.better in {None, "higher", "lower"} for kpi in KPIS.values())
    assert KPIS["answer_rate_24h"].better == "higher" and KPIS["cost_total"].better == "lower"
