"""Issue arrivals: each member's own Poisson clock (rate propensity / issue interval), Zipf
topics, and common random numbers: a member meets the same issues whatever else differs."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim import CommunityModel
from sim.rules.arrivals import schedule_issues
from sim.state.probe import get_queue

from conftest import tiny

CLOSED = dict(churn_rate_per_year=0.0, join_rate_per_year=0.0)  # a fixed membership


def test_issue_count_is_poisson_with_the_members_total_propensity():
    model = CommunityModel(rng=3, members=3000, days=30, **CLOSED)
    propensity = float(model.population.live("issue_propensity").sum())
    model.run()
    expected = propensity * 30 / model.config.population.issue_interval_days
    assert abs(model.counters["issues"] - expected) < 4 * np.sqrt(expected)


def test_each_members_issue_times_are_its_own_poisson_process():
    """A member's issues in a year are Poisson with mean its rate times the hours."""
    model = CommunityModel(rng=4, members=400, days=365, issue_interval_days=5.0, **CLOSED)
    model.run()
    pop = model.population
    rate = pop.live("issue_propensity") / (5.0 * 24.0)
    z = (pop.live("issues") - rate * 8760) / np.sqrt(rate * 8760)  # Poisson(rate x hours) a member
    assert abs(z.mean()) < 0.2 and 0.8 < z.std() < 1.2


def test_topics_follow_the_zipf_mix():
    model = CommunityModel(rng=5, members=5000, days=60, topics=5, topic_areas=5, forum_open=True, **CLOSED)
    model.run()
    topics = model.threads.live("topic")
    counts = np.bincount(topics, minlength=5)
    weights = np.arange(1, 6) ** -1.0
    # forum threads are issues that search did not solve, so compare shares to the Zipf mix loosely
    assert counts.argmax() == 0 and stats.spearmanr(counts, weights).statistic > 0.8


def test_the_day_queue_is_in_time_order_within_the_day():
    model = tiny(members=500, issue_interval_days=1.0)
    schedule_issues(model.world.ref)
    member, number, time, position = get_queue(model.world.ref)
    assert member.size > 300 and position == 0
    assert np.all(np.diff(time) > 0) and time.min() >= 0.0 and time.max() < 24.0
    for m in np.unique(member)[:100]:  # each member's issues of the run so far, numbered from 0
        assert sorted(number[member == m].tolist()) == list(range((member == m).sum()))
    np.testing.assert_array_equal(np.bincount(member, minlength=500), model.population.live("issues"))


def test_first_days_arrivals_are_identical_across_policies():
    """Common random numbers: two arms that differ only in a response policy meet the same
    customers with the same issues (member, time and topic) on day 1, and on later days for
    the members they still share."""
    arms = [CommunityModel(rng=11, members=3000, days=20, forum_kind=kind, forum_staff_hours_per_day=24.0)
            for kind in ("none", "immediate")]
    days = []
    for model in arms:
        model.run_for(24)
        days.append(get_queue(model.world.ref)[:3])
    for a, b in zip(*days):
        np.testing.assert_array_equal(a, b)
    topic = [m.threads.live("topic") for m in arms]
    asker = [m.threads.live("asker") for m in arms]
    created = [m.threads.live("created") for m in arms]
    assert asker[0].size > 0
    np.testing.assert_array_equal(asker[0], asker[1])
    np.testing.assert_array_equal(created[0], created[1])
    np.testing.assert_array_equal(topic[0], topic[1])


def test_a_members_issues_do_not_shift_when_other_members_change():
    """Traits and issue clocks are keyed by the member, not by the order of draws: growing the
    community leaves the first members' traits and issues untouched."""
    small, large = (CommunityModel(rng=12, members=n, days=30, reader_share=1.0, responder_share=0.0,
                                   superuser_share=0.0, **CLOSED) for n in (300, 600))
    for model in (small, large):
        model.run()
    for column in ("expertise", "issue_propensity", "reach", "conformity", "issues", "issue_clock"):
        np.testing.assert_array_equal(small.population.live(column), large.population.live(column)[:300], column)
