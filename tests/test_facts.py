"""`community-sim facts`: the shipped scenarios reproduce every published fact, as a mean over
fixed-seed replicates; a fact with a `baseline_scenario` is a relative change between two
scenarios run on the same seeds (common random numbers). A fact outside its band exits 1."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.stylized_facts import DEFAULT_TARGETS, load_facts

from conftest import ROOT, SCENARIOS

pytestmark = pytest.mark.slow  # baseline years against the published facts

runner = CliRunner()
SHARED_TARGETS = ROOT.parent / "shared" / "targets" / "stylized_facts.toml"
FACTS = {fact.id: fact for fact in load_facts(DEFAULT_TARGETS)}


def test_repo_copy_of_the_targets_keeps_every_shared_fact():
    """The copy may add facts and a role per fact (../shared/targets/README.md), but must keep
    every published fact with the same scenario, KPI, value, band and source."""
    if not SHARED_TARGETS.is_file():
        pytest.skip("../shared is not beside this checkout")
    published = ("scenario", "kpi", "value", "low", "high", "source", "baseline_scenario", "relative_change")
    for fact in load_facts(SHARED_TARGETS):
        assert fact.id in FACTS, f"the copy lost {fact.id}"
        for field in published:
            assert getattr(FACTS[fact.id], field) == getattr(fact, field), f"{fact.id}.{field} differs"
    assert all(fact.role in ("calibrate", "validate") for fact in FACTS.values()), "every fact says its role"


def test_every_fact_names_a_shipped_scenario():
    assert FACTS, "no facts in the targets file"
    for fact in FACTS.values():
        for name in filter(None, (fact.scenario, fact.baseline_scenario)):
            assert (SCENARIOS / f"{name}.toml").is_file(), f"{fact.id} names scenarios/{name}.toml"


@pytest.fixture(scope="module")
def facts_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("facts")
    result = runner.invoke(app, ["facts", "--replicates", "3", "--workers", "2", "--out", str(out)])
    return result, pd.read_csv(out / "facts.csv")


def test_facts_command_passes_and_prints_the_table(facts_run):
    result, table = facts_run
    assert result.exit_code == 0, result.output
    assert f"{len(FACTS)} of {len(FACTS)} facts reproduced over 3 replicates" in result.output
    assert result.output.count("✓") == len(FACTS) and "✗" not in result.output
    assert set(table.fact) == set(FACTS)


@pytest.mark.parametrize("fact_id", sorted(FACTS))
def test_fact_is_reproduced(fact_id, facts_run):
    fact = FACTS[fact_id]
    row = facts_run[1].set_index("fact").loc[fact_id]
    assert row.ok and fact.low <= row.model <= fact.high, (
        f"{fact_id}: model {row.model:.3f} (95% CI {row.model_low:.3f}-{row.model_high:.3f}) outside "
        f"[{fact.low}, {fact.high}], published {fact.published}")
    assert row.model_low <= row.model <= row.model_high
    assert row.published == fact.published and row.source == fact.source


def test_a_fact_outside_its_band_exits_1(tmp_path):
    (tmp_path / "small.toml").write_text("[scenario]\ndays = 10\n[population]\nmembers = 300\n")
    (tmp_path / "facts.toml").write_text(
        '[[fact]]\nid = "impossible"\nscenario = "small"\nkpi = "superuser_share"\nvalue = 0.9\n'
        'low = 0.8\nhigh = 1.0\nsource = "a test"\n')
    result = runner.invoke(app, ["facts", "--targets", str(tmp_path / "facts.toml"), "--scenarios", str(tmp_path),
                                 "--replicates", "2", "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert "✗ impossible" in result.output and "0 of 1 facts reproduced" in result.output


@pytest.mark.parametrize("content,fragment", [
    ('[[fact]]\nid = "x"\nscenario = "missing"\nkpi = "lurker_share"\nvalue = 0.8\nlow = 0.7\nhigh = 0.9\n'
     'source = "s"\n', "scenario 'missing' not found"),
    ('[[fact]]\nid = "x"\nscenario = "small"\nkpi = "nope"\nvalue = 0.8\nlow = 0.7\nhigh = 0.9\nsource = "s"\n',
     "unknown KPI 'nope'"),
    ('[[fact]]\nid = "x"\nscenario = "small"\nkpi = "lurker_share"\nvalue = 0.8\nlow = 0.9\nhigh = 0.7\n'
     'source = "s"\n', "low (0.9) exceeds high (0.7)"),
    ("[[fact]]\nid = 3\n", "fact.0.id"),
])
def test_bad_facts_file_exits_2_with_one_line(tmp_path, content, fragment):
    (tmp_path / "small.toml").write_text("[scenario]\ndays = 5\n")
    (tmp_path / "facts.toml").write_text(content)
    result = runner.invoke(app, ["facts", "--targets", str(tmp_path / "facts.toml"), "--scenarios", str(tmp_path),
                                 "--replicates", "2", "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1
