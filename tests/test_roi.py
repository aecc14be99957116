"""`roi`: the community against its counterfactual. The arithmetic adds up to the cent from
the runs' own cost parts, payback is read from the cumulative daily series, bad input is
one line, and over fixed-seed replicates Lenovo's community pays for itself while staff
answering everything in a small community does not."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS, invoke, one_line_error, snapshot
from sim.experiments.roi import (COMMUNITY, COMMUNITY_PARTS, COUNTERFACTUAL, payback_month, roi, summarise_roi,
                                 without_community)
from sim.params.scenario import load_scenario
from sim.report.build import build_report

SMALL = ("--set", "population.members=1500", "--days", "60", "--replicates", "3", "--workers", "1")


@pytest.fixture(scope="module")
def roi_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("roi") / "lenovo"
    code, text, err = invoke("roi", SCENARIOS / "lenovo_community.toml", *SMALL, "--out", out)
    assert code == 0, err
    return out, text


def test_the_arithmetic_equals_the_cost_parts_to_the_cent(roi_folder):
    out, _ = roi_folder
    runs = pd.read_csv(out / "paired.csv")
    table = pd.read_csv(out / "roi_replicates.csv")
    price = json.loads((out / "roi.json").read_text())["contact_price"]
    for row in table.itertuples():
        arms = runs[runs.replicate == row.replicate].set_index("arm")
        community, counterfactual = arms.loc[COMMUNITY], arms.loc[COUNTERFACTUAL]
        demand = ("direct_calls", "escalation_calls", "fallback_calls", "pileup_calls", "repeat_calls")
        avoided = sum(counterfactual[key] - community[key] for key in demand)
        parts = {part: community[key] - counterfactual[key] for part, key in COMMUNITY_PARTS.items()}
        assert row.contacts_avoided == avoided
        assert round(row.gross_savings, 2) == round(avoided * price, 2)
        for part, value in parts.items():
            assert round(getattr(row, part), 2) == round(value, 2), part
        assert round(row.community_cost, 2) == round(sum(parts.values()), 2)
        assert round(row.net_savings, 2) == round(row.gross_savings - row.community_cost, 2)
        assert row.roi == pytest.approx(row.net_savings / row.community_cost)
        assert row.break_even_contact_price * avoided == pytest.approx(row.community_cost)
        # the counterfactual has no forum, so every community part is the scenario's own
        assert counterfactual.cost_platform == counterfactual.cost_moderation == 0
        assert parts["platform"] > 0 and parts["moderation"] > 0


def test_the_summary_is_the_mean_of_the_replicates_with_an_interval(roi_folder):
    out, text = roi_folder
    table = pd.read_csv(out / "roi_replicates.csv")
    summary = pd.DataFrame(json.loads((out / "roi.json").read_text())["summary"]).set_index("measure")
    for measure in ("contacts_avoided", "net_savings", "community_cost"):
        assert summary.loc[measure, "mean"] == pytest.approx(table[measure].mean())
        assert summary.loc[measure, "low"] <= summary.loc[measure, "mean"] <= summary.loc[measure, "high"]
    assert "Net savings" in text and "Break-even contact price" in text and "$8.01 per contact" in text


def test_contacts_avoided_count_the_calls_customers_make_not_only_those_answered(roi_folder):
    """The counterfactual keeps the scenario's agents for more calls, so more callers hang up
    there: answered calls alone would understate what the community saves."""
    out, _ = roi_folder
    runs = pd.read_csv(out / "paired.csv").set_index(["arm", "replicate"])
    table = pd.read_csv(out / "roi_replicates.csv").set_index("replicate")
    answered = runs.loc[COUNTERFACTUAL].assisted_contacts - runs.loc[COMMUNITY].assisted_contacts
    assert (runs.loc[COUNTERFACTUAL].calls_abandoned > 0).all()
    assert (table.contacts_avoided >= answered).all() and (table.contacts_avoided > 0).all()


def test_payback_is_the_month_from_which_net_savings_stay_positive():
    days = np.arange(1.0, 181.0)
    demand = ("direct_calls", "escalation_calls", "fallback_calls", "pileup_calls", "repeat_calls")

    def frame(avoided_per_day, cost_per_day, dip_on=None):
        community = {"arm": COMMUNITY, "day": days, **{key: 0.0 for key in demand},
                     **{key: cost_per_day * days for key in COMMUNITY_PARTS.values()}}
        counterfactual = {"arm": COUNTERFACTUAL, "day": days, **{key: 0.0 for key in demand},
                          "direct_calls": avoided_per_day * days, **{key: 0.0 for key in COMMUNITY_PARTS.values()}}
        table = pd.concat([pd.DataFrame(community), pd.DataFrame(counterfactual)])
        if dip_on is not None:  # one bad day late in the run
            table.loc[(table.arm == COUNTERFACTUAL) & (table.day == dip_on), "direct_calls"] = 0.0
        return table

    parts = len(COMMUNITY_PARTS)  # each costs cost_per_day a day
    assert parts * 1.0 < 10.0 < parts * 2.0
    assert payback_month(frame(1.0, 1.0), 10.0) == 1  # 10 a day of savings against 7 of cost: from day 1
    assert math.isnan(payback_month(frame(1.0, 2.0), 10.0))  # 14 a day of cost against 10 of savings
    assert payback_month(frame(1.0, 1.0, dip_on=100.0), 10.0) == math.ceil(101 / (365 / 12))


def test_the_default_counterfactual_closes_the_forum_and_nothing_else():
    lenovo = load_scenario(SCENARIOS / "lenovo_community.toml")
    closed = without_community(lenovo)
    assert closed.behaviour.forum_open is False and lenovo.behaviour.forum_open is True
    assert closed.contact_centre == lenovo.contact_centre and closed.population == lenovo.population
    assert closed.scenario.name == "lenovo_community without the community"


def test_the_report_of_a_roi_folder_opens_with_the_waterfall(roi_folder):
    out, _ = roi_folder
    report = build_report(out)
    assert report.kind == "roi" and report.title == "Does Lenovo community pay for itself?"
    heading, waterfall = report.figures[0]
    assert heading == "From gross savings to net savings"
    bars = waterfall.data[0]
    summary = pd.DataFrame(json.loads((out / "roi.json").read_text())["summary"]).set_index("measure")
    assert bars.y[0] == pytest.approx(summary.loc["gross_savings", "mean"])
    assert sum(bars.y[:-1]) == pytest.approx(bars.y[-1]) == pytest.approx(summary.loc["net_savings", "mean"])
    assert [h.label for h in report.headlines][0] == "Net savings"
    assert report.scope.startswith("1,500 members \u00b7 60 days \u00b7 ")
    assert report.bottom_line == json.loads((out / "roi.json").read_text())["verdict"]
    assert report.headlines[0].tone in ("better", "worse", "unclear")


@pytest.mark.parametrize("args, names", [
    (("roi", "missing.toml"), ("missing.toml",)),
    (("roi", SCENARIOS / "lenovo_community.toml", "--counterfactual", "nope.toml"), ("nope.toml",)),
    (("roi", SCENARIOS / "lenovo_community.toml", "--replicates", "1"), ("--replicates",)),
    (("roi", SCENARIOS / "lenovo_community.toml", "--set", "contact_centre.agents=-1"),
     ("lenovo_community.toml", "contact_centre.agents")),
    (("roi", SCENARIOS / "lenovo_community.toml", "--set", "costs.contact=nan"), ("costs.contact",)),
    (("roi", SCENARIOS / "no_community.toml"), ("no_community.toml", "behaviour.forum_open")),
    (("roi", SCENARIOS / "lenovo_community.toml", "--counterfactual", SCENARIOS / "stack_overflow_like.toml"),
     ("stack_overflow_like.toml", "population.members")),
])
def test_bad_input_is_one_line_and_writes_nothing(args, names, tmp_path):
    out = tmp_path / "never"
    code, _, err = invoke(*args, "--out", out)
    one_line_error(code, err, *names)
    assert not out.exists()


def test_a_compare_reports_the_difference_in_net_cost_per_month(tmp_path):
    code, text, err = invoke("compare", SCENARIOS / "baseline.toml", SCENARIOS / "community_first.toml",
                             "--replicates", "2", "--set", "population.members=800", "--days", "20",
                             "--workers", "1", "--out", tmp_path / "c")
    assert code == 0, err
    line = json.loads((tmp_path / "c" / "compare.json").read_text())["net_cost_per_month"]
    assert line.startswith("Net cost per month: A $") and line in text
    differences = pd.read_csv(tmp_path / "c" / "differences.csv").set_index("kpi")
    staff = 0.8 * 0.8 * 40 * 365 / 12  # 0.8 staff hours a day per 1,000 members, at $40
    assert differences.loc["cost_per_month", "difference"] == pytest.approx(staff, rel=0.02)


@pytest.mark.slow
def test_lenovo_pays_for_itself_and_all_staff_answers_in_a_small_community_do_not():
    lenovo = roi(SCENARIOS / "lenovo_community.toml", replicates=5, workers=2).set_index("measure")
    assert lenovo.loc["net_savings", "low"] > 0, lenovo.loc["net_savings"]
    assert lenovo.loc["roi", "low"] > 0 and lenovo.loc["contacts_avoided", "low"] > 0
    staffed = roi(SCENARIOS / "staff_answer_everything.toml", replicates=5, workers=2,
                  overrides={"population.members": 3000}).set_index("measure")
    assert staffed.loc["net_savings", "high"] < 0, staffed.loc["net_savings"]
    assert staffed.loc["forum_staff", "low"] > staffed.loc["gross_savings", "high"]


def test_summarise_counts_the_replicates_that_paid_back():
    table = pd.DataFrame({measure: [1.0, 2.0, 3.0] for measure in
                          ("contacts_avoided", "gross_savings", *COMMUNITY_PARTS, "community_cost", "net_savings",
                           "roi", "break_even_contact_price", "contact_centre_spend_change", "revenue_kept")})
    table["payback_month"] = [2.0, float("nan"), 5.0]
    table["revenue_counted"] = 0.0
    rows = summarise_roi(table).set_index("measure")
    assert rows.loc["payback_month", "replicates"] == 2
    assert (rows.loc["payback_month", "low"], rows.loc["payback_month", "high"]) == (2.0, 5.0)  # the range
    assert rows.loc["net_savings", "mean"] == 2.0 and rows.loc["net_savings", "low"] < 2.0


def test_reading_a_roi_folder_never_changes_it(roi_folder, tmp_path):
    out, _ = roi_folder
    before = snapshot(out)
    code, _, err = invoke("report", out, "-o", tmp_path / "r.html")
    assert code == 0, err
    assert snapshot(out) == before
