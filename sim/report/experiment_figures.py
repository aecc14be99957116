"""Figures of experiments: a policy comparison as a forest plot of paired differences, sweep
results against each parameter and as a two-parameter heatmap, and a Sobol tornado."""

from __future__ import annotations

import math
import textwrap
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiments.stats import t_half_width
from sim.measures.registry import HEADLINE_KPIS, format_kpi, format_money, kpi_kind, kpi_label
from sim.report.story import TONE_COLOURS, tone
from sim.report.style import PALETTE

FOREST_KPIS = (*HEADLINE_KPIS, "solution_rate", "self_service_rate", "cost_total", "staff_answer_share",
               "volunteer_answers", "social_share", "social_unanswered_share", "kudos_per_answer",
               "top10_answer_share", "superusers_active", "members_active", "superuser_retention")
MAX_LEVELS = 12  # a parameter with more distinct values than this is drawn as a scatter of runs


def _wrapped(label: str, width: int = 22) -> str:
    """A label broken onto lines of about `width` characters (plotly's <br>)."""
    return "<br>".join(textwrap.wrap(label, width, break_long_words=False)) or label  # never inside an entity


def forest_plot(differences: pd.DataFrame, kpis: Sequence[str] | None = None, a_name: str = "A",
                b_name: str = "B") -> go.Figure:
    """The paired difference B - A of each KPI (default: the headline KPIs and the main
    policy, participation and health KPIs) with its 95% CI, as a change relative to A's mean
    so KPIs of different units share one axis; hover gives the absolute numbers. KPIs whose
    interval excludes zero are drawn solid."""
    table = differences.set_index("kpi")
    wanted = list(kpis) if kpis is not None else list(FOREST_KPIS)
    rows = table.loc[[k for k in wanted if k in table.index]]
    rows = rows[rows.a_mean.abs().gt(0) & np.isfinite(rows.difference.astype(float))]
    base = rows.a_mean.abs().astype(float)
    relative = rows.difference / base
    colours = [TONE_COLOURS[tone(k, r.low, r.high)] for k, r in rows.iterrows()]
    detected = (rows.low > 0) | (rows.high < 0)
    hover = [f"{kpi_label(k)}<br>{a_name}: {format_kpi(r.a_mean, kpi_kind(k))}, {b_name}: "
             f"{format_kpi(r.b_mean, kpi_kind(k))}<br>difference {r.difference:+,.4g} "
             f"(95% CI {r.low:+,.4g} to {r.high:+,.4g})" for k, r in rows.iterrows()]
    labels = [_wrapped(kpi_label(k)) for k in rows.index]  # short lines leave a phone room for the dots
    figure = go.Figure(go.Scatter(
        x=relative, y=labels, mode="markers",
        error_x=dict(type="data", symmetric=False, array=(rows.high - rows.difference) / base,
                     arrayminus=(rows.difference - rows.low) / base, color="#555555"),
        marker=dict(size=11, color=[c if d else "white" for c, d in zip(colours, detected)],
                    line=dict(color=colours, width=2)),
        text=hover, hovertemplate="%{text}<extra></extra>", name="B - A"))
    figure.add_vline(x=0, line=dict(color="#888888", dash="dot"))
    figure.update_layout(
        title_text=f"{b_name} against {a_name}: paired difference, 95% CI<br><sub>green: better, red: worse, "
                   "grey: no detectable change, blue: neither direction is better</sub>",
        xaxis=dict(title=f"change relative to {a_name}", tickformat="+.0%"),
        yaxis=dict(autorange="reversed", automargin=True), margin=dict(t=90),
        height=max(320, 34 * len(labels) + 160), showlegend=False)
    return figure


def _level_means(runs: pd.DataFrame, parameter: str, kpi: str) -> pd.DataFrame:
    grouped = runs.groupby(parameter)[kpi].agg(["mean", "std", "count"])
    grouped["half"] = t_half_width(grouped["std"].fillna(np.nan), grouped["count"])
    return grouped


def sweep_effects(runs: pd.DataFrame, kpi: str, parameters: Sequence[str] | None = None) -> go.Figure:
    """The KPI against each swept parameter: for a few levels, the mean over every run at that
    level (other parameters averaged over) with its 95% t-interval; for many values, each run."""
    parameters = list(parameters) if parameters is not None else [c for c in runs.columns if "." in c]
    columns = min(3, len(parameters)) or 1
    rows = math.ceil(len(parameters) / columns) or 1
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=parameters, shared_yaxes=True)
    for index, parameter in enumerate(parameters):
        row, col = index // columns + 1, index % columns + 1
        if runs[parameter].nunique() <= MAX_LEVELS:
            means = _level_means(runs, parameter, kpi)
            trace = go.Scatter(x=[str(v) for v in means.index], y=means["mean"], mode="lines+markers",
                               error_y=dict(type="data", array=means["half"]), line=dict(color=PALETTE[0]),
                               customdata=means["count"],
                               hovertemplate=f"{parameter} = %{{x}}<br>mean %{{y:.4g}} over %{{customdata}} runs"
                                             "<extra></extra>")
        else:
            trace = go.Scatter(x=runs[parameter], y=runs[kpi], mode="markers",
                               marker=dict(color=PALETTE[0], opacity=0.5, size=6),
                               hovertemplate=f"{parameter} = %{{x:.4g}}<br>{kpi} %{{y:.4g}}<extra></extra>")
        figure.add_trace(trace, row=row, col=col)
        figure.update_xaxes(title_text=parameter, row=row, col=col)
    figure.update_yaxes(rangemode="tozero")  # every swept KPI is a share, a count, hours or money
    figure.update_yaxes(title_text=kpi_label(kpi), col=1, tickformat=".2~%" if kpi_kind(kpi) == "pct" else None)
    figure.update_layout(title_text=f"{kpi_label(kpi)} against each swept parameter (95% CI of the mean)",
                         showlegend=False, height=330 * rows)
    return figure


def sweep_heatmap(runs: pd.DataFrame, kpi: str, x: str, y: str) -> go.Figure:
    """The KPI's mean over runs for each pair of levels of two parameters."""
    table = runs.groupby([y, x])[kpi].agg(["mean", "count"]).reset_index()
    means = table.pivot(index=y, columns=x, values="mean")
    counts = table.pivot(index=y, columns=x, values="count").reindex_like(means)
    figure = go.Figure(go.Heatmap(
        z=means.to_numpy(), x=[str(v) for v in means.columns], y=[str(v) for v in means.index],
        customdata=counts.to_numpy(), colorscale="Viridis", colorbar=dict(title=kpi_label(kpi)),
        hovertemplate=f"{x} = %{{x}}<br>{y} = %{{y}}<br>mean {kpi} %{{z:.4g}} over %{{customdata}} runs"
                      "<extra></extra>"))
    figure.update_layout(title_text=f"{kpi_label(kpi)}: mean by {x} and {y}", xaxis_title=x, yaxis_title=y,
                         height=440)
    return figure


def sobol_tornado(indices: pd.DataFrame, kpi: str | None = None) -> go.Figure:
    """Sobol total-order (ST) and first-order (S1) indices per parameter with their 95%
    intervals, largest ST at the top: what the KPI's variance depends on."""
    kpi = kpi or (indices.kpi.iloc[0] if "kpi" in indices else None)
    table = indices[indices.kpi == kpi] if "kpi" in indices else indices
    table = table.sort_values("ST")
    figure = go.Figure([
        go.Bar(y=table.parameter, x=table[index], orientation="h", name=name, marker_color=colour,
               error_x=dict(type="data", symmetric=False, array=table[f"{index}_high"] - table[index],
                            arrayminus=table[index] - table[f"{index}_low"]),
               hovertemplate=f"%{{y}}: {index} %{{x:.3f}}<extra>{name}</extra>")
        for index, name, colour in (("ST", "total effect (ST)", PALETTE[0]), ("S1", "alone (S1)", PALETTE[4]))])
    figure.update_layout(title_text=f"What drives {kpi_label(kpi or '')}: Sobol indices with 95% intervals",
                         barmode="group", xaxis=dict(title="share of the KPI's variance (estimates can stray below 0 or above 1 "
                                               "with few samples)", rangemode="tozero"),
                         height=max(300, 70 * len(table) + 150))
    return figure



ROI_STEPS = (("platform", "Platform"), ("moderation", "Moderation"), ("forum_staff", "Forum staff"),
             ("programme", "Super-user programme"), ("pay", "Pay to members"), ("self_service", "Self-service"),
             ("social_team", "Social team"))


def roi_waterfall(summary: pd.DataFrame, currency: str = "$", include_retention: bool = False) -> go.Figure:
    """From gross savings (contacts avoided at the contact price, and the revenue kept when it
    counts among the savings) down through each part of the community's cost to net savings;
    replicate means, with the net's 95% interval."""
    rows = summary.set_index("measure")
    kept = float(rows.loc["revenue_kept", "mean"]) if include_retention else 0.0
    steps = [(label, -float(rows.loc[part, "mean"])) for part, label in ROI_STEPS if rows.loc[part, "mean"] != 0]
    if include_retention:
        steps.insert(0, ("Revenue kept", kept))
    net, low, high = (float(rows.loc["net_savings", c]) for c in ("mean", "low", "high"))
    first = "Contacts avoided" if include_retention else "Gross savings"
    labels = [first, *(label for label, _ in steps), "Net savings"]
    values = [float(rows.loc["gross_savings", "mean"]) - kept, *(value for _, value in steps), net]
    money = [format_money(v, currency, decimals=0) for v in values]
    figure = go.Figure(go.Waterfall(
        x=labels, y=values, measure=["absolute", *["relative"] * len(steps), "total"], text=money,
        textposition=["outside"] * (len(values) - 1) + ["inside"], insidetextanchor="start", cliponaxis=False,
        connector={"line": {"color": "#999"}},  # the net's label at its base, clear of its interval
        increasing={"marker": {"color": PALETTE[2]}}, decreasing={"marker": {"color": PALETTE[1]}},
        totals={"marker": {"color": PALETTE[0] if net >= 0 else PALETTE[1]}},
        hovertemplate="%{x}: %{text}<extra></extra>"))
    figure.add_trace(go.Scatter(x=["Net savings"], y=[net], mode="markers", showlegend=False,
                                marker={"color": "rgba(0,0,0,0)"}, hoverinfo="skip",
                                error_y={"type": "data", "symmetric": False, "array": [high - net],
                                         "arrayminus": [net - low], "color": "#333", "thickness": 2}))
    figure.update_layout(title_text=f"From gross savings to net savings ({currency}; the bar on the net is its 95% CI)",
                         yaxis_title=f"{currency} over the run", height=460, showlegend=False)
    return figure
