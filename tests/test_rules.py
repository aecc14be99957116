"""Rules and measures on small hand-made batches (a batch of one is the same rule)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CommunityModel
from sim.knowledge import KnowledgeBase
from sim.metrics import gini, top_share
from sim.population import FORUM, READER, RESPONDER
from sim.rules.answering import answer_probability, within_capacity
from sim.rules.arrivals import zipf_weights
from sim.rules.channels import choose_channels, learn_from_experience

counts = st.lists(st.integers(0, 50), min_size=1, max_size=200).map(lambda x: np.array(x, dtype=np.int64))


@settings(max_examples=200, deadline=None)
@given(counts, st.integers(1, 200))
def test_top_share_matches_sorting(values, k):
    k = min(k, values.size)
    expected = np.sort(values)[::-1][:k].sum() / values.sum() if values.sum() else np.nan
    assert np.isclose(top_share(values, k), expected, equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(counts)
def test_gini_matches_textbook_formula(values):
    x = np.sort(values).astype(float)
    n = x.size
    expected = (2 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n) if x.sum() else np.nan
    assert np.isclose(gini(values), expected, equal_nan=True)


def test_gini_extremes():
    assert gini(np.array([5, 5, 5, 5])) == 0.0
    assert np.isclose(gini(np.array([0, 0, 0, 12])), 0.75)


def test_within_capacity_keeps_each_members_earliest():
    member = np.array([1, 1, 1, 2, 1, 2])
    time = np.array([0.5, 0.1, 0.9, 0.3, 0.2, 0.1])
    keep = within_capacity(member, time, 2)
    assert keep.tolist() == [False, True, False, True, True, True]


def test_coverage_grows_with_solved_threads_and_decays():
    kb = KnowledgeBase(zipf_weights(3, 1.0), initial_articles=0.0, half_stock=10.0, half_life_days=30.0)
    topic = np.array([0])
    assert kb.coverage(topic)[0] == 0.0
    kb.add_solved(np.array([0] * 10), np.arange(10))
    assert np.isclose(kb.coverage(topic)[0], 1 - np.exp(-1))
    for _ in range(30):
        kb.decay_one_day()
    assert np.isclose(kb.community[0], 5.0)
    assert kb.community_share(topic)[0] == 1.0
    picks = kb.pick_threads(np.array([0, 1] * 50), np.random.default_rng(0))
    assert set(picks[::2]) <= set(range(2, 10)) and (picks[1::2] == -1).all()


def test_answer_probability_falls_with_crowding_and_difficulty():
    model = CommunityModel(rng=1, members=200, days=1)
    member = model.population.alive_rows(RESPONDER)[:1]
    thread = model.threads.open(asker=np.array([0]), topic=np.array([0]), difficulty=np.array([0.2]),
                                need=np.array([0.5]), created=np.array([0.0]), deadline=np.array([48.0]))
    at = np.array([2.0])
    base = answer_probability(model, member, thread, at)[0]
    model.threads.n_answers[thread] = 2
    crowded = answer_probability(model, member, thread, at)[0]
    model.threads.n_answers[thread] = 0
    model.threads.difficulty[thread] = 0.9
    hard = answer_probability(model, member, thread, at)[0]
    assert crowded < base and hard < base


def test_a_staff_answer_crowds_only_visits_after_it():
    model = CommunityModel(rng=1, members=200, days=1)
    member = model.population.alive_rows(RESPONDER)[:1]
    thread = model.threads.open(asker=np.array([0]), topic=np.array([0]), difficulty=np.array([0.2]),
                                need=np.array([0.5]), created=np.array([0.0]), deadline=np.array([48.0]))
    alone = answer_probability(model, member, thread, np.array([2.0]))[0]
    model.threads.n_answers[thread] = 1
    model.threads.staff_answered[thread] = True
    model.threads.staff_answer_at[thread] = 2.5
    before = answer_probability(model, member, thread, np.array([2.0]))[0]
    after = answer_probability(model, member, thread, np.array([3.0]))[0]
    assert before == alone and after < alone


def test_customers_learn_to_avoid_a_failing_channel():
    model = CommunityModel(rng=2, members=2000, days=1)
    members = model.population.alive_rows(READER)[:1000]
    before = np.mean(choose_channels(model, members) == FORUM)
    for _ in range(5):
        learn_from_experience(model, members, FORUM, np.zeros(members.size), np.full(members.size, 48.0))
    after = np.mean(choose_channels(model, members) == FORUM)
    assert after < before - 0.2


def test_each_experience_in_a_batch_counts():
    model = CommunityModel(rng=2, members=50, days=1)
    rate = model.config.behaviour.experience_learning_rate
    member = np.array([7, 7, 7])
    start = float(model.population.channel_success[7, FORUM])
    learn_from_experience(model, member, FORUM, np.zeros(3), np.zeros(3))
    assert np.isclose(model.population.channel_success[7, FORUM], start * (1 - rate) ** 3)


def test_threads_that_sank_out_of_sight_are_not_browsed():
    from sim.rules.answering import browse
    model = CommunityModel(rng=1, members=200, days=1, answered_browse_weight=0.0)
    thread = model.threads.open(asker=np.array([0]), topic=np.array([0]), difficulty=np.array([0.2]),
                                need=np.array([0.5]), created=np.array([0.0]), deadline=np.array([48.0]))
    model.threads.n_answers[thread] = 1
    member, seen, _ = browse(model, np.array([5, 6]), np.array([0.5, 0.7]))
    assert member.size == 0 and seen.size == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 20), max_size=40))
def test_first_occurrences_matches_numpy_unique(values):
    from sim.arrays import first_occurrences
    keys = np.array(values, dtype=np.int64)
    _, expected = np.unique(keys, return_index=True)
    assert first_occurrences(keys).tolist() == expected.tolist()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), max_size=30), max_size=8))
def test_keyset_matches_a_python_set(batches):
    from sim.arrays import KeySet
    keys, reference = KeySet(merge_every=7), set()
    for batch in batches:
        batch = np.array(batch, dtype=np.int64)
        assert keys.contains(batch).tolist() == [k in reference for k in batch.tolist()]
        keys.add(np.unique(batch))
        reference.update(batch.tolist())
