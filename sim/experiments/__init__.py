"""Experiments on the model: sweeps into a resumable store, paired comparisons, community
ROI against a counterfactual, sensitivity analysis, calibration to targets and the published facts,
scenario discovery (PRIM) and policy search over declared levers. The CLI verbs call these same
functions, and each returns pandas DataFrames, so notebooks and the command line agree.

The functions are imported on first use, so the command line does not load Optuna, SALib
and DuckDB for verbs that do not need them."""

from importlib import import_module

_HOMES = {
    "sweep": "sweeps", "sensitivity": "sensitivity_analysis", "calibrate": "calibration", "facts": "stylized_facts",
    "results": "store_summary", "query": "store_summary", "discover": "discovery", "optimize": "policy_search",
    "run_herding": "herding", "herding_effects": "herding",
    **dict.fromkeys(("compare", "paired_runs", "arm_runs", "pair", "differences", "verdict"), "comparison"),
    **dict.fromkeys(("roi", "roi_runs", "roi_table", "summarise_roi", "without_community"), "roi"),
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f"sim.experiments.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'sim.experiments' has no attribute {name!r}")
