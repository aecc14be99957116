"""The forum's rules on small hand-built states: search, channel choice and learning,
answering (the logit, crowding, capacity, browsing), acceptance and escalation. Keyed rules
give each issue the same outcome whether it comes alone or in a batch."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.acceptance import accept_answers
from sim.rules.answering import answer_logit, browse_threads, logistic, within_capacity, write_answers
from sim.rules.arrivals import FOUND, TO_FORUM
from sim.rules.channels import choose_channels
from sim.rules.contact_centre import answer_calls
from sim.rules.experience import learn_from_experience
from sim.rules.escalation import escalate_expired
from sim.rules.search import search_knowledge_base
from sim.state.population import CONTACT, FORUM, READER, RESPONDER, SUPERUSER
from sim.state.probe import (floats, get_candidates, get_hour_lists, get_issues, get_views, ints, set_answers, set_now,
                             set_candidates, set_issues)
from sim.state.threads import ESCALATED, OPEN, SOLVED, STAFF

from conftest import add_thread, tiny


def issues(model, members, topic=0, k=0):
    members = ints(members)
    set_issues(model.world.ref, members, np.full(members.size, k, np.int64), np.linspace(0.1, 0.9, members.size),
               np.full(members.size, topic, np.int64), np.zeros(members.size, np.int8))


def test_search_finds_in_proportion_to_quality_times_coverage():
    model = tiny(members=4000, search_quality=0.8, initial_articles=0.0, coverage_half_stock=10.0)
    model.world.kb.articles[0] = 10.0  # coverage 1 - 1/e on topic 0
    issues(model, np.arange(4000))
    search_knowledge_base(model.world.ref)
    found = get_issues(model.world.ref).outcome == FOUND
    expected = 0.8 * (1 - np.exp(-1))
    assert abs(found.mean() - expected) < 4 * np.sqrt(expected * (1 - expected) / 4000)
    assert model.counters["self_service"] == found.sum() and model.counters["community_self_service"] == 0


def test_a_found_community_thread_credits_its_solver_and_shows_the_answer():
    model = tiny(members=200, search_quality=1.0, initial_articles=0.0, coverage_half_stock=1e-6)
    thread = add_thread(model, asker=3)
    model.threads.solver[thread], model.threads.accepted_answer[thread] = 7, 0
    kb = model.world.kb
    kb.community[0], kb.recent[0, 0], kb.ring_next[0] = 5.0, thread, 1
    before = model.population.recognition[7]
    issues(model, [10, 11, 12])
    search_knowledge_base(model.world.ref)
    assert model.threads.views[thread] == 3 and model.population.views[7] == 3
    assert model.population.recognition[7] == pytest.approx(before + 3 * model.config.behaviour.recognition_per_view)
    views = get_views(model.world.ref)
    assert views.viewer.tolist() == [10, 11, 12] and views.row.tolist() == [0, 0, 0]


def test_keyed_rules_decide_each_issue_alike_alone_or_in_a_batch():
    """A batch of one is the same rule: search and channel choice draw from the customer's own
    keyed stream, so an issue's outcome does not depend on what else is in the batch."""
    model = tiny(members=300)
    batch = np.arange(300)
    issues(model, batch)
    search_knowledge_base(model.world.ref)
    choose_channels(model.world.ref)
    together = get_issues(model.world.ref).outcome.copy()
    for member in (0, 57, 299):
        issues(model, [member])
        search_knowledge_base(model.world.ref)
        choose_channels(model.world.ref)
        assert get_issues(model.world.ref).outcome[0] == together[member]


def test_channel_choice_is_a_logit_of_the_utilities():
    b = dict(utility_forum=0.5, utility_contact=0.0, utility_social=-1.0, experience_weight=0.0)
    model = tiny(members=20000, **b)
    issues(model, np.arange(20000))
    choose_channels(model.world.ref)
    chosen = get_issues(model.world.ref).outcome - TO_FORUM
    share = np.bincount(chosen, minlength=3) / 20000
    utility = np.array([0.5, 0.0, -1.0]) - model.config.behaviour.wait_cost_per_hour * 0.0
    expected = np.exp(utility) / np.exp(utility).sum()
    np.testing.assert_allclose(share, expected, atol=4 * np.sqrt(0.25 / 20000))


def test_a_closed_forum_is_never_chosen():
    model = tiny(members=3000, forum_open=False)
    issues(model, np.arange(3000))
    choose_channels(model.world.ref)
    assert (get_issues(model.world.ref).outcome != TO_FORUM + FORUM).all()


def test_learning_is_an_ewma_one_experience_at_a_time():
    model = tiny()
    rate = model.config.behaviour.experience_learning_rate
    start = float(model.population.channel_success[7, FORUM])
    for _ in range(3):
        learn_from_experience(model.world.ref, 7, FORUM, 0.0, 10.0, rate)
    assert model.population.channel_success[7, FORUM] == pytest.approx(start * (1 - rate) ** 3)
    assert model.population.channel_wait[7, FORUM] == pytest.approx(10.0 * (1 - (1 - rate) ** 3))


def test_customers_learn_to_avoid_a_failing_channel():
    model = tiny(members=2000)
    readers = model.population.alive_rows(READER)[:1000]
    issues(model, readers)
    choose_channels(model.world.ref)
    before = np.mean(get_issues(model.world.ref).outcome == TO_FORUM + FORUM)
    for member in readers:
        for _ in range(5):
            learn_from_experience(model.world.ref, int(member), FORUM, 0.0, 48.0, 0.3)
    issues(model, readers)
    choose_channels(model.world.ref)
    after = np.mean(get_issues(model.world.ref).outcome == TO_FORUM + FORUM)
    assert after < before - 0.2


def test_answer_logit_is_the_documented_sum():
    model = tiny(members=200)
    b, pop = model.config.behaviour, model.population
    member = int(pop.alive_rows(RESPONDER)[0])
    thread = add_thread(model, difficulty=0.3)
    model.threads.n_answers[thread] = 1
    pop.recognition[member], pop.fatigue[member] = 2.0, 0.4
    motivation = pop.intrinsic[member] + np.log1p(2.0) - 0.4
    in_area = pop.area[member] == model.world.topics.area[0]
    expected = (b.bias_responder + b.weight_expertise * (pop.expertise[member] + 0.1 - 0.3)
                + b.area_match_bonus * in_area + b.weight_motivation * motivation + 0.7 - b.crowding_per_answer)
    assert answer_logit(model.world.ref, member, thread, 2.0, 0.7, 0.1) == pytest.approx(expected, rel=1e-6)
    superuser = int(pop.alive_rows(SUPERUSER)[0])
    pop.expertise[superuser], pop.area[superuser] = pop.expertise[member], pop.area[member]
    pop.intrinsic[superuser], pop.recognition[superuser], pop.fatigue[superuser] = pop.intrinsic[member], 2.0, 0.4
    assert (answer_logit(model.world.ref, superuser, thread, 2.0, 0.7, 0.1)
            == pytest.approx(expected + b.bias_superuser - b.bias_responder, rel=1e-6))


def test_a_staff_answer_crowds_only_visits_after_it():
    model = tiny(members=200)
    member = int(model.population.alive_rows(RESPONDER)[0])
    thread = add_thread(model)
    alone = answer_logit(model.world.ref, member, thread, 2.0, 0.0, 0.0)
    model.threads.n_answers[thread], model.threads.staff_answered[thread] = 1, True
    model.threads.staff_answer_at[thread] = 2.5
    before = answer_logit(model.world.ref, member, thread, 2.0, 0.0, 0.0)
    after = answer_logit(model.world.ref, member, thread, 3.0, 0.0, 0.0)
    assert before == alone and after == pytest.approx(alone - model.config.behaviour.crowding_per_answer)


def test_within_capacity_keeps_each_members_earliest():
    keep = within_capacity(ints([1, 1, 1, 2, 1, 2]), floats([0.5, 0.1, 0.9, 0.3, 0.2, 0.1]), ints([0, 1, 2, 3, 4, 5]), 2)
    assert keep.tolist() == [False, True, False, True, True, True]


def test_within_capacity_keeps_the_oldest_threads_of_one_visit():
    """A member's candidates share one visit time: the tie goes to the oldest threads."""
    keep = within_capacity(ints([4, 4, 4]), floats([0.5, 0.5, 0.5]), ints([9, 2, 5]), 2)
    assert keep.tolist() == [False, True, True]


def test_browsing_skips_own_future_and_sunken_threads():
    model = tiny(members=300, answered_browse_weight=0.0, online_hours_median=168.0, online_hours_max=168.0)
    contributors = model.population.alive_rows(RESPONDER)
    own = add_thread(model, asker=int(contributors[0]), created=0.0)
    later = add_thread(model, asker=0, created=0.99)
    sunk = add_thread(model, asker=0, created=0.0)
    model.threads.n_answers[sunk] = 1  # answered: weight 0, out of sight
    open_ = add_thread(model, asker=0, created=0.0)
    set_now(model.world.ref, 1.0)
    browse_threads(model.world.ref)
    c = get_candidates(model.world.ref)
    assert c.member.size > 0 and set(c.thread.tolist()) <= {own, later, open_}
    assert not np.any((c.thread == own) & (c.member == contributors[0]))
    assert np.all(c.when[c.thread == later] > 0.99)
    pairs = list(zip(c.member.tolist(), c.thread.tolist()))
    assert len(pairs) == len(set(pairs))


def test_written_answers_are_logged_and_counted():
    model = tiny(members=300, bias_responder=20.0, bias_superuser=20.0)  # everyone seen is answered
    member = model.population.alive_rows(RESPONDER)[:3]
    thread = [add_thread(model, asker=0, created=0.0) for _ in range(2)]
    set_now(model.world.ref, 1.0)
    set_candidates(model.world.ref, ints([member[0], member[0], member[1]]), ints([thread[0], thread[1], thread[0]]),
                   floats([0.2, 0.3, 0.4]), ints([0, 1, 0]), floats([0, 0, 0]), floats([0, 0, 0]))
    write_answers(model.world.ref)
    log, threads = model.answer_log, model.threads
    assert log.size == 3 and model.counters["answers"] == 3
    assert threads.n_answers[thread[0]] == 2 and threads.n_answers[thread[1]] == 1
    assert model.population.answers[member[0]] == 2 and model.population.answers[member[1]] == 1
    assert (log.live("time") > floats([0.2, 0.3, 0.4])).all()
    assert threads.first_answer[thread[0]] == log.live("time")[[0, 2]].min()
    assert sorted(get_hour_lists(model.world.ref)[1].tolist()) == thread  # newly answered
    assert model.population.last_post[member[0]] == log.live("time")[:2].max()


def test_the_first_good_answer_in_time_solves_the_thread():
    model = tiny(members=200)
    thread = add_thread(model, asker=4, need=0.5, created=0.0, deadline=10.0)
    late = add_thread(model, asker=5, need=0.5, created=0.0, deadline=1.0)
    solver, other = (int(r) for r in model.population.alive_rows(RESPONDER)[:2])
    set_answers(model.world.ref, ints([other, solver, STAFF, solver]), ints([thread, thread, thread, late]),
                floats([0.9, 0.5, 0.4, 2.0]), floats([0.9, 0.6, 0.3, 0.99]), ints([0, 1, 2, 3]))  # staff: too poor
    accept_answers(model.world.ref)
    threads = model.threads
    assert threads.status[thread] == SOLVED and threads.solver[thread] == solver and threads.closed[thread] == 0.5
    assert threads.accepted_answer[thread] == 1 and threads.status[late] == OPEN  # too late for its asker
    assert model.population.accepted[solver] == 1 and model.population.accepted[other] == 0
    assert model.population.times_helped[4] == 1 and model.world.kb.community[0] == 1.0
    assert get_hour_lists(model.world.ref)[2].tolist() == [solver]
    assert model.threads.open_ids.tolist() == [late]


def test_a_staff_solution_recognises_no_member():
    model = tiny(members=200)
    thread = add_thread(model, asker=4, need=0.1)
    set_answers(model.world.ref, ints([STAFF]), ints([thread]), floats([0.5]), floats([0.9]), ints([0]))
    accept_answers(model.world.ref)
    assert model.threads.solver[thread] == STAFF and model.population.live("accepted").sum() == 0
    assert get_hour_lists(model.world.ref)[2].size == 0


def test_an_expired_question_escalates_to_a_contact():
    model = tiny(members=200)
    expired = add_thread(model, asker=4, created=0.0, deadline=5.0)
    waiting = add_thread(model, asker=6, created=0.0, deadline=50.0)
    before = model.population.channel_success[4, FORUM]
    set_now(model.world.ref, 6.0)
    escalate_expired(model.world.ref)
    assert model.threads.status[expired] == ESCALATED and model.threads.closed[expired] == 5.0
    assert model.threads.status[waiting] == OPEN and model.threads.open_ids.tolist() == [waiting]
    assert model.counters["escalation_calls"] == 1 and model.counters["escalations"] == 0  # a call placed
    answer_calls(model.world.ref)  # an idle agent answers it at once
    assert model.counters["escalations"] == 1 and model.population.contacts[4] == 1
    assert model.population.channel_success[4, FORUM] < before
    assert model.population.channel_success[4, CONTACT] > 0.5


def test_logistic_is_the_standard_one():
    assert logistic(0.0) == 0.5 and logistic(2.0) == pytest.approx(1 / (1 + np.exp(-2.0)))


