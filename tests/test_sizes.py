"""The shipped stories hold at other sizes: capacities given per 1,000 members scale with the
community, so each scenario's claimed direction holds at 3,000 and at 20,000 members
(fixed-seed replicates). The published facts are checked at 3,000, 10,000 and 30,000 members
by tests/test_facts.py."""

from __future__ import annotations

import pytest

from sim.experiments.comparison import arm_runs, differences, pair

from conftest import SCENARIOS

pytestmark = pytest.mark.slow  # years of two communities of each size

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
