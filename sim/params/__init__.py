"""Parameters: the typed scenario schema, TOML loading, `--set` overrides and flat keywords."""

from sim.params.scenario import (SCENARIOS_DIR, Scenario, ScenarioError, build_scenario, flat_parameter_paths,
                                 load_scenario)

__all__ = ["SCENARIOS_DIR", "Scenario", "ScenarioError", "build_scenario", "flat_parameter_paths", "load_scenario"]
