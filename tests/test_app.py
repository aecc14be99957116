"""The live app, in this process (no server, no browser): the page steps and plays the model and
redraws its four panels, empty panels have sane axes, a changed setting waits for Reset and
says so, Reset builds the model from every kind of input, Play holds its pace, and `serve`
starts `solara run` in its own session and stops it on a signal (with a stand-in process).
The served app in Chromium and the real command's shutdown are in test_app_browser.py."""

from __future__ import annotations

import importlib
import signal
import subprocess
import sys
import time

import ipyvuetify as v
import plotly.graph_objects as go
import pytest
import solara
from solara.__main__ import run as solara_run

from sim.params.scenario import ScenarioError, flat_parameter_paths, load_scenario
from sim.ui import app, inputs, page, panels
from sim.ui.play import MAX_LAG_SECONDS, Pace

SCENARIOS = inputs.DEFAULT_SCENARIO.parent


@pytest.fixture
def render():
    contexts = []

    def _render(element=None):
        _, rc = solara.render(element or page.Page(), handle_error=False)
        contexts.append(rc)
        return rc

    yield _render
    for rc in contexts:  # closed, so a playing model stops re-rendering them
        for button in rc.find(v.Btn, children=["Pause"]).widgets:
            button.click()
        rc.close()


def texts(rc) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children]


def day_shown(rc) -> str:
    return next(text for text in texts(rc) if text.startswith("Day "))


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def figures(rc) -> dict[str, go.FigureWidget]:
    """The four panels' widgets by their title's first words."""
    shown = {}
    for widget in rc.find(panels.LiveFigure).widgets:
        title = widget.layout.title.text
        shown[next(name for name in ("KPIs", "Where", "Participation", "Members") if title.startswith(name))] = widget
    assert len(shown) == 4
    return shown


def slider(rc, key: str) -> v.Slider:
    return rc.find(v.Slider, class_=f"cs-slider-{key}").widget


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_page_starts_at_day_zero_with_sane_empty_axes(render):
    rc = render()
    assert day_shown(rc) == "Day 0 of 365"
    shown = figures(rc)
    series = shown["KPIs"].layout
    for name in series:  # every panel of the time series: days 0-365, values 0-1 (0-100%)
        if name.startswith("xaxis"):
            assert tuple(series[name].range) == (0, 365)
        if name.startswith("yaxis"):
            assert tuple(series[name].range) == (0, 1)
    assert all(len(trace.x) == 0 for trace in shown["KPIs"].data)
    assert shown["Where"].data == () and "no issue yet" in shown["Where"].layout.title.text
    assert tuple(shown["Members"].layout.xaxis.range) == (0, 365)
    assert tuple(shown["Members"].layout.yaxis.range) == (0, 2000)
    assert sum(shown["Participation"].data[0].customdata[:, 1]) == 2000  # the roles at the start


def test_step_advances_one_day_and_every_panel_follows(render):
    rc = render()
    click(rc, "Step a day")
    assert day_shown(rc) == "Day 1 of 365"
    assert not any(text.startswith("Time:") for text in texts(rc))  # no clock in hours
    shown = figures(rc)
    assert list(shown["KPIs"].data[0].x) == [1.0] and shown["KPIs"].layout.xaxis.range is None
    sankey = shown["Where"].data[0]
    assert sankey.type == "sankey" and len(sankey.link.value) > 0
    assert list(shown["Members"].data[0].x) == [1.0]
    first_total = shown["Where"].layout.title.text
    click(rc, "Step a day")
    assert list(figures(rc)["KPIs"].data[0].x) == [1.0, 2.0]
    assert figures(rc)["Where"].layout.title.text != first_total
    assert "2,000 members (the file has 10,000) \u00b7 365 days \u00b7 seed 42" in " ".join(texts(rc))


def test_sliders_show_their_value_with_its_unit(render):
    shown = texts(render())
    for setting in page.SETTINGS:
        if setting.kind == "slider":
            assert setting.show(page.DEFAULTS[setting.key]) in shown, setting.key
    assert {"2,000 members", "365 days", "60%", "48 h", "$1.00"} <= set(shown)


def test_a_changed_setting_waits_for_reset_and_says_so(render):
    rc = render()
    assert rc.find(v.Btn, children=["Reset"]).widgets
    slider(rc, "members").v_model = 600
    assert rc.find(v.Btn, children=["Reset to apply 1 change"]).widgets
    assert "running now: 2,000 members; the new value applies after Reset" in texts(rc)
    assert "600 members" in texts(rc)
    assert "Reset to apply: members at the start" in rc.find(v.Alert).widget.children[0]
    click(rc, "Step a day")  # the running model keeps its settings until Reset
    assert day_shown(rc) == "Day 1 of 365" and any(text.startswith("2,000 members (the file") for text in texts(rc))
    click(rc, "Reset to apply 1 change")
    assert day_shown(rc) == "Day 0 of 365" and rc.find(v.Btn, children=["Reset"]).widgets
    assert not rc.find(v.Alert).widgets and not any("running now" in text for text in texts(rc))
    assert any(text.startswith("600 members (the file has 10,000)") for text in texts(rc))
    assert figures(rc)["Participation"].data[0].customdata[:, 1].sum() == 600


def test_reset_builds_the_model_from_every_kind_of_input(render, monkeypatch):
    built = []
    monkeypatch.setattr(page, "build_model", lambda base, chosen: built.append(chosen) or inputs.build_model(base, chosen))
    rc = render()
    slider(rc, "members").v_model = 700
    slider(rc, "pay_per_accepted").v_model = 2.5000000001  # as a browser may send it
    rc.find(v.TextField, label="Seed").widget.v_model = "7"
    rc.find(v.Select, label="Staff in the forum").widget.v_model = "Staff answer what waits past the SLA"
    rc.find(v.Switch, label="Points and ranks: off").widget.v_model = True
    click(rc, "Reset to apply 5 changes")
    chosen = built[-1]
    assert (chosen["members"], chosen["pay_per_accepted"], chosen["rng"]) == (700, 2.5, 7)
    assert (chosen["forum_kind"], chosen["points_enabled"]) == ("sla", True)
    assert "forum staff: sla" in " ".join(texts(rc)) and "rewards: points and ranks" in " ".join(texts(rc))
    click(rc, "Step a day")
    twin = inputs.build_model(page.BASE, chosen)
    twin.run_for(24)
    assert twin.config.policy.forum.kind == "sla" and twin.config.rewards.points.enabled
    assert figures(rc)["Where"].layout.title.text == panels.sankey(twin.summary()).layout.title.text  # the seed got through


def test_play_advances_until_paused_and_stops_at_the_run_end(render):
    rc = render()
    slider(rc, "days").v_model = 30
    click(rc, "Reset to apply 1 change")
    rc.find(v.Select, label="Play speed (applies at once)").widget.v_model = "50 days a second"
    click(rc, "Play")
    wait_for(lambda: day_shown(rc) != "Day 0 of 30")
    click(rc, "Pause")
    time.sleep(0.4)  # a frame already under way when Pause was pressed is still drawn
    paused = day_shown(rc)
    time.sleep(0.2)
    assert day_shown(rc) == paused and rc.find(v.Btn, children=["Play"]).widgets
    click(rc, "Play")
    wait_for(lambda: day_shown(rc) == "Day 30 of 30: the run is complete")
    wait_for(lambda: rc.find(v.Btn, children=["Play"]).widgets)
    assert rc.find(v.Btn, children=["Play"]).widget.disabled
    assert rc.find(v.Btn, children=["Step a day"]).widget.disabled
    assert len(figures(rc)["KPIs"].data[0].x) == 30


def test_pace_holds_the_speed_whatever_a_frame_costs():
    now = [0.0]
    pace = Pace(20, clock=lambda: now[0])
    assert pace.due() == 1  # the first day at once
    pace.advanced(1)
    assert pace.due() == 0 and pace.wait() == pytest.approx(0.05)
    shown = 1
    for _ in range(40):  # frames that take 0.3 s to draw: about six days each, 20 a second
        now[0] += 0.3
        days = pace.due()
        pace.advanced(days)
        shown += days
    assert shown == pytest.approx(20 * now[0], abs=2)
    now[0] += 10  # a stall: the lag is let go, not caught up in one jump
    assert pace.due() == 20 * MAX_LAG_SECONDS
    pace.advanced(pace.due())
    pace.set_speed(5)  # counts from now
    assert pace.due() == 1


def test_setting_values_are_typed_as_the_schema_types_them():
    by_key = {setting.key: setting for setting in page.SETTINGS}
    assert by_key["members"].clean(2100.0) == 2100 and isinstance(by_key["members"].clean(2100.0), int)
    assert by_key["search_quality"].clean(0.6500000001) == 0.65
    assert by_key["online_hours_median"].clean(0.15500001) == 0.155
    assert by_key["rng"].clean(-3) == 0 and by_key["points_enabled"].clean(1) is True


def test_inputs_are_scenario_settings_within_the_schema():
    paths = flat_parameter_paths()
    groups = {setting.group for setting in page.SETTINGS}
    assert {inputs.RUN, inputs.COMMUNITY, inputs.POLICY, inputs.REWARDS} == groups
    rewards = [s.key for s in page.SETTINGS if s.group == inputs.REWARDS and s.kind == "switch"]
    assert rewards == ["points_enabled", "badges_enabled", "leaderboard_enabled", "programme_enabled", "pay_enabled"]
    for setting in page.SETTINGS:
        if setting.key == inputs.SEED:
            continue
        values = ([key for key, _ in setting.choices] if setting.kind == "choice" else [True, False]
                  if setting.kind == "switch" else [setting.low, page.DEFAULTS[setting.key], setting.high])
        for value in values:  # a key or value the schema rejects raises ScenarioError
            load_scenario(inputs.DEFAULT_SCENARIO, {paths[setting.key]: value})


def test_default_inputs_are_the_base_scenario_with_a_small_community():
    model = inputs.build_model(page.BASE, page.DEFAULTS)
    assert model.config == load_scenario(inputs.DEFAULT_SCENARIO, {"population.members": inputs.DEFAULT_MEMBERS})


def test_base_scenario_comes_from_the_environment(monkeypatch):
    path = SCENARIOS / "social_2011.toml"
    monkeypatch.setenv(inputs.SCENARIO_ENV, str(path))
    try:
        importlib.reload(page)
        staffing = {s.key: s for s in page.SETTINGS}
        assert page.BASE == load_scenario(path) and page.DEFAULTS["social_team_hours_per_1000_members"] == 0.02
        assert staffing["social_team_hours_per_1000_members"].step == 0.01  # its value lies on the slider's steps
    finally:
        monkeypatch.delenv(inputs.SCENARIO_ENV)
        importlib.reload(page)
    assert page.BASE == load_scenario(inputs.DEFAULT_SCENARIO)


def test_patch_widget_updates_in_place_and_replaces_what_it_cannot():
    widget = go.FigureWidget()
    line = lambda ys, **layout: go.Figure(go.Scatter(x=list(range(len(ys))), y=ys), layout=layout)
    drawn = panels.patch_widget(widget, line([1, 2], xaxis_range=[0, 9]), {})
    trace = widget.data[0]
    drawn = panels.patch_widget(widget, line([1, 2, 3]), drawn)
    assert widget.data[0] is trace and list(trace.y) == [1, 2, 3]  # restyled, not replaced
    assert widget.layout.xaxis.range is None  # a layout entry the new figure lacks is removed
    sankey = lambda value: go.Figure(go.Sankey(node=dict(label=["a", "b"]), link=dict(source=[0], target=[1], value=[value])))
    drawn = panels.patch_widget(widget, sankey(1), drawn)
    first = widget.data[0]
    panels.patch_widget(widget, sankey(2), drawn)
    assert len(widget.data) == 1 and widget.data[0] is not first and widget.data[0].link.value == (2,)


def test_figure_widgets_share_one_copy_of_plotlys_code():
    assert (panels.BUNDLE_DIR / "widgetbundle.js").is_file()
    assert str(panels.BUNDLE_DIR) in panels.solara_settings.assets.extra_locations  # served at /static/assets/
    url = "http://127.0.0.1:8765/static/assets/widgetbundle.js"
    assert panels.figure_class(url)()._esm == url
    assert len(panels.figure_class(None)()._esm) > 1_000_000  # no server known: the code travels with it
    assert panels.figure_class(url)()._config == {"responsive": True}


class FakeServer:
    """Stands in for the server process: records how it was started; `wait` exits with
    `code`, or, with `exit_on` set, only once that signal reached its group. `on_wait` runs
    at the first wait (e.g. to deliver a signal to the command)."""

    def __init__(self, command, env, start_new_session, preexec_fn):
        self.args, self.env, self.session, self.preexec = command, env, start_new_session, preexec_fn
        self.pid = -1
        FakeServer.last = self

    def wait(self, timeout=None):
        if FakeServer.on_wait:
            FakeServer.on_wait, hook = None, FakeServer.on_wait
            hook()
        if FakeServer.exit_on is None or FakeServer.exit_on in FakeServer.signals:
            return FakeServer.code
        raise subprocess.TimeoutExpired(self.args, timeout)


@pytest.fixture
def fake_server(monkeypatch):
    FakeServer.last, FakeServer.code, FakeServer.exit_on, FakeServer.on_wait, FakeServer.signals = None, 0, None, None, []
    monkeypatch.setattr(app.subprocess, "Popen", FakeServer)
    monkeypatch.setattr(app, "_signal_group", lambda server, signum: FakeServer.signals.append(signum))
    return FakeServer


def test_the_app_command_binds_to_this_machine_by_default(fake_server):
    from typer.testing import CliRunner

    from sim.cli import app as cli

    result = CliRunner().invoke(cli, ["app"])
    assert result.exit_code == 0, result.output
    options = solara_run.make_context("run", fake_server.last.args[4:]).params
    assert (options["host"], options["port"]) == ("127.0.0.1", 8765)


def test_serve_runs_solara_on_the_page_in_a_session_of_its_own(fake_server):
    app.serve()
    server = fake_server.last
    assert server.args[:4] == [sys.executable, "-m", "solara", "run"]
    options = solara_run.make_context("run", server.args[4:]).params  # parsed by solara's own CLI
    assert (options["app"], options["host"], options["port"]) == ("sim.ui.page", "127.0.0.1", 8765)
    assert options["production"] and not options["open"] and not options["check_version"]
    assert server.session and server.preexec is app._die_with_parent
    assert server.env[inputs.SCENARIO_ENV] == str(inputs.DEFAULT_SCENARIO.resolve())
    assert server.env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert fake_server.signals == [signal.SIGKILL]  # whatever it left behind


def test_serve_passes_host_port_and_scenario_through(fake_server):
    path = SCENARIOS / "twitter_dialog.toml"
    app.serve(path, host="0.0.0.0", port=9000)
    options = solara_run.make_context("run", fake_server.last.args[4:]).params
    assert (options["host"], options["port"]) == ("0.0.0.0", 9000)
    assert fake_server.last.env[inputs.SCENARIO_ENV] == str(path.resolve())


def test_serve_rejects_a_bad_scenario_before_starting(fake_server, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[population]\nmembers = -5\n")
    with pytest.raises(ScenarioError, match="population.members"):
        app.serve(bad)
    assert fake_server.last is None


def test_serve_reports_a_failed_server(fake_server):
    fake_server.code = 1  # e.g. the port is taken
    with pytest.raises(subprocess.CalledProcessError):
        app.serve()


@pytest.mark.parametrize("signum", app.STOP_SIGNALS)
def test_a_stop_signal_stops_the_servers_group_and_serve_returns(fake_server, signum):
    before = signal.getsignal(signum)
    fake_server.exit_on, fake_server.code = signal.SIGTERM, -signal.SIGTERM
    fake_server.on_wait = lambda: signal.getsignal(signum)(signum, None)  # the signal arrives
    app.serve()  # returns: a stop is not a failure
    assert fake_server.signals == [signal.SIGTERM, signal.SIGKILL]
    assert signal.getsignal(signum) == before


def test_a_server_that_ignores_the_stop_is_killed(fake_server, monkeypatch):
    monkeypatch.setattr(app, "GRACE_SECONDS", 0.1)
    fake_server.exit_on = signal.SIGKILL
    fake_server.on_wait = lambda: signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)
    app.serve()
    assert fake_server.signals[:2] == [signal.SIGTERM, signal.SIGKILL]
