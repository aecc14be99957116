"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

A run depends only on its scenario and seed (and the experiment it belongs to, if any), so
results are bit-identical whichever executor does the work and in whatever order runs
finish. Results are handed back one by one as they finish, so the caller can store them
before the next one arrives. Every experiment verb runs its jobs here, with one progress bar.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol

import pandas as pd
from tqdm import tqdm

from sim.params.scenario import Scenario, ScenarioError

MAX_ATTEMPTS = 3  # a run in flight on a worker that died is retried this many times in all
# A worker runs one simulation at a time: numpy's BLAS thread pool would only spin and take
# the cores from the other workers (a user's own setting wins).
WORKER_THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PARENT_POLL_SECONDS = 0.5
PLAIN_SECONDS = 300.0  # progress into a log: a line at least this often
ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$|^[\w.\-]+:\d+$")


class Experiment(Protocol):
    """What a run does instead of a plain run of its scenario (the herding arms, say): a
    picklable object, so it travels to workers with its job, returning the run's measures."""

    def __call__(self, scenario: Scenario, seed: int) -> dict[str, float]: ...


@dataclass(frozen=True)
class Job:
    """One run. With an `experiment`, the run id must name it and its settings too (runs of
    another experiment or setting are other runs); daily series are kept for plain runs only."""

    run_id: str
    scenario: Scenario
    seed: int
    keep_daily: bool = False
    experiment: Experiment | None = None


@dataclass
class Outcome:
    run_id: str
    summary: dict[str, float]
    daily: pd.DataFrame | None


class RunFailed(RuntimeError):
    """Runs could not be completed (their workers kept dying)."""


def simulate(job: Job) -> Outcome:
    """One run, anywhere: the only function shipped to workers."""
    from sim.runner import run_scenario

    if job.experiment is not None:
        return Outcome(job.run_id, job.experiment(job.scenario, job.seed), None)
    result = run_scenario(job.scenario, job.seed)
    return Outcome(job.run_id, result.summary, result.daily if job.keep_daily else None)


class LocalPool:
    """A process pool kept for many batches of runs, with at most `workers` runs in flight.

    A worker's death breaks the whole pool, so the runs in flight at that moment are all
    suspects. They are retried on a fresh pool one at a time, alone, so a second death
    names its run exactly; only that run is charged an attempt, and after MAX_ATTEMPTS it
    is reported. Runs already finished are kept; runs not yet sent are unaffected."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def _fresh(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = worker_pool(self.workers)
        return self.pool

    def close(self, interrupted: bool = False) -> None:
        """Shut the pool down; when interrupted, stop the workers' runs in flight too."""
        if self.pool is not None:
            shut_down(self.pool, interrupted)
            self.pool = None

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        queue = list(reversed(jobs))
        suspects: list[Job] = []
        attempts: dict[str, int] = {}
        in_flight: dict = {}
        while queue or suspects or in_flight:
            pool = self._fresh()
            try:
                if suspects and not in_flight:
                    with spawning():
                        future = pool.submit(simulate, suspects[-1])  # a failed submit leaves the job queued
                    in_flight[future] = suspects.pop()
                while queue and not suspects and len(in_flight) < self.workers:
                    with spawning():
                        future = pool.submit(simulate, queue[-1])
                    in_flight[future] = queue.pop()
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()  # raises if the pool broke: the job stays in flight
                    del in_flight[future]
                    yield outcome
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                self.pool = None
                lost = []
                for future, job in list(in_flight.items()):
                    del in_flight[future]
                    if future.done() and future.exception() is None:
                        yield future.result()
                    else:
                        lost.append(job)
                if len(lost) == 1:
                    attempts[lost[0].run_id] = attempts.get(lost[0].run_id, 0) + 1
                    if attempts[lost[0].run_id] >= MAX_ATTEMPTS:
                        raise RunFailed(f"run {lost[0].run_id} (seed {lost[0].seed}) killed its worker "
                                        f"process {MAX_ATTEMPTS} times") from None
                suspects += lost


def check_fits(scenarios: list[Scenario], workers: int) -> None:
    """Refuse local runs that could not fit in this machine's memory together, before any
    starts (a cluster's workers have their own memory)."""
    from sim.runner import check_memory, memory_estimate

    if scenarios:
        distinct = {id(scenario): scenario for scenario in scenarios}.values()  # a point's replicates share one
        largest = max(distinct, key=memory_estimate)
        check_memory(largest, f"scenario '{largest.scenario.name}'", min(workers, len(scenarios)))


@contextmanager
def spawning() -> Iterator[None]:
    """Around a submit, which may start a worker: the worker inherits Ctrl-C blocked, so a Ctrl-C
    sent to the whole process group while it is still starting cannot print its traceback.
    Once started it ignores Ctrl-C for good (`_watch_parent`); its parent stops it."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _watch_parent(parent: int) -> None:
    """In a worker: leave Ctrl-C to the parent, and exit as soon as the process that started it
    is gone (killed with SIGKILL, say), instead of computing on for nobody."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Spawned worker processes, each single-threaded (WORKER_THREADS), that exit when their
    parent dies; they load the compiled rules from the compile cache once each, not once per run."""
    for name, value in WORKER_THREADS.items():
        os.environ.setdefault(name, value)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_watch_parent, initargs=(os.getpid(),))


def shut_down(pool: ProcessPoolExecutor, interrupted: bool) -> None:
    """Shut a pool down; when interrupted (Ctrl-C, SIGTERM, an error), stop the runs in flight
    too rather than wait for them."""
    if interrupted:
        for process in list((getattr(pool, "_processes", None) or {}).values()):  # no public API for this
            process.terminate()
    pool.shutdown(wait=not interrupted, cancel_futures=True)


def check_scheduler_address(address: str) -> None:
    if not ADDRESS.match(address):
        raise ScenarioError("--scheduler", "", f"'{address}' is not a scheduler address like tcp://host:8786")


def connect(address: str, timeout: float = 5.0):
    """A Dask client for `address`; an unreachable or malformed address is bad input."""
    check_scheduler_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError("--scheduler", "", "Dask is not installed; pip install 'community-sim[cluster]'") from None
    try:
        return Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ScenarioError("--scheduler", "", f"cannot reach a Dask scheduler at {address} "
                            f"({' '.join(str(error).split()) or type(error).__name__})") from None


def _dask(jobs: list[Job], client) -> Iterator[Outcome]:
    """Dask reschedules a task whose worker died (up to its allowed-failures setting). About
    two runs per worker thread are kept in flight, so a long sweep does not flood the
    scheduler with every run at once."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    queue = list(reversed(jobs))
    in_flight = 2 * max(1, sum(client.nthreads().values()))

    def submit():
        job = queue.pop()
        return client.submit(simulate, job, key=f"community-sim-run-{job.run_id}", pure=False)

    running = as_completed([submit() for _ in range(min(in_flight, len(queue)))], loop=client.loop)
    try:
        for future in running:
            try:
                yield future.result()
            except KilledWorker as error:
                raise RunFailed(f"a run kept killing its Dask workers ({error})") from None
            future.release()
            if queue:
                running.add(submit())
    finally:
        running.clear()


class Executor:
    """Runs batches of jobs and hands back outcomes as they finish: on a Dask cluster if a
    scheduler address is given, else on `workers` local processes (one means this process).
    Use it as a context manager; the pool or the client is kept for every batch."""

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        self.workers, self.scheduler = workers, scheduler
        self.client = None
        self.pool = LocalPool(workers) if workers > 1 and not scheduler else None

    def __enter__(self) -> Executor:
        if self.scheduler:
            self.client = connect(self.scheduler)
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if self.pool is not None:
            self.pool.close(interrupted=exc_type is not None)
        if self.client is not None:
            self.client.close()

    def run(self, jobs: Iterable[Job], on_outcome: Callable[[Outcome], None] | None = None) -> dict[str, Outcome]:
        """Every job's outcome by run id; `on_outcome` sees each as soon as it is done. Local
        runs that could not fit in memory together are refused before any starts."""
        jobs = list(jobs)
        if self.client is None:
            check_fits([job.scenario for job in jobs], self.workers)
        if self.client is not None:
            stream = _dask(jobs, self.client)
        elif self.pool is not None and len(jobs) > 1:
            stream = self.pool.run(jobs)
        else:
            stream = map(simulate, jobs)
        outcomes = {}
        for outcome in stream:
            outcomes[outcome.run_id] = outcome
            if on_outcome is not None:
                on_outcome(outcome)
        return outcomes


def run_jobs(jobs: list[Job], workers: int = 1, scheduler: str | None = None,
             on_outcome: Callable[[Outcome], None] | None = None, progress: str | None = None) -> dict[str, Outcome]:
    """Run one batch of jobs on a new executor; with `progress`, under a bar of that name."""
    jobs = list({job.run_id: job for job in jobs}.values())  # a run asked for twice is run once
    if scheduler is None:
        check_fits([job.scenario for job in jobs], workers)  # refused before a bar is drawn
    with Executor(workers, scheduler) as executor, progress_bar(len(jobs), progress) as tick:
        def done(outcome: Outcome) -> None:
            tick()
            if on_outcome is not None:
                on_outcome(outcome)

        return executor.run(jobs, done)


@contextmanager
def progress_bar(total: int, desc: str | None, initial: int = 0, unit: str = "run",
                 delay: float = 0.0) -> Iterator[Callable[[], None]]:
    """The one progress display of every verb, on stderr so results on stdout stay clean:
    `unit`s done of `total` (those resumed from a store counted in `initial`), the rate and
    the time left, shown once `delay` seconds have passed. It yields the call to make as each
    unit finishes; with no `desc` nothing is shown. On a terminal it is a bar; into a file or
    a pipe (a batch job's log) it is a few plain lines, never a carriage return. A bar is
    closed before any error propagates, so the error is the last line."""
    if desc is None:
        yield lambda: None
        return
    name = "".join(c if c.isprintable() else "?" for c in desc)  # a scenario's name is file text
    if not sys.stderr.isatty():
        yield PlainProgress(total, name, initial, unit, delay).tick
        return
    bar = tqdm(total=total, initial=initial, unit=unit, desc=name, file=sys.stderr, smoothing=0.1, delay=delay)
    try:
        yield lambda: bar.update(1)
    finally:
        bar.close()


class PlainProgress:
    """Progress as lines for a log: one as each quarter of the work is done, and one at least
    every PLAIN_SECONDS of a long quarter, each saying how much is done and about how long is left."""

    def __init__(self, total: int, name: str, initial: int, unit: str, delay: float):
        self.total, self.name, self.unit, self.delay = total, name, unit, delay
        self.initial = self.done = initial
        self.started = self.last = time.monotonic()
        self.quarter = self._quarter()

    def _quarter(self) -> int:
        return 4 * self.done // self.total if self.total > 0 else 4

    def tick(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.started < self.delay or (self._quarter() == self.quarter and now - self.last < PLAIN_SECONDS):
            return
        self.quarter, self.last = self._quarter(), now
        elapsed = now - self.started
        left = (f", about {tqdm.format_interval(elapsed * (self.total - self.done) / (self.done - self.initial))} left"
                if self.done < self.total else "")
        sys.stderr.write(f"{self.name}: {self.done:,} of {self.total:,} {self.unit}s "
                         f"({self.done / self.total:.0%}) in {tqdm.format_interval(elapsed)}{left}\n")
        sys.stderr.flush()
