"""Shared helpers: small, fast communities and paired replicate statistics."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from sim import CommunityModel
from sim.measures.kpis import answer_rate_by_count

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SEEDS = tuple(range(11, 21))  # ten replicates: runs are cheap, and heavy-tailed KPIs (pile-ups) need them

# A small community where answering capacity is scarce, so levers have room to move KPIs.
SCARCE = dict(members=2000, days=90, online_hours_median=0.05)
# A year of a mid-size community: long enough for roles, rewards and learning to play out.
YEAR = dict(members=5000, days=365)


def run_model(seed: int, **params) -> dict:
    model = CommunityModel(rng=seed, **params)
    model.run()
    return model.summary()


def paired_difference(kpi: str, low: dict, high: dict, seeds=SEEDS) -> tuple[float, float]:
    """Mean and standard error of KPI(high) - KPI(low) over common seeds."""
    diffs = np.array([run_model(s, **high)[kpi] - run_model(s, **low)[kpi] for s in seeds])
    return float(diffs.mean()), float(diffs.std(ddof=1) / np.sqrt(diffs.size))


def _simulate(job: tuple[int, dict]) -> dict:
    seed, params = job
    model = CommunityModel(rng=seed, **params)
    model.run()
    return {**model.summary(), "rate_by_count": answer_rate_by_count(model.answer_log, model.population, model.time),
            "daily": model.datacollector.get_model_vars_dataframe().reset_index(drop=True)}


_POOL: ProcessPoolExecutor | None = None


def _pool() -> ProcessPoolExecutor:
    """The two processes `replicate` runs on, started at a module's first call and kept for the
    rest of that module (`_module_pool`): a spawned process spends a few CPU seconds importing
    the model and loading the compiled rules before its first run, which a fresh pool per call
    paid again. A run depends only on its seed and parameters, so which process ran it, or what
    it ran before, cannot change a result."""
    global _POOL
    if _POOL is None or getattr(_POOL, "_broken", False):
        _POOL = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))
    return _POOL


@pytest.fixture(scope="module", autouse=True)
def _module_pool():
    """Shut `replicate`'s processes down when the module that started them is done, so no other
    module sees them (tests/test_sweep.py kills a child of this process mid-sweep)."""
    global _POOL
    yield
    if _POOL is not None:
        _POOL.shutdown()
        _POOL = None


def replicate(variants: dict[str, dict], seeds=SEEDS) -> dict[str, list[dict]]:
    """Run every variant on the same seeds on two processes (the same initial members; the
    random streams diverge once the variants act differently). Each result holds the KPIs,
    the goal-gradient profile and the daily series."""
    jobs = [(seed, params) for params in variants.values() for seed in seeds]
    results = list(_pool().map(_simulate, jobs))
    n = len(seeds)
    return {name: results[i * n:(i + 1) * n] for i, name in enumerate(variants)}


def interval(diffs) -> tuple[float, float]:
    """95% interval (mean +- 2 SE) of paired differences."""
    diffs = np.asarray(diffs, dtype=float)
    half = 2.0 * diffs.std(ddof=1) / np.sqrt(diffs.size)
    return float(diffs.mean() - half), float(diffs.mean() + half)


def assert_above_zero(diffs, claim: str) -> None:
    low, high = interval(diffs)
    assert low > 0, f"{claim}: 95% interval of the paired difference is [{low:.4g}, {high:.4g}]"


def paired(runs: dict[str, list[dict]], kpi: str, high: str, low: str) -> np.ndarray:
    return np.array([h[kpi] - l[kpi] for h, l in zip(runs[high], runs[low])])


def tiny(**params) -> CommunityModel:
    """A small model, built but not run: the hand-built state of rule tests."""
    params = {"members": 50, "days": 1, **params}
    return CommunityModel(rng=params.pop("rng", 1), **params)


def add_thread(model, asker=0, topic=0, difficulty=0.2, need=0.5, created=0.0, deadline=48.0) -> int:
    """Open one thread by hand; returns its id."""
    ids = model.threads.open(asker=np.array([asker]), topic=np.array([topic]), difficulty=np.array([difficulty]),
                             need=np.array([need]), created=np.array([created]), deadline=np.array([deadline]))
    return int(ids[0])


@pytest.fixture(scope="session")
def small_model() -> CommunityModel:
    model = CommunityModel(rng=3, members=1500, days=120)
    model.run()
    return model


def invoke(*args: str) -> tuple[int, str, str]:
    """The command line run in this process, through its entry point (so its error handling
    is what is tested): exit code, stdout and stderr."""
    import io
    import signal
    import sys
    from contextlib import redirect_stderr, redirect_stdout
    from unittest import mock

    from sim.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        with mock.patch.object(sys, "argv", ["community-sim", *map(str, args)]), redirect_stdout(out), \
                redirect_stderr(err):
            main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones included) and its bytes; links and pipes by kind."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = b"link -> " + str(path.readlink()).encode()
        elif path.is_fifo():
            found[key] = b"fifo"
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


TINY_SCENARIO = """[scenario]
name = "tiny"
days = 4
[population]
members = 150
"""
TINY_SWEEP = TINY_SCENARIO + """[sweep]
replicates = 2
[sweep.parameters]
"behaviour.search_quality" = [0.3, 0.6]
"""


def one_line_error(code: int, err: str, *names: str) -> None:
    """The bad-input contract: exit 2, one line, no traceback, naming one of `names`."""
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert any(name in err for name in names), err


@pytest.fixture
def store(tmp_path):
    """A finished store of the tiny two-level sweep (four runs)."""
    (tmp_path / "tiny.toml").write_text(TINY_SWEEP)
    code, _, err = invoke("sweep", tmp_path / "tiny.toml", "--out", tmp_path / "store", "--workers", "1")
    assert code == 0, err
    return tmp_path / "store"


@pytest.fixture
def workdir(tmp_path_factory):
    """A folder for a property test's generated files (one per test, not per example)."""
    return tmp_path_factory.mktemp("hostile")


# The longest files, longest first (worker seconds of a full run, measured 2 December 2026:
# tests/test_loops.py about 250 s down to tests/test_herding.py about 20 s). With `--dist
# loadfile` a file runs whole on one worker, and xdist by default sends the files with the most
# tests first, so the long files with few tests (replicate studies, notebooks, property tests)
# came last and one worker finished alone. Started first, they end while the short files fill
# in on the other worker. Only the order of files changes; tests within a file keep theirs.
# The Makefile passes --no-loadscope-reorder so that xdist keeps this order.
LONGEST_FIRST = ("test_loops.py", "test_notebooks.py", "test_facts.py", "test_hostile_folders.py",
                 "test_hostile_input.py", "test_experiments.py", "test_policy_search.py", "test_roi.py",
                 "test_sizes.py", "test_app.py", "test_contact_centre.py", "test_signals.py", "test_rewards.py",
                 "test_ovation.py", "test_baseline_levers.py", "test_policies.py", "test_cli.py", "test_kudos.py",
                 "test_sweep.py", "test_compile_cache.py", "test_discovery_report.py", "test_report.py",
                 "test_pileups.py", "test_herding.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: every other file keeps its place
