"""community-sim: agent-based simulation of customer-support communities on Mesa."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("community-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from sim.model import CommunityModel
from sim.runner import RunResult, run_scenario
from sim.params.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["CommunityModel", "RunResult", "Scenario", "ScenarioError", "load_scenario",
           "run_scenario", "__version__"]
