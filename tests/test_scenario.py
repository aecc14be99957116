"""Scenario files: strict validation with plain, located errors; typed overrides."""

from __future__ import annotations

import pytest

from sim import ScenarioError, load_scenario, run_scenario
from sim.params.scenario import build_scenario, flat_parameter_paths, parse_override

from conftest import SCENARIOS


def write(tmp_path, text: str):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.toml")))
def test_shipped_scenarios_validate_and_tell_a_story(name):
    path = SCENARIOS / name
    scenario = load_scenario(path)
    assert scenario.scenario.name == path.stem
    assert path.read_text().startswith("# "), "each scenario opens with a header comment"


def test_baseline_is_the_mid_size_year():
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    assert (scenario.population.members, scenario.scenario.days) == (10000, 365)


@pytest.mark.parametrize("text, field, problem", [
    ("[population]\nmemberz = 5\n", "population.memberz", "did you mean 'members'"),
    ("[populaton]\nmembers = 5\n", "populaton", "did you mean 'population'"),
    ("[population]\nmembers = \"lots\"\n", "population.members", "valid integer"),
    ("[population]\nmembers = 2.5\n", "population.members", "valid integer"),
    ("[behaviour]\nsearch_quality = 1.5\n", "behaviour.search_quality", "less than or equal to 1"),
    ("[behaviour]\nforum_open = \"yes\"\n", "behaviour.forum_open", "valid boolean"),
    ("[population]\nreader_share = 0.5\n", "population", "must be 1"),
    ("[scenario]\ndays = 0\n", "scenario.days", "greater than or equal to 1"),
])
def test_bad_values_name_file_field_and_problem(tmp_path, text, field, problem):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {field}") and problem in message
    assert "\n" not in message


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="invalid TOML"):
        load_scenario(write(tmp_path, "[population\nmembers = 1"))
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_overrides_are_typed_by_the_schema():
    scenario = load_scenario(SCENARIOS / "baseline.toml", dict([
        parse_override("population.members=5000"), parse_override("behaviour.search_quality=0.8"),
        parse_override("behaviour.forum_open=false"), parse_override("scenario.name=trial run")]))
    assert scenario.population.members == 5000 and isinstance(scenario.population.members, int)
    assert scenario.behaviour.search_quality == 0.8 and scenario.behaviour.forum_open is False
    assert scenario.scenario.name == "trial run"
    with pytest.raises(ScenarioError, match="population.members"):
        load_scenario(SCENARIOS / "baseline.toml", dict([parse_override("population.members=many")]))
    with pytest.raises(ScenarioError, match="expected key=value"):
        parse_override("population.members")


def test_scenario_text_cannot_execute_code(tmp_path):
    text = '[scenario]\nname = "__import__(\'os\').system(\'touch pwned\')"\n'
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.scenario.name.startswith("__import__")
    assert not (tmp_path / "pwned").exists()


def test_flat_parameter_names_are_unique_and_complete():
    paths = flat_parameter_paths()
    assert paths["members"] == "population.members"
    assert paths["search_quality"] == "behaviour.search_quality"
    assert paths["forum_kind"] == "policy.forum.kind"
    assert paths["badges_thresholds"] == "rewards.badges.thresholds"
    defaults = build_scenario({})
    for dotted in paths.values():
        *sections, field = dotted.split(".")
        section = defaults
        for name in sections:
            section = getattr(section, name)
        info = type(section).model_fields[field]
        assert info.description, f"{dotted} needs a description"
        assert "unit" in (info.json_schema_extra or {}), f"{dotted} needs a unit"


LIBRARY = ("verizon_superusers", "lenovo_community", "gamified_badges", "pay_per_answer",
           "staff_answer_everything", "community_first", "comcast_twitter_concierge",
           "twitter_dialog", "social_2011", "product_launch_surge")


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_scenario_tells_its_story_and_runs(path):
    header = "\n".join(line for line in path.read_text().splitlines() if line.startswith("#"))
    assert "The story" in header and "What to look at" in header, f"{path.name} needs a header comment"
    if path.stem in LIBRARY:
        assert "Real case" in header, f"{path.name} must name the real case it stands for"
    overrides = {"population.members": 800, "scenario.days": 20}
    if "[[launches]]" in path.read_text():
        overrides["launches.0.day"] = 5  # so the launch happens within the short run
    scenario = load_scenario(path, overrides)
    assert scenario.scenario.name == path.stem
    result = run_scenario(scenario, seed=1)
    assert result.summary["issues"] > 0 and len(result.daily) == 20
    assert result.summary["launches"] == len(scenario.launches)


def test_the_scenario_library_is_complete():
    assert {p.stem for p in SCENARIOS.glob("*.toml")} >= set(LIBRARY)


def test_overrides_reach_into_lists_of_tables():
    path = SCENARIOS / "product_launch_surge.toml"
    assert load_scenario(path, {"launches.0.day": 5}).launches[0].day == 5
    for key, fragment in (("launches.1.day", "not an index"), ("launches.0.dya", "did you mean 'day'")):
        with pytest.raises(ScenarioError, match=fragment):
            load_scenario(path, {key: 5})
    with pytest.raises(ScenarioError, match="no entries"):
        load_scenario(SCENARIOS / "baseline.toml", {"launches.0.day": 5})
