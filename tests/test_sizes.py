"""The shipped stories hold at other sizes: capacities given per 1,000 members scale with the
community, so Lenovo's fall in calls and 2011's unanswered complaints stay in their
published bands at 3,000 and at 20,000 members (fixed-seed replicates, `facts --set`)."""

from __future__ import annotations

import pytest

from sim.experiments.comparison import arm_runs, differences, pair
from sim.experiments.stylized_facts import DEFAULT_TARGETS, facts

from conftest import SCENARIOS

pytestmark = pytest.mark.slow  # years of two communities of each size

STORIES = ("lenovo_call_reduction", "twitter_unanswered")


@pytest.fixture(scope="module")
def story_targets(tmp_path_factory):
    """The targets file cut down to the two facts about proportions."""
    blocks = DEFAULT_TARGETS.read_text().split("[[fact]]")
    kept = [block for block in blocks[1:] if any(f'id = "{story}"' in block for story in STORIES)]
    assert len(kept) == len(STORIES)
    path = tmp_path_factory.mktemp("targets") / "stories.toml"
    path.write_text(blocks[0] + "".join("[[fact]]" + block for block in kept))
    return path


@pytest.mark.parametrize("members", [3000, 20_000])
def test_stories_about_proportions_hold_at_another_size(story_targets, members):
    table = facts(story_targets, replicates=3, workers=2, overrides={"population.members": members})
    assert sorted(table.fact) == sorted(STORIES)
    for row in table.itertuples():
        assert row.band_low <= row.model <= row.band_high, (
            f"{row.fact} at {members:,} members: {row.model:.3f} (95% CI {row.model_low:.3f}-{row.model_high:.3f})"
            f" outside [{row.band_low}, {row.band_high}]")


# (scenario, reference, KPI, direction of scenario - reference), from the scenario headers
DIRECTIONS = [
    ("community_first", "staff_answer_everything", "volunteer_answers", +1),
    ("community_first", "staff_answer_everything", "cost_total", -1),
    ("staff_answer_everything", "community_first", "median_hours_to_first_answer", -1),
    ("comcast_twitter_concierge", "twitter_dialog", "social_share", +1),
    ("gamified_badges", "baseline", "volunteer_answers", +1),
    ("no_community", "baseline", "assisted_contacts", +1),
    ("verizon_superusers", "baseline", "superusers_active", +1),
    ("product_launch_surge", "baseline", "assisted_contacts", +1),
    ("contact_centre_cuts", "baseline", "contact_abandon_rate", +1),
    ("contact_centre_cuts", "baseline", "forum_threads", +1),
    ("contact_centre_cuts", "baseline", "cost_per_month", -1),
]


@pytest.mark.parametrize("members", [3000, 20_000])
def test_the_other_stories_keep_their_direction_at_another_size(members):
    arms = {name: SCENARIOS / f"{name}.toml" for claim in DIRECTIONS for name in claim[:2]}
    runs, _ = arm_runs(arms, replicates=3, workers=2, overrides={"population.members": members})
    for scenario, reference, kpi, sign in DIRECTIONS:
        table = differences(pair(runs, reference, scenario)).set_index("kpi").loc[kpi]
        low, high = sign * table.low, sign * table.high
        assert min(low, high) > 0, (f"{scenario} vs {reference} at {members:,} members: {kpi} should "
                                    f"{'rise' if sign > 0 else 'fall'}; 95% CI {table.low:.4g} to {table.high:.4g}")
