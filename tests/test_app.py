"""The live app (sim/ui/app.py): its page steps the model and charts the KPIs, Reset rebuilds the
model from the inputs, the inputs are real scenario settings, and serve runs `solara run` on
this machine only (checked without starting a server: one takes about 20 s to come up here).
One smoke test does start the real server and drives it from Debian's Chromium, offline: the
page's JS and CSS must come from the assets installed beside solara, never from a CDN."""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import ipyvuetify as v
import mesa
import plotly.graph_objects as go
import pytest
import solara
from solara.__main__ import run as solara_run

from browser import ARTIFACTS, CHROMIUM, FLAGS, VIEWPORT
from conftest import ROOT
from sim.ui import app
from sim.params.scenario import ScenarioError, flat_parameter_paths, load_scenario

SCENARIOS = app.DEFAULT_SCENARIO.parent
FORUM_KINDS = {"none", "immediate", "sla", "community_first", "triage"}
SOCIAL_KINDS = {"ignore", "respond_all", "loudest_first", "dialog"}


@pytest.fixture
def render():
    """Render inside an AppLayout, which shows SolaraViz's sidebar (the controls and inputs)."""
    contexts = []

    def _render(element):
        _, rc = solara.render(solara.AppLayout(children=[element]), handle_error=False)
        contexts.append(rc)
        return rc

    yield _render
    for rc in contexts:  # closed, so later steps elsewhere do not re-render them
        rc.close()


def texts(rc) -> list[str]:
    return [widget.children[0] for widget in rc.find(v.Html, tag="span").widgets]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def chart_days(rc) -> list[float]:
    figure = rc.find(go.FigureWidget).widget
    assert len(figure.data) == 5  # one line per default KPI panel
    return list(figure.data[0].x)


def test_page_steps_a_day_at_a_time_and_charts_each_recorded_day(render):
    rc = render(app.page)
    assert "Day 0.0 of 365" in texts(rc)
    assert "No day recorded yet" in rc.find(v.Alert).widget.children[0]
    assert not rc.find(go.FigureWidget).widgets

    click(rc, "Step")  # SolaraViz's render interval is a day: 24 hourly steps
    assert "Day 1.0 of 365" in texts(rc)
    assert "Time: 24.0" in texts(rc)  # Mesa's own step counter agrees
    assert not rc.find(v.Alert).widgets
    assert chart_days(rc) == [1.0]
    assert any(text.startswith("Assisted contacts (contact centre): ") for text in texts(rc))

    click(rc, "Step")
    assert chart_days(rc) == [1.0, 2.0]


@pytest.mark.skipif(int(mesa.__version__.split(".")[0]) >= 4,
                    reason="checks Mesa 3.5's model.steps counter, which Mesa 4 removed")
def test_reset_rebuilds_the_model_from_the_inputs(render):
    model = solara.reactive(app.AppModel(**app.default_inputs()))
    rc = render(app.Dashboard(model))
    first = model.value
    click(rc, "Step")
    assert (first.steps, first.time) == (24, 24.0)

    rc.find(v.Slider, label="Members").widget.v_model = 600
    rc.find(v.Slider, label="Seed").widget.v_model = 7
    rc.find(v.Select, label="Staff answering in the forum").widget.v_model = "sla"
    click(rc, "Reset")
    fresh = model.value
    assert fresh is not first and type(fresh) is app.AppModel and fresh.steps == 0
    assert fresh.config.population.members == 600
    assert fresh.config.policy.forum.kind == "sla"
    assert fresh.config.behaviour.search_quality == app.BASE.behaviour.search_quality
    assert "Day 0.0 of 365" in texts(rc) and not rc.find(go.FigureWidget).widgets

    click(rc, "Step")
    twin = app.AppModel(**{**app.default_inputs(), "members": 600, "forum_kind": "sla", "rng": 7})
    twin.run_for(24)
    assert fresh.summary() == pytest.approx(twin.summary(), nan_ok=True)  # the seed got through
    assert chart_days(rc) == [1.0]


def test_inputs_are_scenario_settings_within_the_schema():
    paths = flat_parameter_paths()
    inputs = {key: param for key, param in app.MODEL_PARAMS.items() if key != "rng"}
    assert {"members", "search_quality", "forum_kind", "social_kind"} <= set(inputs)
    assert len(inputs) >= 6
    assert set(inputs["forum_kind"]["values"]) == FORUM_KINDS
    assert set(inputs["social_kind"]["values"]) == SOCIAL_KINDS
    for key, param in inputs.items():
        values = param["values"] if isinstance(param, dict) else [param.min, param.value, param.max]
        for value in values:  # a key or value the schema rejects raises ScenarioError
            load_scenario(app.DEFAULT_SCENARIO, {paths[key]: value})


def test_default_inputs_are_the_base_scenario_with_a_small_community():
    model = app.AppModel(**app.default_inputs())
    expected = load_scenario(app.DEFAULT_SCENARIO, {"population.members": app.DEFAULT_MEMBERS})
    assert model.config == expected
    assert app.default_inputs()["rng"] == expected.scenario.seed


def test_base_scenario_comes_from_the_environment(monkeypatch):
    path = SCENARIOS / "twitter_dialog.toml"
    monkeypatch.setenv(app.SCENARIO_ENV, str(path))
    try:
        importlib.reload(app)
        inputs = app.default_inputs()
        assert (inputs["social_kind"], inputs["utility_social"]) == ("dialog", -1.5)
        model = app.AppModel(**inputs)
        assert model.config.policy.social == load_scenario(path).policy.social
    finally:
        monkeypatch.delenv(app.SCENARIO_ENV)
        importlib.reload(app)
    assert app.default_inputs()["social_kind"] == "ignore"


class FakeServer:
    """Stands in for the server process: records how it was started, exits with `code`."""

    started: list[tuple[list[str], dict]] = []
    code = 0

    def __init__(self, command, env):
        FakeServer.started.append((command, env))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def wait(self):
        return self.code


@pytest.fixture
def fake_server(monkeypatch):
    FakeServer.started, FakeServer.code = [], 0
    monkeypatch.setattr(app.subprocess, "Popen", FakeServer)
    return FakeServer


def test_the_app_command_binds_to_this_machine_by_default(fake_server):
    from typer.testing import CliRunner

    from sim.cli import app as cli

    result = CliRunner().invoke(cli, ["app"])
    assert result.exit_code == 0, result.output
    (command, _), = fake_server.started
    options = solara_run.make_context("run", command[4:]).params
    assert (options["host"], options["port"]) == ("127.0.0.1", 8765)
    assert inspect.signature(app.serve).parameters["host"].default == "127.0.0.1"


def test_serve_runs_solara_on_this_module_with_the_scenario(fake_server):
    app.serve()
    (command, env), = fake_server.started
    assert command[:4] == [sys.executable, "-m", "solara", "run"]
    options = solara_run.make_context("run", command[4:]).params  # parsed by solara's own CLI
    assert (options["app"], options["host"], options["port"]) == ("sim.ui.app", "127.0.0.1", 8765)
    assert options["production"] and not options["open"] and not options["check_version"]
    assert env[app.SCENARIO_ENV] == str(app.DEFAULT_SCENARIO.resolve())


def test_serve_passes_host_port_and_scenario_through(fake_server):
    path = SCENARIOS / "twitter_dialog.toml"
    app.serve(path, host="0.0.0.0", port=9000)
    (command, env), = fake_server.started
    options = solara_run.make_context("run", command[4:]).params
    assert (options["host"], options["port"]) == ("0.0.0.0", 9000)
    assert env[app.SCENARIO_ENV] == str(path.resolve())


def test_serve_rejects_a_bad_scenario_before_starting(fake_server, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[population]\nmembers = -5\n")
    with pytest.raises(ScenarioError, match="population.members"):
        app.serve(bad)
    assert fake_server.started == []


def test_serve_reports_a_failed_server(fake_server):
    fake_server.code = 1  # e.g. the port is taken
    with pytest.raises(subprocess.CalledProcessError):
        app.serve()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    """Poll until the server answers (proxies bypassed: it is on this machine)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        try:
            opener.open(url, timeout=5).close()
            return
        except OSError:
            assert server.poll() is None, f"the server exited with code {server.returncode}"
            assert time.monotonic() < deadline, f"no answer from {url} within {timeout:.0f} s"
            time.sleep(0.25)


@pytest.mark.slow
def test_served_app_steps_and_draws_the_chart_offline_in_a_real_browser(tmp_path):
    """`solara run` as serve() starts it, on a free port; Chromium loads the page with every
    request off this server refused, presses Step twice and sees the plotly chart draw."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", **os.environ,
           app.SCENARIO_ENV: str(app.DEFAULT_SCENARIO.resolve())}
    log = tmp_path / "server.log"
    errors: list[str] = []
    failed: list[str] = []
    outside: list[str] = []
    with open(log, "wb") as out:
        server = subprocess.Popen(app.solara_command("127.0.0.1", port), env=env, cwd=ROOT,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(base, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(60_000)
                page.on("console", lambda message: errors.append(message.text)
                        if message.type == "error" else None)
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("requestfailed", lambda request: failed.append(f"{request.url} ({request.failure})"))
                page.on("response", lambda response: failed.append(f"{response.url} ({response.status})")
                        if response.status >= 400 else None)

                def refuse(route) -> None:
                    outside.append(route.request.url)
                    route.abort()

                page.route(lambda url: not url.startswith((base, "data:", "blob:")), refuse)
                page.goto(base, wait_until="load")  # after the head's scripts and CSS
                assert not failed, "solara's offline assets are missing (solara serves them from " \
                                   "SOLARA_ASSETS_PROXY_CACHE_DIR, by default <venv>/share/solara/cdn)"
                step = page.get_by_role("button", name="Step")
                for day in (1, 2):  # a Step is one simulated day: 24 hourly steps
                    step.click()
                    page.get_by_text(f"Day {day}.0 of 365").wait_for()
                page.get_by_text("Time: 48.0").wait_for()  # Mesa's own counter agrees
                page.wait_for_function("""() => {
                    const chart = document.querySelector('.js-plotly-plot');
                    return chart && chart.querySelector('svg.main-svg')
                        && chart.data && chart.data.length === 5 && chart.data[0].x.length === 2;
                }""")
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "app.png"))
                seen = (list(errors), list(failed), list(outside))  # before closing aborts anything
            finally:
                browser.close()
    except Exception as error:
        raise AssertionError(f"{error}\nconsole errors: {errors}\nfailed requests: {failed}\n"
                             f"outside requests: {outside}\nserver log:\n"
                             f"{log.read_text(errors='replace')[-3000:]}") from error
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    errors, failed, outside = seen
    assert outside == [], "the page must load nothing from outside this server (no CDN)"
    assert failed == [], "every asset must be served from this machine"
    assert errors == []


@pytest.mark.slow
def test_app_command_refuses_a_bad_scenario_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[population]\nmembers = -5\n')
    done = subprocess.run([sys.executable, "-m", "sim", "app", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {bad}: population.members") and len(done.stderr.splitlines()) == 1
