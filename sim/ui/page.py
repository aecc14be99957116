"""The live app's page, served by `solara run sim.ui.page` (see sim/ui/app.py).

A Mesa model (CommunityModel, one step an hour) runs in the browser session: the run bar
steps it a day at a time or plays it at a chosen number of simulated days a second; the
settings are real scenario settings on top of a base scenario file, and apply when Reset
builds a new model from them (the model fixes its policies, rewards and staffing when it is
built, and its costs assume they held all run). Until then the Reset button and every changed
setting say so. Beside them: the headline KPIs, the KPI time series, where the issues went,
the participation pyramid and the role flows, redrawn once per frame.

It is composed from Solara components rather than Mesa's SolaraViz page, whose sidebar
shows the clock in hours, hides slider values, keeps the chosen parameters to itself (so
nothing could say a change waits for Reset) and redraws every panel after each fixed number
of steps, which held Play to about one simulated day a second.
"""

from __future__ import annotations

import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import solara

from sim.model import HOURS_PER_DAY, CommunityModel
from sim.ui import panels
from sim.ui.inputs import SEED, Setting, base_values, build_model, build_settings, changes, load_base
from sim.ui.play import Pace
from sim.ui.style import CSS

# Solara warns on every page load that a cookie falls back from SameSite=None to Lax over
# plain http. That fallback is what a local app wants (SameSite=None matters only inside a
# cross-site iframe), so this one warning is silenced; every other warning still shows.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning,
                        module="solara.server.starlette")

BASE = load_base()
SETTINGS = build_settings(BASE)
DEFAULTS = base_values(BASE, SETTINGS)
SPEEDS = (1, 2, 5, 10, 20, 50)  # simulated days a second
DEFAULT_SPEED = 20


@dataclass(eq=False)
class Run:
    """A model, the inputs it was built from, the lock that keeps a render from reading it
    while Play's thread steps it, and the last day the panels drew (Play waits for each
    frame to be drawn before it changes the day again: a render that another thread keeps
    invalidating would never finish)."""

    model: CommunityModel
    inputs: dict[str, Any]
    lock: threading.Lock = field(default_factory=threading.Lock)
    drawn_day: int = -1
    _drawn: threading.Condition = field(default_factory=threading.Condition)

    def mark_drawn(self, day: int) -> None:
        with self._drawn:
            self.drawn_day = day
            self._drawn.notify_all()

    def wait_drawn(self, day: int, timeout: float = 5.0) -> None:
        with self._drawn:
            self._drawn.wait_for(lambda: self.drawn_day >= day, timeout)

    def advance(self, days: int) -> int:
        """Step whole days (24 hourly steps each), never past the run's end; the day now."""
        with self.lock:
            hours = min(days * HOURS_PER_DAY, self.model.hours - self.model.time)
            if hours > 0:
                self.model.run_for(hours)
            return int(self.model.time // HOURS_PER_DAY)

    def snapshot(self) -> tuple[dict[str, float], pd.DataFrame]:
        """The KPIs so far and the daily record, read together."""
        with self.lock:
            return self.model.summary(), panels.daily_frame(self.model)


def new_run(inputs: dict[str, Any]) -> Run:
    return Run(build_model(BASE, inputs), dict(inputs))


@solara.component
def Header(run: Run):
    """What is running, from the model itself: the scenario, its size and length, the seed
    and its levers."""
    config, base = run.model.config, BASE
    members = f"{config.population.members:,} members"
    if config.population.members != base.population.members:
        members += f" (the file has {base.population.members:,})"
    rewards = [s.label.lower() for s in SETTINGS if s.kind == "switch" and run.inputs[s.key]]
    facts = [members, f"{config.scenario.days:,} days", f"seed {run.inputs[SEED]}",
             f"forum staff: {config.policy.forum.kind}", f"social: {config.policy.social.kind}",
             f"rewards: {', '.join(rewards) or 'none'}"]
    with solara.Div(classes=["cs-header"]):
        solara.Text(f"Live model: {config.scenario.name}", classes=["cs-title"])
        solara.Text(" \u00b7 ".join(facts), classes=["cs-facts"])


@solara.component
def RunBar(run: solara.Reactive[Run], pending: solara.Reactive[dict], day: solara.Reactive[int],
           playing: solara.Reactive[bool], speed: solara.Reactive[int]):
    """Reset, Play or Pause, Step one day, the play speed (applies at once) and the day."""
    current = run.value
    model = current.model
    error = solara.use_reactive(None)
    waiting = changes(SETTINGS, run.value.inputs, pending.value)

    def play() -> None:
        if not playing.value:
            return
        pace = Pace(speed.value)
        try:
            while playing.value and run.value.model is model and model.running:
                pace.set_speed(speed.value)
                days = pace.due()
                if not days:
                    time.sleep(pace.wait())
                    continue
                today = current.advance(days)
                pace.advanced(days)
                day.set(today)  # renders the panels, in this thread unless another is rendering
                current.wait_drawn(today)
        except Exception as problem:  # shown in the page, and in the server's log with its traceback
            traceback.print_exc()
            error.set(f"error while playing: {problem}")
        if run.value.model is model:
            playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, model], prefer_threaded=True)

    def reset() -> None:
        playing.set(False)
        error.set(None)
        run.set(new_run(pending.value))
        day.set(0)

    def step() -> None:
        day.set(current.advance(1))

    with solara.Div(classes=["cs-runbar"]):
        done = not model.running
        status = f"Day {day.value:,} of {model.config.scenario.days:,}" + (": the run is complete" if done else "")
        solara.Text(status, classes=["cs-day"])
        with solara.Div(classes=["cs-buttons"]):
            label = f"Reset to apply {len(waiting)} change{'s' if len(waiting) > 1 else ''}" if waiting else "Reset"
            solara.Button(label, on_click=reset, color="warning" if waiting else None, classes=["cs-reset"])
            solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                          color="primary", disabled=done, classes=["cs-play"])
            solara.Button("Step a day", on_click=step, disabled=playing.value or done, classes=["cs-step"])
        speeds = {f"{s} days a second": s for s in SPEEDS}
        solara.Select("Play speed (applies at once)", value=f"{speed.value} days a second", values=list(speeds),
                      on_value=lambda text: speed.set(speeds[text]), dense=True, classes=["cs-speed"])
        if error.value:
            solara.Error(error.value)


@solara.component
def SettingInput(setting: Setting, value: Any, applied: Any, on_value):
    """One setting: its label and value with units, then its control; when the value differs
    from the one the model runs with, both are shown, with 'after Reset'."""
    changed = value != applied
    with solara.Div(classes=["cs-setting"] + (["cs-changed"] if changed else [])):
        if setting.kind == "choice":
            keys = {text: key for key, text in setting.choices}
            solara.Select(setting.label, value=dict(setting.choices)[value], values=list(keys),
                          on_value=lambda text: on_value(keys[text]), dense=True)
        elif setting.kind == "switch":
            solara.v.Switch(label=f"{setting.label}: {setting.show(value)}", v_model=value, on_v_model=on_value,
                            dense=True, hide_details=True, inset=True)
        elif setting.kind == "seed":
            solara.InputInt(setting.label, value=value, on_value=on_value, continuous_update=True, dense=True)
        else:
            with solara.Div(classes=["cs-setting-head"]):
                solara.Text(setting.label, classes=["cs-setting-label"])
                solara.Text(setting.show(value), classes=["cs-setting-value"])
            solara.v.Slider(v_model=value, on_v_model=on_value, min=setting.low, max=setting.high, step=setting.step,
                            dense=True, hide_details=True, class_=f"cs-slider-{setting.key}")
        if changed:
            now = dict(setting.choices)[applied] if setting.choices else setting.show(applied)
            solara.Text(f"running now: {now}; the new value applies after Reset", classes=["cs-pending-note"])


@solara.component
def SettingsForm(pending: solara.Reactive[dict], applied: dict[str, Any]):
    """The settings by group; a change waits for Reset."""
    values = pending.value
    waiting = changes(SETTINGS, applied, values)
    with solara.Div(classes=["cs-settings"]):
        if waiting:
            names = ", ".join(s.label.lower() for s, _, _ in waiting)
            solara.Warning(f"Reset to apply: {names}. The model keeps its settings until then.", dense=True)
        for group in dict.fromkeys(s.group for s in SETTINGS):
            with solara.Card(group, margin=0, classes=["cs-group"]):
                for setting in (s for s in SETTINGS if s.group == group):
                    def set_value(value, setting=setting):
                        if value is not None:
                            pending.set({**pending.value, setting.key: setting.clean(value)})

                    SettingInput(setting, values[setting.key], applied[setting.key], set_value)


@solara.component
def Live(run: Run, day: solara.Reactive[int]):
    """The KPI cards and the four panels, rebuilt once per recorded day."""
    model, today = run.model, day.value
    config = model.config
    currency = config.costs.currency

    def build():
        kpis, daily = run.snapshot()
        return kpis, (panels.time_series(daily, config.scenario.days, currency), panels.sankey(kpis),
                      panels.pyramid(kpis), panels.roles(daily, config.scenario.days, config.population.members))

    kpis, figures = solara.use_memo(build, dependencies=[model, today])
    solara.use_effect(lambda: run.mark_drawn(today), [run, today])
    with solara.Div(classes=["cs-live"]):
        panels.FitPlots.element()
        panels.KpiCards(kpis, currency)
        with solara.Div(classes=["cs-panels"]):
            for name, figure in zip(("kpis", "sankey", "pyramid", "roles"), figures):
                with solara.Div(classes=["cs-panel", f"cs-panel-{name}"]):
                    panels.Panel(panels.Chart(figure))


@solara.component
def Page():
    """One model per browser session: solara imports this module once per server, so a model
    made at import would be shared, and stepped, by every open tab."""
    first = solara.use_memo(lambda: new_run(DEFAULTS), dependencies=[])
    run = solara.use_reactive(first)
    pending = solara.use_reactive(dict(DEFAULTS))
    day = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    solara.Title(f"community-sim: {BASE.scenario.name}")
    solara.Style(CSS)
    with solara.Div(classes=["cs-app"]):
        Header(run.value)
        with solara.Div(classes=["cs-layout"]):
            with solara.Div(classes=["cs-side"]):
                RunBar(run, pending, day, playing, speed)
                SettingsForm(pending, run.value.inputs)
            Live(run.value, day)
