"""Figures of scenario discovery (sim/experiments/discovery.py): PRIM's peeling trajectory
(coverage against density, the chosen box marked), the chosen box's limits against each
parameter's sampled range, and a pairs plot of the box's parameters with the cases marked.
Every figure is SVG (no WebGL), so it draws in any browser, headless ones included."""

from __future__ import annotations

from typing import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiments.discovery import show_number
from sim.report.style import PALETTE, rgba

CASE, OTHER, BOX = PALETTE[1], PALETTE[0], PALETTE[0]
MAX_PAIRS = 4  # parameters in the pairs plot: 4 x 4 panels still read on a phone


def peeling_trajectory(trajectory: pd.DataFrame, chosen: int, min_density: float | None = None) -> go.Figure:
    """Coverage against density of every box PRIM peeled (and pasted), coloured by how many
    parameters it restricts; the chosen box is the star. Hover names each box's restrictions."""
    hover = [f"box {int(r.box)}<br>coverage {r.coverage:.1%}, density {r.density:.1%}, mass {r.mass:.1%}<br>"
             f"restricts {int(r.restricted)}: {r.dimensions.replace(', ', '<br>') if r.dimensions else 'nothing'}"
             for r in trajectory.itertuples()]
    figure = go.Figure(go.Scatter(
        x=trajectory.coverage, y=trajectory.density, mode="lines+markers", text=hover, name="boxes",
        hovertemplate="%{text}<extra></extra>", line=dict(color="#bbbbbb", width=1),
        marker=dict(size=8, color=trajectory.restricted, colorscale="Viridis", showscale=True,
                    colorbar=dict(title="restricted<br>parameters", thickness=12, dtick=1))))
    row = trajectory[trajectory.box == chosen].iloc[0]
    figure.add_trace(go.Scatter(
        x=[row.coverage], y=[row.density], mode="markers", name=f"chosen: box {chosen}",
        text=[hover[int(trajectory.index[trajectory.box == chosen][0])]], hovertemplate="%{text}<extra>chosen</extra>",
        marker=dict(symbol="star", size=18, color=CASE, line=dict(color="#333333", width=1))))
    if min_density is not None:
        figure.add_hline(y=min_density, line=dict(color="#888888", dash="dot"),
                         annotation_text=f"density {min_density:.0%}", annotation_position="bottom left")
    figure.update_layout(
        title_text=f"Coverage against density (star: box {chosen})",
        xaxis=dict(title="coverage (share of all cases inside the box)", tickformat=".0%", range=[-0.02, 1.04]),
        yaxis=dict(title="density (share of the box that are cases)", tickformat=".0%", range=[-0.02, 1.04]),
        showlegend=False, height=460, margin=dict(l=10, r=10, t=50, b=50))
    return figure


def _share(value: float, low: float, high: float) -> float:
    return 0.0 if high == low else (value - low) / (high - low)


def _label(row) -> str:
    """A restricted parameter's axis label: its name, then what the box keeps of it."""
    kept = ", ".join(row.levels) if row.kind == "levels" else f"{show_number(row.low)} to {show_number(row.high)}"
    return f"{row.parameter}<br>{kept}"


def box_limits(limits: pd.DataFrame) -> go.Figure:
    """Each restricted parameter's range in the box (blue) against its sampled range (grey,
    drawn from 0 to 1 so parameters of any unit share one axis); a parameter of levels is a
    row of segments, one per level, blue where the box keeps the level. Each axis label
    says what the box keeps, so the figure reads without hovering (on a phone)."""
    rows = limits[limits.restricted]
    labels = {r.parameter: _label(r) for r in rows.itertuples()}
    figure = go.Figure(go.Bar(
        y=list(labels.values()), x=[1.0] * len(labels), base=[0.0] * len(labels), orientation="h", name="sampled",
        marker=dict(color=rgba("#888888", 0.25), line=dict(width=0)), hoverinfo="skip"))
    ranges = rows[rows.kind == "range"]
    figure.add_trace(go.Bar(
        y=[labels[p] for p in ranges.parameter], orientation="h", name="in the box",
        base=[_share(r.low, r.sampled_low, r.sampled_high) for r in ranges.itertuples()],
        x=[max(_share(r.high, r.sampled_low, r.sampled_high) - _share(r.low, r.sampled_low, r.sampled_high), 0.004)
           for r in ranges.itertuples()], marker=dict(color=BOX),
        customdata=[f"{r.parameter}<br>box {show_number(r.low)} to {show_number(r.high)}<br>sampled "
                    f"{show_number(r.sampled_low)} to {show_number(r.sampled_high)}" for r in ranges.itertuples()],
        hovertemplate="%{customdata}<extra></extra>"))
    segments = [(labels[r.parameter], r.parameter, level, index, len(r.sampled_levels), level in r.levels)
                for r in rows[rows.kind == "levels"].itertuples() for index, level in enumerate(r.sampled_levels)]
    if segments:
        figure.add_trace(go.Bar(
            y=[s[0] for s in segments], x=[0.98 / s[4] for s in segments], base=[(s[3] + 0.01) / s[4] for s in segments],
            orientation="h", name="levels", marker=dict(color=[BOX if s[5] else rgba("#888888", 0.45) for s in segments]),
            text=[s[2] for s in segments], textposition="inside", insidetextanchor="middle", textangle=0,
            customdata=[f"{s[1]} = {s[2]}: {'in' if s[5] else 'outside'} the box" for s in segments],
            hovertemplate="%{customdata}<extra></extra>"))
    figure.update_layout(
        title_text="Box range (blue) within the sampled range (grey)",
        barmode="overlay", showlegend=False, height=140 + 64 * len(labels), margin=dict(l=10, r=10, t=50, b=50),
        xaxis=dict(title="lowest to highest sampled value (or the levels)", range=[-0.01, 1.01], tickvals=[0, 0.5, 1],
                   ticktext=["lowest", "middle", "highest"]),
        yaxis=dict(autorange="reversed", automargin=True, type="category"))
    return figure


def _band(figure: go.Figure, limits: pd.DataFrame, x: str, y: str, axis: int) -> None:
    """The box drawn on one panel: a rectangle over the box's ranges (a parameter of levels
    spans its whole axis)."""
    rows = limits.set_index("parameter")
    suffix = "" if axis == 1 else str(axis)
    if rows.loc[x, "kind"] == "levels" and rows.loc[y, "kind"] == "levels":
        return
    spans = {}
    for name, ref in ((x, "x"), (y, "y")):
        if rows.loc[name, "kind"] == "levels":
            spans[ref] = (f"{ref}{suffix} domain", 0.0, 1.0)
        else:
            spans[ref] = (f"{ref}{suffix}", float(rows.loc[name, "low"]), float(rows.loc[name, "high"]))
    figure.add_shape(type="rect", xref=spans["x"][0], x0=spans["x"][1], x1=spans["x"][2], yref=spans["y"][0],
                     y0=spans["y"][1], y1=spans["y"][2], line=dict(color=BOX, width=2), fillcolor=rgba(BOX, 0.06),
                     layer="below")


def pairs_plot(points: pd.DataFrame, dimensions: Sequence[str], limits: pd.DataFrame, kpi: str, threshold: float,
               case_name: str) -> go.Figure:
    """A scatter matrix of the box's parameters, cases of interest in red and the other
    cases in blue, the box outlined on every panel; the diagonal shows how each group's
    values spread over the parameter (each group's histogram sums to 1). With one parameter,
    the KPI itself is the other axis (dotted: the threshold)."""
    dims = list(dimensions)[:MAX_PAIRS]
    groups = ((True, case_name, CASE, 0.75), (False, "not a case", OTHER, 0.35))
    if len(dims) == 1:
        figure = go.Figure()
        for flag, name, colour, alpha in groups:
            part = points[points.case == flag]
            figure.add_trace(go.Scatter(x=part[dims[0]], y=part[kpi], mode="markers", name=name,
                                        marker=dict(size=5, color=colour, opacity=alpha),
                                        hovertemplate=f"{dims[0]} = %{{x}}<br>{kpi} %{{y:.4g}}<extra>{name}</extra>"))
        row = limits.set_index("parameter").loc[dims[0]]
        if row.kind == "range":
            figure.add_vrect(x0=float(row.low), x1=float(row.high), line=dict(color=BOX, width=2),
                             fillcolor=rgba(BOX, 0.06), layer="below")
        figure.add_hline(y=threshold, line=dict(color="#888888", dash="dot"))
        figure.update_layout(xaxis_title=dims[0], yaxis_title=kpi)
        height = 460
    else:
        size = len(dims)
        figure = make_subplots(rows=size, cols=size, horizontal_spacing=0.03, vertical_spacing=0.03)
        for i, row_name in enumerate(dims):
            for j, column_name in enumerate(dims):
                axis = i * size + j + 1
                for flag, name, colour, alpha in groups:
                    part = points[points.case == flag]
                    if i == j:
                        trace = go.Histogram(x=part[column_name], name=name, legendgroup=name, showlegend=False,
                                             bingroup=f"diagonal{i}", histnorm="probability",
                                             marker=dict(color=colour), opacity=0.55,
                                             hovertemplate=f"{column_name} %{{x}}: %{{y:.0%}} of this group"
                                                           f"<extra>{name}</extra>")
                    else:
                        trace = go.Scatter(x=part[column_name], y=part[row_name], mode="markers", name=name,
                                           legendgroup=name, showlegend=(i, j) == (1, 0),
                                           marker=dict(size=4, color=colour, opacity=alpha),
                                           hovertemplate=f"{column_name} = %{{x}}<br>{row_name} = %{{y}}"
                                                         f"<extra>{name}</extra>")
                    figure.add_trace(trace, row=i + 1, col=j + 1)
                if i != j:
                    _band(figure, limits, column_name, row_name, axis)
                figure.update_xaxes(title_text=column_name if i == size - 1 else None, showticklabels=i == size - 1,
                                    row=i + 1, col=j + 1, title_font=dict(size=11))
                figure.update_yaxes(title_text=row_name if j == 0 else None, showticklabels=j == 0 and i != j,
                                    row=i + 1, col=j + 1, title_font=dict(size=11))
        figure.update_layout(barmode="overlay")
        height = 160 * size + 160
    figure.update_layout(title=dict(text="Cases (red) and the rest (outline: the box)", yref="container", y=0.99,
                                    yanchor="top"),
                         height=height + 40, margin=dict(l=10, r=10, t=100, b=50),
                         legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0))
    return figure
