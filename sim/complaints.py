"""Public complaints on the social channel, as compact columns (one row per complaint)."""

from __future__ import annotations

import numpy as np

from sim.columns import OpenItems

OPEN, SERVED, UNANSWERED = 0, 1, 2


class Complaints(OpenItems):
    """Every public complaint: who, how loud (reach), when, and how it ended."""

    columns = {
        "member": ("int32", -1, ()),
        "reach": ("float32", 0.0, ()),
        "created": ("float64", 0.0, ()),
        "deadline": ("float64", 0.0, ()),
        "closed": ("float64", np.inf, ()),
        "status": ("int8", OPEN, ()),
        # the pile-up (sim/rules/social.py: pile_on)
        "onlookers": ("int32", 0, ()),    # onlookers with a similar issue who saw it
        "pile": ("int32", 0, ()),         # of whom joined
        "pile_reach": ("float32", 0.0, ()),
    }
