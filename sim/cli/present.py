"""The presentation verbs: `report` turns an output folder into one HTML page for
executives, and `app` serves the live exploration app on this machine."""

from __future__ import annotations

import ipaddress
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from sim.cli.support import check_between, check_writable, fail, say
from sim.ui.settings import APP_PORT, LOCAL_HOST
from sim.params.scenario import ScenarioError



def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def register(app: typer.Typer) -> None:
    app.command()(report)
    app.command(name="app")(serve_app)


class PlotlyJs(str, Enum):
    embed = "embed"
    cdn = "cdn"


def report(
    folder: Path = typer.Argument(..., help="A run, compare, roi, sweep, facts, discover or optimize output folder (their --out)"),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="The HTML file to write (default: FOLDER/report.html)"),
    plotly: PlotlyJs = typer.Option(PlotlyJs.embed, "--plotly", help="embed: plotly.js inside the file (about 5 MB, "
                                    "works offline); cdn: loaded from plotly's CDN (a light file to mail; needs the internet to view)"),
) -> None:
    """Write one HTML report of an output folder: headline verdicts, a bottom line, interactive charts."""
    from sim.report.page import write_report

    if out is not None:
        if out.is_dir():
            fail(ScenarioError("--out", "", f"{out} is a folder; give the HTML file to write"))
        check_writable(out.parent, out.name)
    elif folder.is_dir():
        check_writable(folder, "report.html")  # the report goes beside the results
    try:
        written = write_report(folder, out, plotly.value)
    except ScenarioError as error:
        fail(error)
    say(f"wrote {written}")


def serve_app(
    scenario: Optional[Path] = typer.Argument(None, help="Base scenario TOML (default: scenarios/baseline.toml)"),
    host: str = typer.Option(LOCAL_HOST, help="Address to bind; the default keeps the app on this machine"),
    port: int = typer.Option(APP_PORT, help="Port to serve on"),
) -> None:
    """Serve the live exploration app (the Mesa model in the browser, on Solara) until Ctrl+C or
    SIGTERM, which stop the server too; open the address it prints."""
    import subprocess

    from sim.ui.app import serve

    check_between("--port", port, 1, 65535)
    if not _loopback(host):
        say(f"warning: serving on {host} lets anyone who can reach this machine use the app, which has no "
            "login; use the default --host 127.0.0.1 to keep it on this machine", err=True)
    try:
        serve(scenario, host=host, port=port)
    except ScenarioError as error:
        fail(error)
    except subprocess.CalledProcessError as error:
        say(f"error: the app server stopped with exit code {error.returncode} (is port {port} taken?)", err=True)
        raise typer.Exit(1)
