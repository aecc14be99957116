"""Compiled kernels: one decorator, and a compile cache that cannot go stale.

numba's `cache=True` keys a function's cached machine code on that function's own file, so a
kernel calling a rule defined in another file would go on running the old rule after the
rule is edited. Every compiled module therefore shares one cache directory named by a hash of
all the compiled sources and the numba and Python versions (`identity.COMPILE_HASH`): edit
any of them and the set compiles afresh once, after which a new process loads it in well under a second. Pool
and Dask workers on the same machine find the same directory, so no run compiles twice.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numba
from numba.core.errors import NumbaExperimentalFeatureWarning

from sim.state.identity import COMPILE_HASH


def _cache_root() -> Path:
    """COMMUNITY_SIM_CACHE, else the user's cache directory (XDG_CACHE_HOME or ~/.cache)."""
    explicit = os.environ.get("COMMUNITY_SIM_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "community-sim"


CACHE_DIR = _cache_root() / f"numba-{COMPILE_HASH}"
numba.config.CACHE_DIR = str(CACHE_DIR)  # read when each kernel below is decorated
warnings.filterwarnings("ignore", category=NumbaExperimentalFeatureWarning)  # the schedule's rule tuple

# Python's error model would raise on a float division by zero; rules rely on IEEE inf/nan
# (an empty audience gives a NaN share, as in numpy).
kernel = numba.njit(cache=True, error_model="numpy")
inline = numba.njit(cache=True, error_model="numpy", inline="always")
