"""The app's live panels: the report's own figures (sim/report/figures.py), fitted to a card
and given sane axes before the first day is recorded, and the headline KPI cards.

The figures are imported, never copied, so the app and the reports draw the same charts. The
app only sets their height and margins, and, while a series has no day yet, fixed ranges
(days 0 to the run's length, shares 0 to 100%) instead of plotly's default -1 to 4.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import solara
import solara.lab
import traitlets
from solara.server import settings as solara_settings

from sim.measures.registry import HEADLINE_KPIS, kpi_kind, kpi_label
from sim.report.story import rounded
from sim.model import CommunityModel
from sim.report.figures import issue_flow_sankey, kpi_time_series, participation_pyramid, role_flows

TIME_SERIES_HEIGHT = 1240  # five panels; as tall as the three panels beside it
MARGIN = dict(l=56, r=24, t=64, b=48)


def daily_frame(model: CommunityModel) -> pd.DataFrame:
    """The model's daily record so far (one row per simulated day)."""
    return model.datacollector.get_model_vars_dataframe()


def _fitted(figure: go.Figure, height: int | None = None) -> go.Figure:
    figure.update_layout(margin=MARGIN, autosize=True, **({"height": height} if height else {}))
    return figure


def time_series(daily: pd.DataFrame, days: int, currency: str) -> go.Figure:
    """The KPIs by day; with no day yet, every panel spans days 0 to `days` and 0 to 1."""
    # plotly reads a little HTML in titles: the scenario's currency is shown as typed.
    figure = _fitted(kpi_time_series(daily, currency=html.escape(currency)), TIME_SERIES_HEIGHT)
    if daily.empty:
        figure.update_xaxes(range=[0, days])
        figure.update_yaxes(range=[0, 1])
    return figure


def sankey(kpis: dict[str, float]) -> go.Figure:
    """Where the issues went so far (before any issue, the figure says so)."""
    return _fitted(issue_flow_sankey(kpis))


def pyramid(kpis: dict[str, float]) -> go.Figure:
    """Members by role now, beside the 90-9-1 rule."""
    return _fitted(participation_pyramid(kpis))


def roles(daily: pd.DataFrame, days: int, members: int) -> go.Figure:
    """Members by role by day; with no day yet, days 0 to `days` and 0 to the first members."""
    figure = _fitted(role_flows(daily))
    if daily.empty:
        figure.update_xaxes(range=[0, days])
        figure.update_yaxes(range=[0, members])
    return figure


def kpi_text(key: str, value: float, currency: str) -> str:
    """A headline KPI's value in its unit, rounded as the reports round it."""
    return rounded(value, kpi_kind(key), currency)


@solara.component
def KpiCards(kpis: dict[str, float], currency: str):
    """The headline KPIs of the run so far, one small card each. Plain text, never Markdown:
    the currency is free text from the scenario file."""
    with solara.Div(classes=["cs-kpis"]):
        for key in (*HEADLINE_KPIS, "members_now"):
            with solara.Div(classes=["cs-kpi"]):
                solara.Text(kpi_label(key), classes=["cs-kpi-label"])
                solara.Text(kpi_text(key, kpis.get(key), currency), classes=["cs-kpi-value"])


class Chart:
    """A figure to draw, compared by identity: a render compares its components' arguments,
    and plotly compares two figures by serialising both (a tenth of a second for four)."""

    def __init__(self, figure: go.Figure):
        self.figure = figure


RESTYLED = ("scatter", "bar")  # trace types plotly.js restyles in place cleanly (a Sankey keeps stale nodes)


def _same(before, after) -> bool:
    """Whether two plotly JSON values are equal (arrays element by element)."""
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        return np.array_equal(before, after)
    try:
        return bool(before == after)
    except ValueError:  # a dict holding arrays: count it as changed
        return False


def patch_widget(widget: go.FigureWidget, figure: go.Figure, drawn: dict) -> dict:
    """Bring the browser's figure to `figure` in one update: only the layout entries and
    trace properties that changed since `drawn` (what was last sent, as plotly JSON) are
    validated and sent; the browser redraws once. When the traces differ in number, in
    which properties they set, or are of a type not RESTYLED, they are replaced instead.
    Returns what is now drawn."""
    spec = figure.to_plotly_json()
    layout, traces = spec["layout"], spec["data"]
    before_layout, before_traces = drawn.get("layout", {}), drawn.get("traces")
    in_place = before_traces is not None and len(before_traces) == len(traces) and all(
        old.keys() == new.keys() and new.get("type") in RESTYLED for old, new in zip(before_traces, traces))
    with widget.batch_update():
        for key in before_layout.keys() - layout.keys():
            widget.layout[key] = None
        for key, value in layout.items():
            if not _same(before_layout.get(key), value):
                widget.layout[key] = value
        if in_place:
            for trace, source, old, new in zip(widget.data, figure.data, before_traces, traces):
                changed = {key: source[key] for key, value in new.items() if not _same(old[key], value)}
                if changed:  # the figure's own values: its JSON packs arrays as base64
                    trace.update(changed)
    if not in_place:
        count = len(widget.data)
        widget.add_traces(figure.data)
        widget.data = widget.data[count:]
    return {"layout": layout, "traces": traces}


# plotly's figure-widget code (5 MB, plotly.js inside) is sent inside every widget's state
# and evaluated once per widget: four panels cost 20 MB and four copies of plotly.js per page
# load. Served once as a file instead, the browser fetches it once and every widget shares
# it. Solara serves /static/assets/ from its extra asset locations; plotly's own folder is one.
BUNDLE_DIR = Path(go.__file__).resolve().parents[1] / "package_data"
BUNDLE_PATH = "/static/assets/widgetbundle.js"
if str(BUNDLE_DIR) not in solara_settings.assets.extra_locations:
    solara_settings.assets.extra_locations.append(str(BUNDLE_DIR))


class LiveFigure(go.FigureWidget):
    """A figure widget in plotly.js's responsive mode: it refits to its card on a window resize.
    (Set after plotly's own constructor, which empties the config; before any view exists.)"""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._config = {"responsive": True}


@functools.cache
def figure_class(bundle_url: str | None) -> type[LiveFigure]:
    """LiveFigure loading its code from `bundle_url` (anywidget imports an http(s) address as
    a module, once per page), or carrying it, as plotly does, where no address is known."""
    return type("LiveFigure", (LiveFigure,), {"_esm": bundle_url} if bundle_url else {})


def bundle_url() -> str | None:
    """The widget code's address as this browser session reached the server (its Host
    header), so the module comes from the page's own origin; None outside a server."""
    headers = solara.lab.headers.value or {}
    if not headers.get("host"):
        return None
    scheme = headers.get("x-forwarded-proto", ["http"])[0]
    return f"{scheme}://{headers['host'][0]}{solara_settings.main.root_path or ''}{BUNDLE_PATH}"


class FitPlots(v.VuetifyTemplate):
    """Fits every plot to its card. A figure widget draws before the page has laid it out, at
    plotly's default 700 px, and refits only on a window resize; this sends one whenever a
    card or plot changes size (at most every 100 ms), so each plot takes its card's width,
    on a phone too."""

    template = traitlets.Unicode("""
<template><span class="cs-fit-plots"></span></template>
<script>
module.exports = {
  mounted() {
    let waiting = null;
    const refit = () => {
      if (!waiting) waiting = setTimeout(() => { waiting = null; window.dispatchEvent(new Event('resize')); }, 100);
    };
    this.observer = new ResizeObserver(refit);
    this.scan = setInterval(() => {
      document.querySelectorAll('.cs-panel, .cs-panel .js-plotly-plot').forEach(el => {
        if (!el.dataset.csFit) { el.dataset.csFit = '1'; this.observer.observe(el); }
      });
    }, 300);
  },
  destroyed() { this.observer.disconnect(); clearInterval(this.scan); },
  unmounted() { this.$options.destroyed.call(this); }
};
</script>
""").tag(sync=True)


@solara.component
def Panel(chart: Chart):
    """One live figure, patched in place each frame (see `patch_widget`)."""
    drawn = solara.use_ref({})
    element = figure_class(bundle_url()).element()

    def draw():
        drawn.current = patch_widget(solara.get_widget(element), chart.figure, drawn.current)

    solara.use_effect(draw, [chart])
    return element
