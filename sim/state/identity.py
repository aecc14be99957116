"""The model's identity: hashes of its own source, read without importing the compiler.

Two hashes, for two promises. `COMPILE_HASH` names the compile cache: it covers every file
whose code can run compiled, so an edit never runs stale machine code, and an edit elsewhere
(a figure, a CLI verb) costs no recompile. `MODEL_HASH` names results: it covers every file
that can change what a run computes (the parameters' schema and defaults, the state, the
rules, levers and measures, the agents, the schedule, the model and the runner), so run ids
and stores of different code never share a name. Both include the versions of Python and of the libraries a run's numbers come from.
"""

from __future__ import annotations

import hashlib
import sys
from importlib.metadata import version
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
COMPILED = ("state", "rules", "levers", "measures")  # the layers whose code runs compiled
SCHEDULE = "schedule.py"
MODEL_LAYERS = ("params", *COMPILED, "agents")
MODEL_FILES = (SCHEDULE, "model.py", "runner.py")
LIBRARIES = ("numba", "llvmlite", "numpy", "scipy")  # the compiler and the numerics a run's draws come from


def compiled_sources() -> list[Path]:
    """Every file whose code can end up in a compiled kernel, in a fixed order."""
    files = [path for layer in COMPILED for path in sorted((PACKAGE / layer).glob("*.py"))]
    return files + [PACKAGE / SCHEDULE]


def model_sources() -> list[Path]:
    """Every file whose code can change a run's result, in a fixed order."""
    files = [path for layer in MODEL_LAYERS for path in sorted((PACKAGE / layer).glob("*.py"))]
    return files + [PACKAGE / name for name in MODEL_FILES]


def source_hash(files: list[Path]) -> str:
    """Hash of the files' paths and bytes, with the interpreter's and libraries' versions."""
    versions = " ".join(version(name) for name in LIBRARIES)
    digest = hashlib.sha256(f"{versions} {sys.version}".encode())
    for path in files:
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


COMPILE_HASH = source_hash(compiled_sources())
MODEL_HASH = source_hash(model_sources())
