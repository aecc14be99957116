"""`community-sim app`: explore a scenario live in the browser, on Mesa's SolaraViz.

Sliders and selects in the sidebar set a few parameters on top of a base scenario file
(scenarios/baseline.toml unless `serve` is given another); Reset builds a new model from
them, Step advances one simulated day (24 hourly steps) and Play keeps stepping. Beside the
controls, a panel shows the headline KPIs so far and a plotly chart the daily KPI series.

Solara serves this module (`page`); `serve` starts that server. The base scenario reaches the
server process through the environment variable COMMUNITY_SIM_APP_SCENARIO, read at import.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from functools import reduce
from pathlib import Path
from typing import Any, get_args

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.ui.settings import APP_PORT, LOCAL_HOST
from sim.measures.registry import HEADLINE_KPIS, format_kpi, kpi_kind, kpi_label
from sim.model import HOURS_PER_DAY, CommunityModel
from sim.report.figures import kpi_time_series
from sim.params.scenario import SCENARIOS_DIR, flat_parameter_paths, load_scenario
from sim.params.schema import field_at

__all__ = ["AppModel", "Dashboard", "Explorer", "KpiChart", "KpiPanel", "MODEL_PARAMS", "SCENARIO_ENV",
           "page", "default_inputs", "serve", "solara_command"]

SCENARIO_ENV = "COMMUNITY_SIM_APP_SCENARIO"
DEFAULT_SCENARIO = SCENARIOS_DIR / "baseline.toml"
BASE = load_scenario(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)

# Few enough members that a simulated day steps in well under a second.
DEFAULT_MEMBERS = 2000

# (dotted scenario key, label, low, high, step). The ranges stay inside the schema's bounds;
# labels stay short, since SolaraViz draws each slider beside its label in a narrow sidebar.
SLIDERS = (
    ("population.members", "Members", 200, 20_000, 200),
    ("behaviour.search_quality", "Search quality", 0.0, 1.0, 0.05),
    ("population.online_hours_median", "Answer hours/wk", 0.0, 2.0, 0.05),
    ("behaviour.patience_hours", "Patience (h)", 4.0, 168.0, 4.0),
    ("behaviour.utility_social", "Social appeal", -6.0, 2.0, 0.25),
)
SELECTS = (
    ("policy.forum.kind", "Staff answering in the forum"),
    ("policy.social.kind", "Company replies on social media"),
)


def _setting(dotted: str) -> Any:
    """The base scenario's value at a dotted key."""
    return reduce(getattr, dotted.split("."), BASE)


def _model_params() -> dict[str, Any]:
    """SolaraViz inputs keyed by CommunityModel's flat keywords (members, forum_kind, ...).

    Each starts at the base scenario's value (members at most DEFAULT_MEMBERS), and a slider's
    range widens to include it, so the app starts as the scenario file describes.
    """
    flat = {dotted: key for key, dotted in flat_parameter_paths().items()}
    params: dict[str, Any] = {}
    for dotted, label, low, high, step in SLIDERS:
        value = _setting(dotted)
        if dotted == "population.members":
            value = min(value, DEFAULT_MEMBERS)
        params[flat[dotted]] = Slider(label, value=value, min=min(low, value), max=max(high, value), step=step)
    for dotted, label in SELECTS:
        params[flat[dotted]] = {"type": "Select", "label": label, "value": _setting(dotted),
                                "values": list(get_args(field_at(dotted).annotation))}
    seed = BASE.scenario.seed
    params["rng"] = Slider("Seed", value=seed, min=0, max=max(999, seed), step=1)
    return params


MODEL_PARAMS = _model_params()


def default_inputs() -> dict[str, Any]:
    """The inputs' starting values, as keyword arguments of AppModel."""
    return {key: param.get("value") for key, param in MODEL_PARAMS.items()}


class AppModel(CommunityModel):
    """A CommunityModel built from the app's inputs on top of the base scenario.

    SolaraViz's Reset rebuilds the model as `type(model)(**inputs, scenario=...)`. The inputs
    are CommunityModel's flat keywords. The `scenario` it adds is Mesa's own, empty parameter
    object (CommunityModel leaves `model.scenario` to Mesa and keeps its settings in
    `model.config`), so it is dropped rather than read as a scenario.
    """

    def __init__(self, scenario: object = None, rng: int | None = None, **inputs: Any):
        super().__init__(scenario=BASE, rng=rng, **inputs)


@solara.component
def KpiPanel(model: CommunityModel):
    """Headline KPIs of the run so far. Plain solara.Text, not Markdown: the currency symbol
    is free text from the scenario file, and Text shows it as it is, never as markup or maths."""
    update_counter.get()  # Mesa bumps this after each step: re-render then
    kpis, config = model.summary(), model.config
    with solara.Card("Headline KPIs"), solara.Column(gap="4px"):
        solara.Text(f"Day {model.time / HOURS_PER_DAY:.1f} of {config.scenario.days}")
        for key in HEADLINE_KPIS:
            kind = kpi_kind(key)
            unit = f" ({config.costs.currency})" if kind == "money" else ""
            solara.Text(f"{kpi_label(key)}{unit}: {format_kpi(kpis[key], kind)}")


@solara.component
def KpiChart(model: CommunityModel):
    """The daily KPI series as the project's plotly figure, rebuilt when a new day is recorded
    (the model records once per simulated day, so hourly steps in between leave it alone)."""
    update_counter.get()
    daily = model.datacollector.get_model_vars_dataframe()
    days = len(daily)
    # plotly reads a little HTML in titles; the escaped currency is shown as typed.
    currency = html.escape(model.config.costs.currency)
    figure = solara.use_memo(lambda: kpi_time_series(daily, currency=currency) if days else None,
                             dependencies=[model, days])
    if figure is None:
        solara.Info("No day recorded yet: the KPIs are recorded at the end of each simulated day "
                    f"({HOURS_PER_DAY} steps). Press Step.")
        return
    solara.FigurePlotly(figure, dependencies=[model, days])


@solara.component
def Dashboard(model: solara.Reactive[CommunityModel]):
    """SolaraViz's controls and inputs, with the KPI panel and chart beside them.

    The panel and chart are not passed as SolaraViz `components`: Mesa lays those out in a
    draggable grid that starts each one in a half-width cell 300 pixels high, too small for a
    five-panel chart. So they render here, below SolaraViz, from the same reactive model that
    its Reset replaces (reading `model.value` re-renders this component on Reset).
    """
    with solara.Column():
        SolaraViz(model, components=[], model_params=MODEL_PARAMS, render_interval=HOURS_PER_DAY,
                  name=f"community-sim: {BASE.scenario.name}")
        KpiPanel(model.value)
        KpiChart(model.value)


@solara.component
def Explorer():
    """One model per browser session: solara imports this module once per server, so a
    model made at import would be shared, and stepped, by every open tab."""
    initial = solara.use_memo(lambda: AppModel(**default_inputs()), dependencies=[])
    Dashboard(solara.use_reactive(initial))


page = Explorer()


def solara_command(host: str, port: int) -> list[str]:
    """`solara run` for this module: production mode (no hot reload of the source), no
    browser opened (the URL is printed) and no version check against PyPI."""
    return [sys.executable, "-m", "solara", "run", "sim.ui.app", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def serve(scenario_path: Path | None = None, host: str = LOCAL_HOST, port: int = APP_PORT) -> None:
    """Serve the app until Ctrl+C, on this machine only unless `host` says otherwise.

    `solara run`, its documented command line, runs in a child process: it sets up solara's
    settings and uvicorn, and imports this module afresh with the base scenario's path in its
    environment. The scenario is validated here first, so a bad file fails as one plain line
    (a ScenarioError) before any server starts. Solara's usage telemetry is off unless the
    environment turns it on. Ctrl+C stops the server and returns; a server that fails (say,
    the port is taken) raises CalledProcessError.
    """
    path = Path(scenario_path or DEFAULT_SCENARIO).resolve()
    load_scenario(path)
    env = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", **os.environ, SCENARIO_ENV: str(path)}
    command = solara_command(host, port)
    with subprocess.Popen(command, env=env) as server:
        try:
            code = server.wait()
        except KeyboardInterrupt:  # the server got the same Ctrl+C and stops itself ("Aborted!")
            server.wait()
            return
    if code:
        raise subprocess.CalledProcessError(code, command)
