"""The compile cache: a fresh process (a pool or Dask worker, say) loads every compiled rule
from the cache and compiles nothing, and any edit to compiled code moves the cache to a new
directory, so stale machine code is never run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # fresh interpreters

PROBE = """
import json, numba
from sim.runner import warm_up
warm_up()
from sim.state.jit import CACHE_DIR
dispatchers = {}
import sim.schedule, sim.model, sim.measures.daily, sim.state.probe
for module in list(__import__('sys').modules.values()):
    if getattr(module, '__name__', '').startswith('sim.'):
        for name, value in vars(module).items():
            if isinstance(value, numba.core.registry.CPUDispatcher):
                dispatchers[f'{value.py_func.__module__}.{name}'] = value
used = {name: d for name, d in dispatchers.items() if d.stats.cache_hits or d.stats.cache_misses}
print(json.dumps({'misses': sorted(n for n, d in used.items() if d.stats.cache_misses),
                  'hits': len([d for d in used.values() if d.stats.cache_hits]), 'dir': str(CACHE_DIR)}))
"""


def test_a_fresh_process_compiles_nothing():
    subprocess.run([sys.executable, "-c", "from sim.runner import warm_up; warm_up()"], check=True, cwd=ROOT)
    done = subprocess.run([sys.executable, "-c", PROBE], check=True, cwd=ROOT, capture_output=True, text=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["misses"] == [] and report["hits"] > 20, report


def test_editing_compiled_code_moves_the_cache(tmp_path):
    """The compile cache follows compiled code only; the model's identity (run ids, stores)
    follows every file that can change a result."""
    copy = tmp_path / "sim"
    shutil.copytree(ROOT / "sim", copy, ignore=shutil.ignore_patterns("__pycache__"))
    code = "from sim.state.identity import COMPILE_HASH, MODEL_HASH; print(COMPILE_HASH, MODEL_HASH)"

    def hashes() -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, capture_output=True, text=True,
                              env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
        return tuple(done.stdout.split())

    before = hashes()
    rule = copy / "rules" / "search.py"
    rule.write_text(rule.read_text().replace("continue\n", "continue  # edited\n", 1))
    edited = hashes()
    assert edited[0] != before[0] and edited[1] != before[1]
    model = copy / "model.py"  # changes results, runs in Python: a new identity, the same cache
    model.write_text(model.read_text() + "\n# edited\n")
    assert hashes()[0] == edited[0] and hashes()[1] != edited[1]
    report = copy / "report" / "figures.py"  # neither compiled nor part of the model
    moved = hashes()
    report.write_text(report.read_text() + "\n# edited\n")
    assert hashes() == moved
