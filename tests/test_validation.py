"""Pattern-oriented validation, fast tier: the facts file's roles and the fit's targets are kept
apart, `facts` refuses bad input in one line, the validation report reads only what a facts
folder holds, and the KPIs that inform (brand sentiment, steering, views per deflection, values
fixed by a scenario's definition) are computed as documented."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.stylized_facts import DEFAULT_TARGETS, load_facts, sizes_held, verdict
from sim.measures.kpis import brand_sentiment, flow_kpis, steered_share
from sim.measures.registry import BY_DEFINITION, NOT_A_FINDING, fixed_by_definition, kpi_table
from sim.params.scenario import ScenarioError, load_scenario
from sim.report.build import build_report
from sim.report.validation import HELD, MISSED

from conftest import ROOT, SCENARIOS

runner = CliRunner()
FACTS = {fact.id: fact for fact in load_facts(DEFAULT_TARGETS)}
CALIBRATION = ROOT / "targets" / "calibration_baseline.toml"
FACT = '[[fact]]\nid = "x"\nscenario = "small"\nkpi = "lurker_share"\nvalue = 0.8\nlow = 0.7\nhigh = 0.9\nrole = "validate"\nsource = "s"\n'


def test_the_fit_uses_calibration_facts_only():
    """Every target of the defaults' fit is a calibration fact on the baseline with the same
    published value; no validation fact on the baseline is a target."""
    targets = tomllib.loads(CALIBRATION.read_text())["target"]
    baseline = [f for f in FACTS.values() if f.scenario == "baseline" and f.experiment is None and not f.baseline_scenario]
    by_kpi = {f.kpi: f for f in baseline}
    for target in targets:
        fact = by_kpi[target["kpi"]]
        assert fact.role == "calibrate", f"{fact.id} is a target of the fit but not a calibration fact"
        assert target["value"] == fact.value, f"{fact.id}: target {target['value']} vs published {fact.value}"
    held_out = {f.kpi for f in baseline if f.role == "validate"}
    assert held_out and not held_out & {t["kpi"] for t in targets}


def test_every_validation_fact_says_how_its_kpi_maps_to_the_source():
    for fact in FACTS.values():
        if fact.role == "validate":
            assert len(fact.definition) > 40, f"{fact.id} needs its mapping to the source stated"


@pytest.mark.parametrize("content,fragment", [
    (FACT.replace('"small"', '"missing"'), "scenario 'missing' not found"),
    (FACT.replace('"lurker_share"', '"nope"'), "unknown KPI 'nope'"),
    (FACT.replace("low = 0.7\nhigh = 0.9", "low = 0.9\nhigh = 0.7"), "low (0.9) exceeds high (0.7)"),
    (FACT.replace("low = 0.7", "low = nan"), "fact.0.low"),
    (FACT.replace("high = 0.9", "high = inf"), "fact.0.high"),
    (FACT.replace('role = "validate"\n', ""), "fact.0.role: missing"),
    (FACT.replace('role = "validate"', 'role = "tuned"'), "fact.0.role"),
    ("[[fact]]\nid = 3\n", "fact.0.id"),
])
def test_bad_facts_file_exits_2_with_one_line(tmp_path, content, fragment):
    (tmp_path / "small.toml").write_text("[scenario]\ndays = 5\n")
    (tmp_path / "facts.toml").write_text(content)
    result = runner.invoke(app, ["facts", "--targets", str(tmp_path / "facts.toml"), "--scenarios", str(tmp_path),
                                 "--replicates", "2", "--workers", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists(), "nothing is written"


@pytest.mark.parametrize("sizes,fragment", [
    (["--sizes", "3000", "ten"], "'ten' is not a whole number"),
    (["--sizes", "3000", "3000"], "a size is given twice"),
    (["--sizes", "50"], "--sizes"),
    (["--sizes", *map(str, range(1000, 12000, 1000))], "at most 10"),
    (["stray"], "unexpected argument 'stray'"),
    (["--sizes", "3000", "\u00b2"], "is not a whole number"),
    (["--sizes", "3000", "9" * 5000], "is not a whole number"),
    (["--sizes", "3000", "--set", "population.members=500"], "both set the size"),
    (["--sizes", "1_000"], "'1_000' is not a whole number"),
    (["--sizes", "+3000"], "'+3000' is not a whole number"),
])
def test_bad_sizes_exit_2_with_one_line(sizes, fragment):
    result = runner.invoke(app, ["facts", *sizes, "--replicates", "2"])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1


def test_a_fact_holding_at_one_size_only_is_reported_as_such():
    table = pd.DataFrame({"fact": ["a"] * 3 + ["b"] * 3, "role": ["validate"] * 3 + ["calibrate"] * 3,
                          "size": [3000, 10000, 30000] * 2, "ok": [False, True, False, True, True, True]})
    held = sizes_held(table.assign(members=table["size"])).set_index("fact")
    assert held.loc["a", "held"] == [10000] and held.loc["a", "missed"] == [3000, 30000]
    assert held.loc["b", "missed"] == []


@pytest.mark.parametrize("ok,low,high,expected", [
    (True, 0.5, 0.6, "reproduced"), (True, 0.35, 0.6, "in band"), (False, 0.7, 0.8, "missed")])
def test_verdict_sets_the_interval_against_the_band(ok, low, high, expected):
    assert verdict(ok, low, high, 0.4, 0.65) == expected


def _facts_folder(tmp_path, **changes):
    row = {"fact": "gartner_self_service", "role": "validate", "scenario": "baseline", "kpi": "deflection_rate",
           "members": 3000, "size": 3000, "relative": False, "published": 0.09, "band_low": 0.05, "band_high": 0.15,
           "model": 0.6, "model_low": 0.58, "model_high": 0.62, "ok": False, "verdict": "missed",
           "definition": "d", "source": "Gartner"}
    rows = [row, {**row, "members": 10000, "size": 10000}, {**row, "fact": "lurkers_12_weeks", "role": "calibrate",
                                                            "model": 0.1, "ok": True, "verdict": "reproduced"}]
    table = pd.DataFrame(rows)
    for key, value in changes.items():
        table[key] = table[key].astype(object)
        table.loc[0, key] = value
    table.to_csv(tmp_path / "facts.csv", index=False)
    (tmp_path / "facts.json").write_text('{"kind": "facts", "replicates": 3, "seed": 1, "sizes": [3000, 10000]}')
    return tmp_path


def test_the_validation_report_puts_validation_facts_first_and_escapes_text(tmp_path):
    report = build_report(_facts_folder(tmp_path, source="<script>alert(1)</script>"))
    assert [heading for heading, _ in report.figures] == ["Validation: gartner_self_service",
                                                          "Calibration: lurkers_12_weeks"]
    assert report.headlines[0].label == "Validation facts held at every size" and report.headlines[0].value == "0 of 1"
    assert report.headlines[0].tone == "worse" and report.headlines[1].tone == "better"
    assert report.scope == "3,000, 10,000 members \u00b7 each scenario's own period \u00b7 3 replicates per scenario and size \u00b7 seed 1"
    assert report.bottom_line.startswith("0 of 1 validation facts held at every size checked")
    assert "<script>" not in report.parameters.to_string() and "&lt;script&gt;" in report.parameters.source.iloc[0]
    chart = report.figures[0][1]
    assert list(chart.data[1].y) == ["3,000 members", "10,000 members"]
    assert set(chart.data[1].marker.color) == {MISSED}, "both sizes missed: both dots red"
    assert set(report.figures[1][1].data[1].marker.color) == {HELD}
    assert list(chart.data[0].base) == [0.05, 0.05], "the band is drawn from its low end"


@pytest.mark.parametrize("changes,fragment", [
    ({"role": "tuned"}, "unknown role 'tuned'"),
    ({"band_low": "inf"}, "not a finite number"),
    ({"members": "nan"}, "members: a value is not a finite number"),
    ({"band_high": "inf"}, "band_high: a value is not a finite number"),
    ({"model": "inf"}, "model: a value is not a finite number"),
    ({"published": "1e308"}, "published: a value is not a finite number"),
    ({"band_low": "0.9", "band_high": "0.5"}, "low end exceeds its high end"),
    ({"members": "-5"}, "below one member"),
    ({"model": "lots"}, "not a complete community-sim output"),
])
def test_a_crafted_facts_folder_is_bad_input(tmp_path, changes, fragment):
    with pytest.raises(ScenarioError, match=fragment):
        build_report(_facts_folder(tmp_path, **changes))


def test_a_facts_folder_without_facts_or_of_another_kind_is_bad_input(tmp_path):
    folder = _facts_folder(tmp_path)
    table = pd.read_csv(folder / "facts.csv")
    table.iloc[:0].to_csv(folder / "facts.csv", index=False)
    with pytest.raises(ScenarioError, match="holds no facts"):
        build_report(folder)
    table.to_csv(folder / "facts.csv", index=False)
    (folder / "facts.json").write_text('{"kind": "sweep", "replicates": 3, "seed": 1}')
    with pytest.raises(ScenarioError, match="is not 'facts'"):
        build_report(folder)


def test_the_report_works_out_each_verdict_from_the_band_and_not_from_the_file(tmp_path):
    """A crafted folder that calls a miss reproduced is drawn as the miss it is."""
    report = build_report(_facts_folder(tmp_path, ok="True", verdict="reproduced"))
    assert report.parameters.verdict.iloc[0] == "missed"
    assert any("How to read the charts" in note for note in report.notes)
    assert report.figures[0][1].data[1].marker.color[0] == MISSED


def test_brand_sentiment_moves_under_ignore_with_what_the_forum_shows():
    """With no company reply there are no positive social impressions, but forum answers
    viewed are public impressions too, so sentiment is not pinned at -1."""
    counters = {"positive_impressions": 0.0, "negative_impressions": 300.0}
    assert brand_sentiment({**counters, "answer_views": 0.0}) == -1.0
    assert brand_sentiment({**counters, "answer_views": 100.0}) == pytest.approx(-0.5)
    assert brand_sentiment({**counters, "answer_views": 900.0}) == pytest.approx(0.5)


def test_active_member_share_is_active_members_over_members():
    from sim.measures.kpis import roles_kpis

    kpis = roles_kpis(np.array([80, 15, 5]), active=12, superusers_active=3, lurkers=70)
    assert kpis["active_member_share"] == pytest.approx(0.12) and kpis["members_now"] == 100


def test_views_per_deflection_divides_views_by_what_the_community_deflected():
    from sim.state.counters import FLOW_COUNTERS, FLOAT_COUNTERS  # noqa: F401  (every counter key)

    counters = dict.fromkeys([*FLOW_COUNTERS, "days_to_notice", "days_to_fix"], 0.0)
    counters.update(answer_views=250.0, community_self_service=6.0, solved=3.0, metoo_solved=1.0, issues=50.0)
    assert flow_kpis(counters)["views_per_deflection"] == pytest.approx(25.0)


class _Pop:
    def __init__(self, badges, sensitivity):
        self.columns = {"badges": np.array(badges), "reward_sensitivity": np.array(sensitivity, np.float32)}

    def live(self, name):
        return self.columns[name]


def test_steered_share_counts_strongly_steered_badge_earners():
    rewards = load_scenario(SCENARIOS / "gamified_badges.toml").rewards
    strong, moderate = rewards.sensitivity_strong, rewards.sensitivity_moderate
    pop = _Pop([0, 1, 3, 0, 2], [strong, strong, moderate, strong, 0.0])
    assert steered_share(pop, rewards) == pytest.approx(1 / 3), "one of the three earners is strongly steered"
    assert np.isnan(steered_share(_Pop([0, 0], [strong, 0.0]), rewards)), "no earner: undefined"


@pytest.mark.parametrize("kpi", sorted(BY_DEFINITION))
def test_every_setting_that_fixes_a_kpi_names_a_real_parameter_and_toggles_it(kpi):
    """Each path of BY_DEFINITION resolves in a scenario's dump (a typo would never fire), and
    changing any one of its settings away from the fixing value makes the KPI a finding."""
    from sim.params.scenario import build_scenario

    fixing = {".".join(path): value for path, value in BY_DEFINITION[kpi].items()}
    fixed = build_scenario({}, fixing).model_dump(mode="json")
    assert fixed_by_definition(kpi, fixed)
    for dotted, value in fixing.items():
        other = {"ignore": "respond_all", "none": "immediate"}.get(value, not value if isinstance(value, bool) else 0.1)
        changed = build_scenario({}, {**fixing, dotted: other}).model_dump(mode="json")
        assert not fixed_by_definition(kpi, changed), f"{kpi}: {dotted} = {other!r}"


def test_a_value_fixed_by_the_scenario_is_shown_as_no_finding():
    ignore = load_scenario(SCENARIOS / "baseline.toml").model_dump(mode="json")
    answered = load_scenario(SCENARIOS / "baseline.toml", {"policy.social.kind": "respond_all"}).model_dump(mode="json")
    assert fixed_by_definition("social_unanswered_share", ignore)
    assert not fixed_by_definition("social_unanswered_share", answered)
    assert not fixed_by_definition("brand_sentiment", ignore), "sentiment can move under ignore"
    summary = {"social_unanswered_share": 1.0, "brand_sentiment": -0.2}
    line = next(line for line in kpi_table(summary, "$", ignore) if "social_unanswered_share" in line)
    assert NOT_A_FINDING in line and "100.0" not in line
    line = next(line for line in kpi_table(summary, "$", answered) if "social_unanswered_share" in line)
    assert "100.0 %" in line


def test_members_answering_on_social_move_the_unanswered_share_under_ignore():
    """Under `ignore` the brand replies to nothing; with members answering public complaints
    the share left with no reply moves, so it is a finding again, not a definition."""
    from sim import CommunityModel

    loud = dict(rng=3, members=1500, days=60, utility_social=1.0)
    off, on = CommunityModel(**loud), CommunityModel(**loud, social_peer_reply_per_hour=0.2)
    off.run()
    on.run()
    k_off, k_on = off.summary(), on.summary()
    assert k_off["social_unanswered_share"] == 1.0 and k_off["complaints_peer_answered"] == 0
    assert k_on["complaints_peer_answered"] > 0 and k_on["social_unanswered_share"] < 0.5
    assert k_on["complaints_served"] == 0, "the brand still replies to nothing"
    closed = k_on["complaints_peer_answered"] + k_on["complaints_unanswered"]
    assert k_on["social_unanswered_share"] == pytest.approx(k_on["complaints_unanswered"] / closed)
    assert not fixed_by_definition("social_unanswered_share", on.config.model_dump(mode="json"))
    assert fixed_by_definition("social_unanswered_share", off.config.model_dump(mode="json"))
