"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

A run depends only on its scenario and seed, so results are bit-identical whichever
executor does the work and in whatever order runs finish. Results are handed back one by
one as they finish, so the caller can store them before the next one arrives.
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import pandas as pd

from sim.scenario import Scenario, ScenarioError

MAX_ATTEMPTS = 3  # a run in flight on a worker that died is retried this many times in all
ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$|^[\w.\-]+:\d+$")


@dataclass(frozen=True)
class Job:
    run_id: str
    scenario: Scenario
    seed: int
    keep_daily: bool = False


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

    result = run_scenario(job.scenario, job.seed)
    return Outcome(job.run_id, result.summary, result.daily if job.keep_daily else None)


def _in_process(jobs: list[Job]) -> Iterator[Outcome]:
    for job in jobs:
        yield simulate(job)


def _process_pool(jobs: list[Job], workers: int) -> Iterator[Outcome]:
    """At most `workers` runs in flight, so a worker's death costs only the runs it and its
    siblings had started; those are retried on a fresh pool, the rest were never sent."""
    queue = list(reversed(jobs))
    attempts: dict[str, int] = {}
    context = multiprocessing.get_context("spawn")
    while queue:
        in_flight = {}
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            try:
                while queue or in_flight:
                    while queue and len(in_flight) < workers:
                        job = queue.pop()
                        in_flight[pool.submit(simulate, job)] = job
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        outcome = future.result()
                        del in_flight[future]
                        yield outcome
            except BrokenProcessPool:
                for future, job in in_flight.items():
                    if future.done() and future.exception() is None:
                        yield future.result()
                        continue
                    attempts[job.run_id] = attempts.get(job.run_id, 0) + 1
                    if attempts[job.run_id] >= MAX_ATTEMPTS:
                        raise RunFailed(f"run {job.run_id} (seed {job.seed}) was in flight when a worker "
                                        f"died {MAX_ATTEMPTS} times") from None
                    queue.append(job)


def check_scheduler_address(address: str) -> None:
    if not ADDRESS.match(address):
        raise ScenarioError("--scheduler", "", f"'{address}' is not a scheduler address like tcp://host:8786")


def connect(address: str, timeout: float = 10.0):
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
    """Dask reschedules a task whose worker died (up to its allowed-failures setting)."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    futures = [client.submit(simulate, job, key=f"community-sim-run-{job.run_id}", pure=False) for job in jobs]
    try:
        for future in as_completed(futures):
            try:
                yield future.result()
            except KilledWorker as error:
                raise RunFailed(f"a run kept killing its Dask workers ({error})") from None
            future.release()
    finally:
        client.cancel(futures)


def execute(jobs: Iterable[Job], workers: int = 1, client=None) -> Iterator[Outcome]:
    """Outcomes as runs finish: on the Dask `client` if given, else on `workers` processes
    (one means this process)."""
    jobs = list(jobs)
    if client is not None:
        return _dask(jobs, client)
    if workers <= 1 or len(jobs) <= 1:
        return _in_process(jobs)
    return _process_pool(jobs, min(workers, len(jobs)))


def run_jobs(jobs: list[Job], workers: int = 1, scheduler: str | None = None,
             on_outcome: Callable[[Outcome], None] | None = None) -> dict[str, Outcome]:
    """Run every job (on a new Dask client if `scheduler` is an address) and return the
    outcomes by run id."""
    client = connect(scheduler) if scheduler else None
    try:
        outcomes = {}
        for outcome in execute(jobs, workers, client):
            outcomes[outcome.run_id] = outcome
            if on_outcome is not None:
                on_outcome(outcome)
        return outcomes
    finally:
        if client is not None:
            client.close()
