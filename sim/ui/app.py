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
from pathlib import Path

from sim.params.scenario import load_scenario
from sim.ui.inputs import DEFAULT_SCENARIO, SCENARIO_ENV
from sim.ui.settings import APP_PORT, LOCAL_HOST

__all__ = ["serve", "solara_command", "PAGE", "STOP_SIGNALS", "GRACE_SECONDS"]

PAGE = "sim.ui.page"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 5.0  # a server that has not stopped this long after the signal is killed
PR_SET_PDEATHSIG = 1


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


def _wait(server: subprocess.Popen, stop_requested: list[int]) -> int:
    """The server's exit code; once a stop is requested, kill the group after GRACE_SECONDS."""
    deadline = None
    while True:
        try:
            return server.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            if stop_requested and deadline is None:
                deadline = time.monotonic() + GRACE_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                _signal_group(server, signal.SIGKILL)


def serve(scenario_path: Path | None = None, host: str = LOCAL_HOST, port: int = APP_PORT) -> None:
    """Serve the app until Ctrl+C or SIGTERM, on this machine only unless `host` says otherwise.

    The scenario is validated here first, so a bad file fails as one plain line (a
    ScenarioError) before any server starts. Solara's usage telemetry is off unless the
    environment turns it on. A stop returns normally once the server and everything it
    started have gone; a server that fails on its own (say, the port is taken) raises
    CalledProcessError.
    """
    path = Path(scenario_path or DEFAULT_SCENARIO).resolve()
    load_scenario(path)
    env = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", **os.environ, SCENARIO_ENV: str(path)}
    command = solara_command(host, port)
    stop_requested: list[int] = []
    server = subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_parent)

    def stop(signum, _frame) -> None:
        stop_requested.append(signum)
        _signal_group(server, signal.SIGTERM)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        code = _wait(server, stop_requested)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _signal_group(server, signal.SIGKILL)  # anything the server started and left behind
        server.wait()
    if code and not stop_requested:
        raise subprocess.CalledProcessError(code, command)
