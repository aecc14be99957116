"""Product launches: scheduled Mesa events that add topics and a fading surge of issues."""

from __future__ import annotations

import numpy as np

from sim import CommunityModel
from sim.params.scenario import build_scenario

LAUNCH = {"population": {"members": 3000}, "scenario": {"days": 80},
          "behaviour": {"coverage_half_stock": 15.0, "initial_articles": 1500.0},
          "launches": [{"day": 30, "new_topics": 20, "lasting_share": 0.1, "surge": 2.0,
                        "surge_decay_days": 10.0}]}


def _run(data, seed=1) -> CommunityModel:
    model = CommunityModel(scenario=build_scenario(data), rng=seed)
    model.run()
    return model


def test_launch_floods_new_topics_then_fades():
    model = _run(LAUNCH)
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    issues = daily.issues_day.to_numpy()
    before, surge, later = issues[20:30].mean(), issues[30:37].mean(), issues[70:80].mean()
    assert surge > 2.0 * before          # the rate about triples at launch
    assert before < later < surge        # it fades towards the lasting extra share
    topics = model.threads.live("topic")
    created = model.threads.live("created")
    new = topics >= model.config.behaviour.topics
    assert new.any() and created[new].min() >= 30 * 24.0  # no question on a topic before it exists
    assert model.counters["launches"] == 1


def test_undocumented_new_topics_defeat_self_service():
    """Search finds nothing on the new topics, so self-service falls during the surge and the
    forum takes more than its share of the extra issues."""
    for seed in (1, 2, 3):
        daily = _run(LAUNCH, seed).datacollector.get_model_vars_dataframe().reset_index(drop=True)
        window = {"before": slice(20, 30), "surge": slice(30, 37)}
        rate = {k: daily.self_service_day[w].sum() / daily.issues_day[w].sum() for k, w in window.items()}
        threads = {k: daily.forum_threads_day[w].sum() / daily.issues_day[w].sum() for k, w in window.items()}
        assert rate["surge"] < 0.85 * rate["before"]  # a clear relative drop in every replicate
        assert threads["surge"] > threads["before"]


def test_a_launch_is_reproducible_and_changes_nothing_before_it():
    with_launch = _run(LAUNCH, seed=7)
    again = _run(LAUNCH, seed=7)
    np.testing.assert_equal(with_launch.summary(), again.summary())
    quiet = dict(LAUNCH, launches=[])
    plain = _run(quiet, seed=7)
    a = with_launch.datacollector.get_model_vars_dataframe().issues_day.to_numpy()
    b = plain.datacollector.get_model_vars_dataframe().issues_day.to_numpy()
    np.testing.assert_array_equal(a[:30], b[:30])
