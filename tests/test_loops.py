"""The feedback loops (docs/MODEL.md §3.4): defects the company notices and fixes, me-toos,
satisfaction and churn, kudos that steer, burnout breaks and escalation routes. Rules on small
hand-built states first; then multi-seed direction claims with paired 95% intervals (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SCARCE, add_thread, interval, paired, replicate, tiny
from sim.experiments.herding import herding_effects, run_herding
from sim.params.scenario import build_scenario
from sim.rules.acceptance import accept_answers
from sim.rules.arrivals import TO_FORUM
from sim.rules.asking import post_questions
from sim.rules.defects import fix, notice
from sim.rules.escalation import escalate
from sim.rules.experience import feel
from sim.rules.metoo import follow_threads
from sim.rules.motivation import take_breaks
from sim.rules.online import online_probability
from sim.rules.search import pick_ranked_thread
from sim.state.defects import FIXED, NOTICED
from sim.state.knowledge import add_solved
from sim.state.population import FORUM, READER, RESPONDER
from sim.state.probe import set_answers, set_issue_defects, set_issues, set_kudoed, set_now
from sim.state.threads import SOLVED, STAFF
from sim.rules.defects import HOURS_PER_MONTH


def ints(values):
    return np.asarray(values, dtype=np.int64)


def floats(values):
    return np.asarray(values, dtype=np.float64)


# ----- defects, signals and fixes -----
def test_fixed_defects_prevent_their_share_of_issues():
    model = tiny(members=2000, days=30)
    model.world.defects.state[:] = FIXED  # every fixable defect fixed from the start
    model.run()
    kpis = model.summary()
    share = kpis["issues_prevented"] / (kpis["issues_prevented"] + kpis["issues"])
    n = kpis["issues_prevented"] + kpis["issues"]
    assert n > 500 and abs(share - model.config.product.fixable_share) < 3 * np.sqrt(0.25 / n)


def test_notice_books_fixes_at_the_teams_pace_only_while_listening():
    deaf = tiny()
    set_now(deaf.world.ref, 100.0)
    notice(deaf.world.ref, 0)
    assert deaf.world.defects.state[0] == 0 and deaf.counters["defects_noticed"] == 0
    model = tiny(listening=True, fixes_per_month=1.0, fix_lag_days=10.0)
    set_now(model.world.ref, 100.0)
    for defect in (0, 1, 2):
        notice(model.world.ref, defect)
    d = model.world.defects
    assert (d.state[:3] == NOTICED).all() and model.counters["defects_noticed"] == 3
    assert d.fixed_at[0] == 100.0 + 240.0  # the lag first, then one a month
    assert np.allclose(np.diff(d.fixed_at[:3]), HOURS_PER_MONTH)


def test_a_fix_makes_its_share_of_the_topics_knowledge_obsolete():
    model = tiny(listening=True)
    kb, d = model.world.kb, model.world.defects
    kb.community[0], kb.articles[0] = 10.0, 4.0
    severity = d.severity[0]  # topic 0's first defect: its share of the topic's issues
    fix(model.world.ref, 0)
    assert d.state[0] == FIXED and model.counters["defects_fixed"] == 1
    assert kb.community[0] == pytest.approx(10.0 * (1 - severity)) and kb.articles[0] == pytest.approx(4.0 * (1 - severity))


# ----- me too -----
def forum_issue(model, member: int, defect: int, time: float = 5.5) -> None:
    set_issues(model.world.ref, ints([member]), ints([0]), floats([time]), ints([0]),
               np.array([TO_FORUM + FORUM], np.int8))
    set_issue_defects(model.world.ref, ints([defect]))


def test_an_asker_adds_a_me_too_to_the_open_thread_about_its_defect():
    for metoo, expected_threads in ((True, 1), (False, 2)):
        model = tiny(metoo=metoo, metoo_probability=1.0, metoo_threshold=1, listening=True)
        thread = add_thread(model, asker=1)
        model.threads.defect[thread] = 4
        model.world.defects.open_thread[4] = thread
        set_now(model.world.ref, 6.0)
        forum_issue(model, member=2, defect=4)
        post_questions(model.world.ref)
        assert model.threads.size == expected_threads
        assert model.threads.metoo[thread] == (1 if metoo else 0)
        assert model.world.defects.state[4] == (NOTICED if metoo else 0)  # threshold 1: noticed at once


def test_a_me_too_is_helped_when_its_thread_is_solved_and_escalates_when_not():
    model = tiny(metoo_probability=1.0)
    thread = add_thread(model, asker=1)
    model.world.defects.open_thread[4] = thread
    model.threads.defect[thread] = 4
    for member in (2, 3):
        set_now(model.world.ref, 6.0)
        forum_issue(model, member, defect=4)
        post_questions(model.world.ref)
    model.world.metoos.deadline[:2] = 100.0, 7.0  # the second me-too's patience runs out first
    model.threads.status[thread], model.threads.closed[thread] = SOLVED, 20.0
    set_now(model.world.ref, 21.0)
    follow_threads(model.world.ref)
    assert model.counters["metoo_solved"] == 1 and model.population.times_helped[2] == 1
    assert model.counters["escalation_calls"] + model.counters["escalations_to_social"] + \
        model.counters["escalations_given_up"] == 1


# ----- satisfaction and escalation routes -----
def test_satisfaction_follows_success_less_the_wait():
    model = tiny(satisfaction_learning_rate=0.5, wait_penalty_per_hour=0.1)
    pop = model.population
    feel(model.world.ref, 3, 1.0, 2.0)  # solved after two hours: outcome 0.8
    assert pop.satisfaction[3] == pytest.approx(0.9)
    feel(model.world.ref, 3, 0.0, 0.0)
    assert pop.satisfaction[3] == pytest.approx(0.45)


@pytest.mark.parametrize("route, settings", [
    ("escalations_to_social", dict(utility_social=10.0, utility_contact=-10.0, utility_give_up=-10.0)),
    ("escalation_calls", dict(utility_social=-10.0, utility_contact=10.0, utility_give_up=-10.0)),
    ("escalations_given_up", dict(utility_social=-10.0, utility_contact=-10.0, utility_give_up=10.0)),
])
def test_an_unanswered_asker_goes_where_its_utilities_point(route, settings):
    model = tiny(**settings)
    set_now(model.world.ref, 1.0)
    for member in range(10):
        escalate(model.world.ref, member, -1, 0.0, 0.5, member)
    assert model.counters[route] == 10
    assert model.complaints.size == (10 if route == "escalations_to_social" else 0)


# ----- kudos that steer -----
def test_search_ranks_solved_threads_by_kudos():
    found = {}
    for weight in (0.0, 2.0):
        model = tiny(kudos_rank_weight=weight)
        for kudos in (0, 9):
            thread = add_thread(model)
            row = model.answer_log.append_rows(1)[0]
            model.answer_log.kudos[row], model.threads.accepted_answer[thread] = kudos, row
            add_solved(model.world.kb, 0, thread)
        picks = [pick_ranked_thread(model.world.ref, 0, u) for u in np.linspace(0.001, 0.999, 1000)]
        found[weight] = np.mean(np.asarray(picks) == thread)  # the well-liked thread
    assert found[0.0] == pytest.approx(0.5, abs=0.01) and found[2.0] == pytest.approx(100 / 101, abs=0.01)


def test_an_asker_accepts_a_well_liked_answer_on_a_second_look():
    for weight, solved in ((0.0, False), (0.2, True)):
        model = tiny(kudos_acceptance_weight=weight)
        thread = add_thread(model, need=0.6, deadline=48.0)
        set_answers(model.world.ref, ints([STAFF]), ints([thread]), floats([1.5]), floats([0.55]), ints([0]))
        row = model.answer_log.append_rows(1)[0]
        log = model.answer_log
        log.thread[row], log.quality[row], log.member[row] = thread, 0.55, STAFF
        set_now(model.world.ref, 2.0)
        accept_answers(model.world.ref)  # too poor at first sight
        assert model.threads.status[thread] != SOLVED
        log.kudos[row] = 5  # then liked by five readers
        set_answers(model.world.ref, ints([]), ints([]), floats([]), floats([]), ints([]))
        set_kudoed(model.world.ref, ints([row]))
        set_now(model.world.ref, 3.0)
        accept_answers(model.world.ref)  # 0.55 + 0.2 log(6) > 0.6
        assert bool(model.threads.status[thread] == SOLVED) == solved


# ----- burnout breaks -----
def test_a_tired_contributor_takes_a_break_and_comes_back_or_stops():
    for back, role in ((1.0, RESPONDER), (0.0, READER)):
        model = tiny(fatigue_threshold=0.5, return_share=back)
        member = int(model.population.alive_rows(RESPONDER)[0])
        model.population.fatigue[member] = 0.8
        set_now(model.world.ref, 24.0)
        take_breaks(model.world.ref)
        assert model.population.break_until[member] > 24.0 and model.counters["breaks"] == 1
        assert online_probability(model.world.ref, member) == 0.0
        model.population.fatigue[member] = 0.0
        end = float(model.population.break_until[member])
        set_now(model.world.ref, end + 1.0)
        take_breaks(model.world.ref)
        assert model.population.role[member] == role
        assert model.counters["break_returns"] == back and model.counters["burnout_quits"] == 1 - back


def test_with_breaks_off_a_tired_contributor_stays_online():
    model = tiny(breaks=False, fatigue_threshold=0.5)
    member = int(model.population.alive_rows(RESPONDER)[0])
    model.population.fatigue[member] = 5.0
    take_breaks(model.world.ref)
    assert model.counters["breaks"] == 0 and online_probability(model.world.ref, member) > 0


# ----- multi-seed direction claims -----
SEEDS = tuple(range(11, 19))


@pytest.mark.slow
def test_listening_fixes_defects_and_cuts_issues():
    runs = replicate({"deaf": dict(members=3000, days=240),
                      "listening": dict(members=3000, days=240, listening=True, calls_threshold=8.0,
                                        complaints_threshold=4.0)}, SEEDS)
    assert all(r["defects_fixed"] == 0 and r["issues_prevented"] == 0 for r in runs["deaf"])
    assert all(r["defects_fixed"] > 0 for r in runs["listening"])
    low, high = interval(paired(runs, "issues", "deaf", "listening"))
    assert low > 0, f"listening should cut issues: paired interval [{low:.1f}, {high:.1f}]"


@pytest.mark.slow
def test_visible_me_toos_get_defects_noticed_sooner():
    slow_forum = dict(SCARCE, days=120, listening=True, listen_contact=False, listen_social=False,
                      metoo_threshold=2, metoo_probability=1.0)
    runs = replicate({"metoo": slow_forum, "scattered": dict(slow_forum, metoo=False)}, SEEDS)
    assert all(r["defects_noticed"] == 0 for r in runs["scattered"])
    low, _ = interval(paired(runs, "defects_noticed", "metoo", "scattered"))
    assert low > 0


@pytest.mark.slow
def test_worse_service_loses_more_customers():
    good = dict(members=3000, days=240)
    runs = replicate({"good": good, "slow_centre": dict(good, agents=0.3),
                      "ignored_forum": dict(good, online_hours_median=0.01)}, SEEDS)
    for worse in ("slow_centre", "ignored_forum"):
        low, high = interval(paired(runs, "customers_lost_to_service", worse, "good"))
        assert low > 0, f"{worse}: paired interval [{low:.2f}, {high:.2f}]"
        assert np.mean([r["revenue_at_risk"] for r in runs[worse]]) > np.mean([r["revenue_at_risk"] for r in runs["good"]])


@pytest.mark.slow
def test_public_replies_move_brand_sentiment_above_ignoring():
    base = dict(members=3000, days=120)
    runs = replicate({"ignore": base, "respond_all": dict(base, social_kind="respond_all")}, SEEDS[:5])
    assert all(-1.0 < r["brand_sentiment"] < 0 for r in runs["ignore"]), "the forum's views keep ignore off -1"
    low, _ = interval(paired(runs, "brand_sentiment", "respond_all", "ignore"))
    assert low > 0


@pytest.mark.slow
def test_an_early_kudo_changes_views_and_acceptance_only_when_kudos_steer():
    def effects(**params):
        scenario = build_scenario({}, {f"behaviour.{k}": v for k, v in params.items()})  # 10,000 members, a year
        return herding_effects(run_herding(scenario, list(range(12)), share=0.05, workers=2)).iloc[1]  # front row

    # strong steering, so that the mechanism shows over 12 seeds (at the default 0.05 the
    # acceptance effect of one kudo is too small to detect there: MODEL.md §3.4)
    steering = effects(kudos_rank_weight=1.0, kudos_acceptance_weight=0.3)
    assert steering["views_low"] > 0 and steering["accepted_low"] > 0
    cosmetic = effects(kudos_rank_weight=0.0, kudos_acceptance_weight=0.0)
    for outcome in ("views", "accepted"):
        assert cosmetic[f"{outcome}_low"] <= 0 <= cosmetic[f"{outcome}_high"], outcome


@pytest.mark.slow
def test_breaks_happen_members_return_and_off_restores_the_old_behaviour():
    busy = dict(members=2000, days=120, online_hours_median=1.0, fatigue_threshold=0.4)
    runs = replicate({"breaks": busy, "off": dict(busy, breaks=False),
                      "never_tired": dict(busy, fatigue_threshold=100.0)}, SEEDS[:4])
    assert all(r["breaks"] > 0 and r["break_returns"] > 0 for r in runs["breaks"])
    for off, never in zip(runs["off"], runs["never_tired"]):  # no break taken: the same run, bit for bit
        assert off["breaks"] == 0 and never["breaks"] == 0
        assert off["daily"].equals(never["daily"])


@pytest.mark.slow
def test_escalations_reach_social_media_when_it_pays():
    base = dict(SCARCE, patience_hours=12.0)
    runs = replicate({"default": base, "loud": dict(base, utility_social=1.0)}, SEEDS[:5])
    low, _ = interval(paired(runs, "escalations_to_social", "loud", "default"))
    assert low > 0
