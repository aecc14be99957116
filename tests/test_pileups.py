"""Complaint pile-ups on the social channel: onlookers with a similar issue join a public
complaint on their own grievance or by conformity (the standing-ovation rule). Fast replies
close complaints before they grow."""

from __future__ import annotations

import numpy as np
import pytest

from sim import CommunityModel

from conftest import assert_above_zero, paired, replicate

LOUD = dict(members=3000, days=180, utility_social=-1.5)


@pytest.fixture(scope="module")
def runs():
    return replicate({
        "ignore": dict(LOUD, social_kind="ignore"),
        "fast": dict(LOUD, social_kind="respond_all", social_team_hours_per_day=8.0, social_latency_hours=0.25),
        "ignore_no_conformity": dict(LOUD, social_kind="ignore", pileup_conformity=False),
    })


@pytest.mark.slow
def test_a_fast_social_response_dampens_pile_ups(runs):
    assert_above_zero(paired(runs, "pileup_mean_size", "ignore", "fast"), "pile-up size, ignore - fast replies")


@pytest.mark.slow
def test_conformity_grows_pile_ups(runs):
    assert_above_zero(paired(runs, "pileup_mean_size", "ignore", "ignore_no_conformity"),
                      "pile-up size, conformity on - off")


@pytest.mark.slow
def test_pile_ups_bring_contacts_and_hurt_sentiment(runs):
    for ignored, fast in zip(runs["ignore"], runs["fast"]):
        assert ignored["pileup_contacts"] > fast["pileup_contacts"]
        assert -1.0 < ignored["brand_sentiment"] < fast["brand_sentiment"]  # the forum keeps ignore off -1
        daily = ignored["daily"]
        assert daily["pileup_contacts_day"].sum() == ignored["pileup_contacts"]
        assert {"brand_sentiment_day", "negative_impressions_day"} <= set(daily.columns)


def test_pile_up_bookkeeping():
    model = CommunityModel(rng=2, **LOUD)
    model.run()
    c, k = model.complaints, model.summary()
    assert c.live("pile").sum() == k["pileup_joins"] > 0
    assert (c.live("pile") <= c.live("onlookers")).all()
    assert k["pileup_mean_size"] == pytest.approx(k["pileup_joins"] / k["complaints"])
    contacts = sum(k[name] for name in ("direct_contacts", "escalations", "repeat_contacts",
                                        "social_fallbacks", "pileup_contacts"))
    assert k["assisted_contacts"] == contacts and np.isfinite(k["brand_sentiment"])
