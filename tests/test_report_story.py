"""What a report says, on small hand-built outputs (no run, no browser): the header's scope
comes from the output, a description that claims another size or period is moved out of the
header, numbers are rounded for reading, and verdicts follow the registry's direction."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.experiments.design import replicate_seeds
from sim.params.schema import Scenario
from sim.report.build import build_report
from sim.report.document import Headline, Report, default_settings
from sim.report.page import render
from sim.report.story import (BETTER, NEUTRAL, UNCLEAR, WORSE, Scope, description_fits, money, rounded, story,
                              tally, title_of, tone)


@pytest.mark.parametrize("description, members, days, fits", [
    ("A mid-size community of 10,000 members over one year.", 3000, 120, False),
    ("A mid-size community of 10,000 members over one year.", 10000, 365, True),
    ("A software-support community over one year.", 10000, 120, False),
    ("Staff answer (2.4 staff hours a day per 1,000 members).", 3000, 120, True),  # a rate, not a size
    ("A 5k-customer forum over 6 months.", 5000, 182, True),
    ("A 5k-customer forum over 6 months.", 1000, 182, False),
    ("A 5k customers forum.", 50000, 182, False),
    ("Volunteers answer first; staff take what is unanswered after 12 hours.", 300, 10, True),
    # Claims read so as to fail closed: hyphens, words, other size words, periods without a digit.
    ("A 10,000-member community over a year.", 1000, 30, False),
    ("Ten thousand members.", 1000, 30, False),
    ("Members: 10,000.", 1000, 30, False),
    ("10,000 subscribers.", 1000, 30, False),
    ("For half a year.", 1000, 30, False),
    ("An annual programme.", 1000, 30, False),
    ("Over a decade.", 1000, 30, False),
    ("A few minutes a day, twice-daily checks.", 1000, 30, True),   # rates, not periods
    ("A super-user programme with perks.", 1000, 30, True),          # 'a user' is no size
    ("A community of 1,000 members over 30 days.", [1000, 10000], 30, False),  # true of one size only
])
def test_a_description_stands_in_the_header_only_if_its_size_and_period_are_the_runs(description, members,
                                                                                      days, fits):
    assert description_fits(description, members, days) is fits
    told, notes = story(description, Scope(members, days, "1 run", 42))
    assert (told, bool(notes)) == ((description, False) if fits else ("", True))
    if not fits:
        assert "the file's own settings" in notes[0] and description in notes[0]


def test_the_scope_line_names_size_period_runs_and_seed():
    assert Scope(3000, 120.0, "1 run", 42).line() == "3,000 members \u00b7 120 days \u00b7 1 run \u00b7 seed 42"
    assert Scope([1000, 5000], "each scenario's own period", "5 replicates").line() == (
        "1,000, 5,000 members \u00b7 each scenario's own period \u00b7 5 replicates")
    assert Scope([5000, 1000], [365.0, 180.0], "3 paired replicates", arms=True).line() == (
        "5,000 (A), 1,000 (B) members \u00b7 365 (A), 180 (B) days \u00b7 3 paired replicates")
    assert Scope(list(range(1000, 9000, 1000)), 20.0, "16 runs").line().startswith("1,000 to 8,000 (8 values) members")


@pytest.mark.parametrize("members, days, seed", [(0, 10.0, 1), (-3, 10.0, 1), (True, 10.0, 1), (10, float("nan"), 1),
                                                 (10, float("inf"), 1), (10, 0.0, 1), (10, 5.0, True), (10, 5.0, -1)])
def test_an_impossible_scope_is_refused(members, days, seed):
    with pytest.raises(ValueError):
        Scope(members, days, "1 run", seed)


@pytest.mark.parametrize("value, shown", [(14.469, "$14.5"), (92199.39, "$92.2k"), (1_234_567, "$1.23M"),
                                          (0.5, "$0.50"), (-2500, "-$2.5k"), (3.2e9, "$3.2bn"), (999.6, "$1k"),
                                          (999_950, "$1M"), (999_999_999, "$1bn")])
def test_money_is_rounded_to_three_significant_figures(value, shown):
    assert money(value) == shown


def test_kpis_are_rounded_by_kind():
    assert [rounded(0.50712, "pct"), rounded(8.361, "hours"), rounded(3478.0, "int"), rounded(float("nan"), "pct"),
            rounded(None, "money"), rounded(99.96, "hours")] == ["50.7%", "8.4 h", "3,478", "n/a", "n/a", "100 h"]


@pytest.mark.parametrize("kpi, low, high, expected", [
    ("answer_rate_24h", 0.02, 0.08, BETTER),       # higher is better, and it rose
    ("answer_rate_24h", -0.08, -0.02, WORSE),
    ("cost_per_issue", 1.0, 3.0, WORSE),           # lower is better, and it rose
    ("median_hours_to_first_answer", -5.0, -1.0, BETTER),
    ("cost_per_issue", -1.0, 3.0, UNCLEAR),        # the interval holds no change
    ("answer_rate_24h", float("nan"), float("nan"), UNCLEAR),
    ("assisted_contacts", -900.0, -100.0, BETTER),
])
def test_a_verdict_follows_the_registry_direction(kpi, low, high, expected):
    assert tone(kpi, low, high) == expected


def test_a_kpi_with_no_better_direction_is_neutral():
    assert tone("issues", 10.0, 20.0) == NEUTRAL


def test_the_tally_reads_as_one_sentence():
    said = tally([("answer_rate_24h", BETTER), ("deflection_rate", BETTER), ("cost_per_issue", WORSE),
                  ("assisted_contacts", UNCLEAR)])
    assert said == ("is better on questions answered within 24 h and issues deflected from paid channels; is worse on "
                    "cost per issue; and shows no detectable change in assisted contacts (contact centre)")
    assert tally([("cost_per_issue", UNCLEAR)]) == "shows no detectable change in cost per issue"


def test_file_style_names_become_words_and_authors_names_stay():
    assert [title_of("staff_answer_everything"), title_of("Verizon 2012"), title_of("&lt;b&gt;")] == [
        "Staff answer everything", "Verizon 2012", "&lt;b&gt;"]


def _scenario(name: str, **sections) -> dict:
    return Scenario.model_validate({"scenario": {"name": name, "description": "A forum of 10,000 members."},
                                    **sections}).model_dump(mode="json")


@pytest.fixture
def compare_folder(tmp_path):
    """A compare.json by hand: B answers more and faster, costs more, and moves contacts by an
    amount its interval cannot tell from nothing; both at 2,000 members for 90 days."""
    a = _scenario("baseline", population={"members": 2000})
    b = _scenario("staff_answer_everything", population={"members": 2000}, policy={"forum": {"kind": "immediate"}})
    a["scenario"]["days"] = b["scenario"]["days"] = 90
    rows = [("answer_rate_24h", 0.5, 0.9, 0.35, 0.45), ("deflection_rate", 0.4, 0.5, 0.05, 0.15),
            ("assisted_contacts", 3000, 2900, -300, 100), ("cost_per_issue", 14.0, 20.0, 5.0, 7.0),
            ("median_hours_to_first_answer", 8.0, 0.5, -9.0, -6.0)]
    document = {"a": "baseline", "b": "staff_answer_everything", "replicates": 3,
                "seeds": sorted(replicate_seeds(a["scenario"]["seed"], 3)), "verdict": "",  # as compare writes them
                "differences": [{"kpi": k, "a_mean": am, "b_mean": bm, "difference": bm - am, "low": lo, "high": hi,
                                 "replicates": 3, "by_definition": False} for k, am, bm, lo, hi in rows],
                "scenarios": {"a": a, "b": b}, "version": "test"}
    (tmp_path / "compare.json").write_text(json.dumps(document))
    return tmp_path


def test_a_compare_states_its_scope_verdicts_and_bottom_line(compare_folder):
    report = build_report(compare_folder)
    assert report.title == "Staff answer everything compared with baseline"
    assert report.scope == "2,000 members \u00b7 90 days \u00b7 3 paired replicates \u00b7 seed 42"
    assert {h.label: h.tone for h in report.headlines} == {
        "Questions answered within 24 h": BETTER, "Issues deflected from paid channels": BETTER,
        "Assisted contacts (contact centre)": UNCLEAR, "Cost per issue": WORSE, "Median time to first answer": BETTER}
    assert report.headlines[3].value == "$14 \u2192 $20"
    assert report.bottom_line.startswith("Against baseline, staff answer everything is better on questions answered")
    assert "is worse on cost per issue; and shows no detectable change in assisted contacts" in report.bottom_line
    assert report.headlines[0].sentence.startswith("Staff answer everything raises questions answered")
    assert report.story == "" and all("10,000 members" not in line for line in (report.scope, report.title))
    assert any(note.startswith("A: ") and "10,000 members" in note and "own settings" in note for note in report.notes)


def test_a_compare_of_different_sizes_and_periods_names_each_arms(compare_folder):
    document = json.loads((compare_folder / "compare.json").read_text())
    document["scenarios"]["b"]["population"]["members"], document["scenarios"]["b"]["scenario"]["days"] = 5000, 180
    (compare_folder / "compare.json").write_text(json.dumps(document))
    assert build_report(compare_folder).scope.startswith("2,000 (A), 5,000 (B) members \u00b7 90 (A), 180 (B) days")


@pytest.mark.parametrize("change", [lambda d: d["scenarios"]["a"]["scenario"].update(days=-5),
                                    lambda d: d["scenarios"]["b"]["population"].update(members=0),
                                    lambda d: d.update(replicates=-1)])
def test_a_crafted_compare_with_an_impossible_scope_is_bad_input(compare_folder, change):
    from sim.params.scenario import ScenarioError

    document = json.loads((compare_folder / "compare.json").read_text())
    change(document)
    (compare_folder / "compare.json").write_text(json.dumps(document))
    with pytest.raises(ScenarioError, match="not a complete community-sim output"):
        build_report(compare_folder)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_non_finite_number_in_a_result_file_is_bad_input(compare_folder, number):
    from sim.params.scenario import ScenarioError

    path = compare_folder / "compare.json"
    path.write_text(path.read_text().replace('"replicates": 3', f'"replicates": {number}', 1))
    with pytest.raises(ScenarioError, match="compare.json: cannot be read as JSON"):
        build_report(compare_folder)


def test_the_settings_show_first_what_differs_from_the_defaults(compare_folder):
    page = render(build_report(compare_folder), "cdn")
    differs = page.split('<details class="settings">', 1)[1].split("<details>", 1)[0]
    assert "<td>policy.forum.kind</td><td>none</td><td>immediate</td><td>none</td>" in differs
    assert "<td>population.members</td><td>2000</td><td>2000</td><td>10000</td>" in differs
    assert "<td>scenario.days</td>" in differs and "<td>behaviour.search_quality</td>" not in differs
    assert len(default_settings()) > 100


def test_a_cdn_page_loads_plotly_from_its_cdn_and_an_embedded_one_carries_it():
    report = Report("run", "t", "", [Headline("x", "1", "s", BETTER)], [], pd.DataFrame({"parameter": []}))
    light, whole = render(report, "cdn"), render(report)
    assert 'src="https://cdn.plot.ly/plotly-' in light and len(light) < 50_000
    assert '<script src="https://cdn.plot.ly' not in whole and len(whole) > 3_000_000
    assert "border-left-color:#2ca02c" in light and ">better<" in light
    with pytest.raises(ValueError, match="embed, cdn"):
        render(report, "unpkg")
