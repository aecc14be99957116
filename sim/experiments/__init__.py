"""Experiments on the model: sweeps into a resumable store, paired comparisons, sensitivity
analysis, calibration to targets and the published facts. The CLI verbs call these same
functions, and each returns pandas DataFrames, so notebooks and the command line agree."""

from sim.experiments.calibrate import calibrate
from sim.experiments.compare import compare
from sim.experiments.facts import facts
from sim.experiments.results import query, results
from sim.experiments.sensitivity import sensitivity
from sim.experiments.sweep import sweep

__all__ = ["calibrate", "compare", "facts", "query", "results", "sensitivity", "sweep"]
