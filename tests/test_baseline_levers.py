"""A baseline with room to move: the vendor forum with no staff answering is calibrated to leave
a real share of questions open after a day (docs/MODEL.md §5), so that the levers a company
pulls move the 24-hour answer rate by at least 5 points, with a paired 95% interval over
fixed seeds (common random numbers)."""

from __future__ import annotations

import pytest

from sim.experiments.comparison import arm_runs, differences, pair
from sim.params.scenario import load_scenario

from conftest import SCENARIOS

pytestmark = pytest.mark.slow  # paired years of the baseline

REPLICATES = 5
SEED = 16
LEVERS = {
    "staff answering": {"policy.forum.kind": "immediate"},       # staff answer every question as it arrives
    "super-user programme": {"rewards.programme.enabled": True},  # the super-user programme, at its defaults
    "12-hour SLA": {"policy.forum.kind": "sla", "policy.forum.sla_hours": 12.0},  # staff step in after half a day
}
PEERS = {"policy.social.peer_reply_per_hour": 0.05}


@pytest.fixture(scope="module")
def runs():
    """The baseline and every pulled lever on the same REPLICATES seeds, in one batch: each test
    pairs the baseline with its arm, which is `compare(baseline, pulled, REPLICATES, seed=SEED)`
    exactly (the same seeds, so the same runs), without running the baseline once per test."""
    arms = {"baseline": load_scenario(SCENARIOS / "baseline.toml")}
    arms |= {name: load_scenario(SCENARIOS / "baseline.toml", lever) for name, lever in LEVERS.items()}
    arms["peers"] = load_scenario(SCENARIOS / "baseline.toml", PEERS)
    return arm_runs(arms, REPLICATES, seed=SEED, workers=2)[0]


def compared(runs, arm):
    """The paired differences arm - baseline, as `compare` gives them."""
    return differences(pair(runs, "baseline", arm)).set_index("kpi")


@pytest.mark.parametrize("lever", list(LEVERS))
def test_a_lever_raises_the_24h_answer_rate_by_at_least_5_points(runs, lever):
    row = compared(runs, lever).loc["answer_rate_24h"]
    assert 0.60 <= row.a_mean <= 0.85, f"the baseline's answer_rate_24h {row.a_mean:.3f} is off its calibration band"
    assert row.low >= 0.05, (f"{LEVERS[lever]}: answer_rate_24h {row.a_mean:.3f} -> {row.b_mean:.3f}, change "
                             f"{row.difference:+.3f} (95% CI {row.low:+.3f} to {row.high:+.3f})")


def test_members_answering_on_social_lower_the_unanswered_share_under_ignore(runs):
    """The baseline ignores complaints; members who answer them in public (the 004 seed's
    community-supported feed) leave fewer with no reply, and brand sentiment rises."""
    table = compared(runs, "peers")
    assert table.loc["social_unanswered_share", "a_mean"] == 1.0
    assert table.loc["social_unanswered_share", "high"] < -0.2
    assert table.loc["brand_sentiment", "low"] > 0
