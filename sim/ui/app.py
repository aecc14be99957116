"""`community-sim app`: serve the live page (sim/ui/page.py) with Solara, and stop it cleanly.

This module stays light (no Solara, Mesa visualisation or plotly import), so the command
checks its scenario and starts the server without paying for the page's imports twice: the
page is imported once, in the server.

`solara run`, Solara's documented command line, runs in a child process in a session of its
own, with the base scenario's path in its environment. The command forwards Ctrl+C, SIGTERM
and SIGHUP to the child's whole process group, waits a few seconds for it to stop, then
kills what is left; on Linux the child is also told to stop if the command dies without a
word (SIGKILL). So stopping `community-sim app` by its PID, or closing its terminal, never
leaves a server listening.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

from sim.params.scenario import load_scenario
from sim.ui.inputs import DEFAULT_SCENARIO, SCENARIO_ENV
from sim.ui.settings import APP_PORT, LOCAL_HOST

__all__ = ["serve", "start", "stop", "wait_until_serving", "solara_command", "PAGE", "STOP_SIGNALS",
           "GRACE_SECONDS"]

PAGE = "sim.ui.page"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 5.0  # a server that has not stopped this long after the signal is killed
PR_SET_PDEATHSIG = 1
# Solara's usage telemetry off, and its "This website runs on Solara" banner, which covers the
# panels' corner, hidden; the environment can turn either back on.
QUIET = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False"}


def solara_command(host: str, port: int) -> list[str]:
    """`solara run` for the page: production mode (no hot reload of the source), no browser
    opened (the URL is printed) and no version check against PyPI."""
    return [sys.executable, "-m", "solara", "run", PAGE, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def _die_with_parent() -> None:
    """In the child, before solara starts: on Linux, SIGTERM it when the parent dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))


def _signal_group(server: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(server.pid, signum)
    except ProcessLookupError:  # the group has gone already
        pass


def start(scenario_path: Path | None = None, host: str = LOCAL_HOST, port: int = APP_PORT) -> subprocess.Popen:
    """Start the server in the background (its own session) and return it; see `serve`.
    The scenario is validated first, so a bad file fails as one plain line (a ScenarioError)
    before any server starts."""
    path = Path(scenario_path or DEFAULT_SCENARIO).resolve()
    load_scenario(path)
    env = {**QUIET, **os.environ, SCENARIO_ENV: str(path)}
    return subprocess.Popen(solara_command(host, port), env=env, start_new_session=True, preexec_fn=_die_with_parent)


def wait_until_serving(server: subprocess.Popen, host: str, port: int, timeout: float = 120.0) -> None:
    """Return once the server answers at http://host:port/ (proxies bypassed: it is local);
    raise RuntimeError if it exits or stays silent for `timeout` seconds."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        try:
            opener.open(f"http://{host}:{port}/", timeout=5).close()
            return
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"the app server exited with code {server.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app server did not answer within {timeout:.0f} s")
            time.sleep(0.25)


def stop(server: subprocess.Popen) -> int:
    """Stop a server from `start`: SIGTERM to its group, SIGKILL to what is left after
    GRACE_SECONDS. Returns its exit code."""
    _signal_group(server, signal.SIGTERM)
    return _reap(server, lambda: True)


def _reap(server: subprocess.Popen, stopping: Callable[[], bool]) -> int:
    """Wait for the server to exit; once `stopping()` says a stop was asked for, kill its
    group if it has not gone GRACE_SECONDS later. Then kill anything it started and left
    behind. Returns its exit code."""
    deadline = None
    try:
        while True:
            try:
                return server.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                if deadline is None and stopping():
                    deadline = time.monotonic() + GRACE_SECONDS
                if deadline is not None and time.monotonic() > deadline:
                    _signal_group(server, signal.SIGKILL)
    finally:
        _signal_group(server, signal.SIGKILL)
        server.wait()


def serve(scenario_path: Path | None = None, host: str = LOCAL_HOST, port: int = APP_PORT) -> None:
    """Serve the app until Ctrl+C, SIGTERM or SIGHUP, on this machine only unless `host` says
    otherwise. A stop returns normally once the server and everything it started have gone;
    a server that fails on its own (say, the port is taken) raises CalledProcessError."""
    server = start(scenario_path, host, port)
    stop_requested: list[int] = []

    def on_signal(signum, _frame) -> None:
        stop_requested.append(signum)
        _signal_group(server, signal.SIGTERM)

    previous = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    try:
        code = _reap(server, lambda: bool(stop_requested))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if code and not stop_requested:
        raise subprocess.CalledProcessError(code, server.args)
