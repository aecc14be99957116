"""Kudos cascades: viewers give kudos on their own signal or by conformity with the kudos
they see; front-row kudos are seen by all. The herding experiment (Muchnik et al. 2013) finds
positive herding with conformity on, more from the front row, and none with conformity and
kudos steering both off."""

from __future__ import annotations

import numpy as np
import pytest

from sim import CommunityModel, load_scenario
from sim.experiments.herding import ARMS, FRONT_ROW_KUDO, ORDINARY_KUDO, herding_effects, run_herding
from sim.rules.kudos import give_kudos
from sim.state.probe import floats, ints, set_views

from conftest import SCENARIOS, assert_above_zero

SIZE = {"population.members": 6000, "scenario.days": 180}  # enough answers per replicate to see an ordinary kudo's herding
SEEDS = list(range(21, 37))


def _herding(conformity: bool, steering: bool = True, seeds: list[int] = SEEDS):
    off = {} if steering else {"behaviour.kudos_rank_weight": 0.0, "behaviour.kudos_acceptance_weight": 0.0}
    scenario = load_scenario(SCENARIOS / "baseline.toml", {**SIZE, "behaviour.kudos_conformity": conformity, **off})
    per_replicate = run_herding(scenario, seeds, share=0.3, workers=2)
    return per_replicate, herding_effects(per_replicate).set_index("arm")


@pytest.fixture(scope="module")
def with_conformity():
    return _herding(True)


def _later_kudos_diff(per_replicate, arm, baseline="control"):
    wide = per_replicate.pivot(index="seed", columns="arm")["later_kudos"]
    return (wide[arm] - wide[baseline]).to_numpy()


@pytest.mark.slow
def test_one_early_kudo_brings_more_kudos(with_conformity):
    """Positive herding: treated answers draw more later kudos than controls, each arm on its
    own. An ordinary seed is seen only by chance, so its effect is smaller than the front row's
    (docs/MODEL.md §7.5)."""
    per_replicate, effects = with_conformity
    ordinary = _later_kudos_diff(per_replicate, ARMS[ORDINARY_KUDO])
    front = _later_kudos_diff(per_replicate, ARMS[FRONT_ROW_KUDO])
    assert_above_zero((ordinary + front) / 2, "later kudos, treated - control")
    assert_above_zero(ordinary, "later kudos, one ordinary kudo - control")
    assert effects.loc[ARMS[FRONT_ROW_KUDO], "later_kudos_low"] > 0


@pytest.mark.slow
def test_front_row_kudos_herd_more_than_back_row_kudos(with_conformity):
    per_replicate, _ = with_conformity
    diffs = _later_kudos_diff(per_replicate, ARMS[FRONT_ROW_KUDO], ARMS[ORDINARY_KUDO])
    assert_above_zero(diffs, "later kudos, front-row seed - ordinary seed")


@pytest.mark.slow
def test_without_conformity_and_steering_the_herding_effect_vanishes():
    """A kudo also steers searchers and askers to its answer (sim/rules/search.py), which brings
    views and so kudos on quality alone; with both mechanisms off nothing is left to herd."""
    per_replicate, effects = _herding(False, steering=False, seeds=list(range(21, 53)))  # power for +-0.1
    for arm in (ARMS[ORDINARY_KUDO], ARMS[FRONT_ROW_KUDO]):
        # equivalence: the whole interval lies within +-0.1 kudos, a sixth of the front-row effect
        low, high = effects.loc[arm, "later_kudos_low"], effects.loc[arm, "later_kudos_high"]
        assert -0.1 < low and high < 0.1, f"{arm}: interval [{low:.3f}, {high:.3f}] should be near 0"
        assert effects.loc[arm, "final_kudos_effect"] == pytest.approx(1.0, abs=max(high - low, 0.2))


def test_kudos_kpis_and_herding_index():
    on = CommunityModel(rng=3, members=2000, days=90)
    off = CommunityModel(rng=3, members=2000, days=90, kudos_conformity=False)
    on.run()
    off.run()
    k_on, k_off = on.summary(), off.summary()
    assert k_on["kudos_per_answer"] > 0 and 0 < k_on["herding_index"] < 1
    assert k_off["herding_index"] == 0.0 and k_off["herded_kudos"] == 0
    log = on.answer_log
    assert log.live("kudos").sum() == k_on["kudos"] and log.live("herded_kudos").sum() == k_on["herded_kudos"]
    assert k_on["kudos_per_answer"] == pytest.approx(k_on["kudos"] / log.size)


def test_kudos_earn_points_where_points_are_on():
    model = CommunityModel(rng=4, members=2000, days=60, points_enabled=True)
    model.run()
    pop, log, points = model.population, model.answer_log, model.config.rewards.points
    member, kudos = log.live("member"), log.live("kudos")
    by_members = member >= 0
    kudos_points = points.per_kudo * kudos[by_members].sum()
    expected = (points.per_answer * pop.live("answers").sum() + points.per_accepted * pop.live("accepted").sum()
                + kudos_points)
    assert kudos_points > 0 and pop.live("points").sum() == pytest.approx(expected)


def _one_answer(model, quality: float) -> int:
    log = model.answer_log
    row = int(log.append_rows(1)[0])
    log.member[row], log.thread[row], log.time[row], log.quality[row] = 5, 0, 1.0, quality
    return row


def _judge(model, viewers, rows) -> None:
    """The hour's views (viewer, answer row), judged together as give_kudos does each hour."""
    viewers = ints(viewers)
    set_views(model.world.ref, viewers, ints(rows), floats(np.linspace(0.1, 0.9, viewers.size)))
    give_kudos(model.world.ref)


def test_a_front_row_kudo_is_seen_by_every_later_viewer_and_an_ordinary_one_by_chance():
    model = CommunityModel(rng=1, members=300, days=1, kudos_seen_share=0.0, kudos_noise=0.0)
    viewers = np.flatnonzero(model.population.live("role") == 0)[:50]
    model.population.conformity[viewers] = 0.1
    for front in (True, False):
        row = _one_answer(model, quality=0.0)  # no viewer likes it on its own
        log = model.answer_log
        log.views[row], log.kudos[row] = 1, 1
        log.front_views[row] = log.front_kudos[row] = int(front)
        _judge(model, viewers[:1], [row])
        # one front-row kudo over an audience of kudos_min_audience (5): share 0.2 > X = 0.1
        assert log.kudos[row] == (2 if front else 1)


def test_no_one_gives_kudos_to_their_own_answer():
    model = CommunityModel(rng=1, members=300, days=1, kudos_threshold=-10.0)
    row = _one_answer(model, quality=1.0)
    _judge(model, [5, 6, 5, 7], [row, row, row, row])
    assert model.answer_log.kudos[row] == 2 and model.answer_log.views[row] == 2


@pytest.mark.slow
def test_the_herding_result_does_not_depend_on_the_number_of_workers():
    scenario = load_scenario(SCENARIOS / "baseline.toml", {"population.members": 800, "scenario.days": 30})
    one = run_herding(scenario, [1, 2], share=0.3, workers=1)
    two = run_herding(scenario, [1, 2], share=0.3, workers=2)
    assert one.equals(two)


def test_a_member_gives_an_answer_at_most_one_kudo():
    model = CommunityModel(rng=1, members=300, days=1, kudos_threshold=-10.0)  # everyone likes it
    row = _one_answer(model, quality=1.0)
    for _ in range(3):
        _judge(model, [6, 6, 7], [row, row, row])
    log = model.answer_log
    assert log.kudos[row] == 2 and log.views[row] == 9
