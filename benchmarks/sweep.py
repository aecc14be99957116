"""Sweep throughput: runs per second on 1 and 2 workers, the 1,000-run projection, and the
share of the sweep's time spent in the result store.

Targets: a 1,000-run sweep of the baseline in <= 20 min on 2 cores; 2 workers >= 1.8x
faster than 1; store overhead < 5% of the sweep's time.

    .venv/bin/python benchmarks/sweep.py                  # 24 baseline runs per setting
    .venv/bin/python benchmarks/sweep.py --runs 8 --set population.members=2000

The store's share is measured directly: the time the parent spends reading the store and
writing chunks (with the default flush interval), divided by the sweep's wall time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

# 1 worker runs in this process: make it single-threaded like the pool's workers
# (sim.experiments.executors.WORKER_THREADS), so the speed-up compares like with like.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from sim.cli.support import overrides_from
from sim.experiments import store
from sim.experiments.sweeps import sweep
from sim.params.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


class StoreClock:
    """Wraps the store's reads and writes with a stopwatch."""

    def __init__(self):
        self.seconds = 0.0
        for name in ("append", "finished_ids", "read"):
            self._wrap(name)

    def _wrap(self, name: str) -> None:
        original = getattr(store.RunStore, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(store.RunStore, name, timed)


def measure(scenario, runs: int, workers: int, clock: StoreClock) -> tuple[float, float]:
    """(wall seconds, store seconds) of a sweep of `runs` replicates into a fresh store."""
    config = load_scenario(scenario, {**OVERRIDES, "sweep.replicates": runs, "sweep.parameters": {}})
    with tempfile.TemporaryDirectory() as out:
        before = clock.seconds
        started = time.perf_counter()
        sweep(config, out, workers=workers)
        return time.perf_counter() - started, clock.seconds - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--runs", type=int, default=24, help="runs per measurement")
    parser.add_argument("--set", action="append", default=[], dest="pairs", help="override key=value")
    args = parser.parse_args()
    global OVERRIDES
    OVERRIDES = overrides_from(args.pairs)
    clock = StoreClock()
    one, one_store = measure(args.scenario, args.runs, 1, clock)
    two, two_store = measure(args.scenario, args.runs, 2, clock)
    pair, _ = measure(args.scenario, 2, 2, clock)  # one run on each worker: the pool's start-up
    start_up = max(pair - one / args.runs, 0.0)
    per_run = (two - start_up) / args.runs
    print(f"scenario {args.scenario} {OVERRIDES or ''}, {args.runs} runs per setting")
    print(f"1 worker : {one:7.1f} s  ({args.runs / one:.3f} runs/s), store {one_store:.2f} s = {one_store / one:.2%}")
    print(f"2 workers: {two:7.1f} s  ({args.runs / two:.3f} runs/s), store {two_store:.2f} s = {two_store / two:.2%}")
    print(f"speed-up of 2 workers over 1: {one / two:.2f}x (target >= 1.8x); the pool's start-up (spawning the "
          f"workers, imports, loading the compiled rules once each) is about {start_up:.1f} s, without it "
          f"{one / (two - start_up):.2f}x")
    print(f"1,000 runs on 2 workers: about {(start_up + 1000 * per_run) / 60:.1f} min (target <= 20 min)")


OVERRIDES: dict = {}

if __name__ == "__main__":
    main()
