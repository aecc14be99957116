"""Plotly figures: each function takes result tables and returns a plotly Figure with titles,
units and hover text. The run figures read a `run --out` folder's tables (daily series,
summary KPIs, members); the experiment figures read compare, sweep and sensitivity tables
(`sim/report/experiment_figures.py`); the ovation figures live in `ovation_figures.py`."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.measures.registry import format_kpi, kpi_kind, kpi_label
from sim.state.counters import CONTACT_COUNTERS
from sim.report.experiment_figures import forest_plot, sobol_tornado, sweep_effects, sweep_heatmap
from sim.report.ovation_figures import ovation_hall, standing_share_over_time
from sim.report.style import PALETTE, rgba

__all__ = ["kpi_time_series", "issue_flow_sankey", "participation_pyramid", "lorenz_curve", "role_flows",
           "forest_plot", "sweep_effects", "sweep_heatmap", "sobol_tornado", "ovation_hall",
           "standing_share_over_time", "PALETTE", "DAILY_CONTACTS", "DAILY_COST"]

DAILY_CONTACTS = "assisted_contacts_per_day"
DAILY_COST = "cost_per_day"
TIME_SERIES = ("answer_rate_24h", "median_hours_to_first_answer", "deflection_rate", DAILY_CONTACTS, DAILY_COST)
CONTACT_COLUMNS = tuple(f"{name}_day" for name in CONTACT_COUNTERS)  # the daily parts of assisted_contacts
TARGET_90_9_1 = {"readers": 0.90, "responders": 0.09, "superusers": 0.01}
FEW_DAYS = 30  # a short series also gets markers, so a single day still shows
# Scenarios are told apart by colours that carry no verdict: green and red mean better and
# worse elsewhere on the page.
ARM_COLOURS = (PALETTE[0], PALETTE[4], PALETTE[3], PALETTE[5])


def _axis_unit(kpi: str, currency: str) -> str:
    """The y-axis title of a time-series panel: its unit (the panel title names the KPI)."""
    if kpi == DAILY_CONTACTS:
        return "contacts per day"
    if kpi == DAILY_COST:
        return f"{currency} per day"
    return {"pct": "share", "hours": "hours", "money": currency, "int": "count"}.get(kpi_kind(kpi), "")


def with_daily_flows(daily: pd.DataFrame) -> pd.DataFrame:
    """Add assisted contacts per day and cost per day: the stored cost is cumulative, so each
    replicate's cost is differenced within its own series."""
    frame = daily.copy()
    frame[DAILY_CONTACTS] = frame[[c for c in CONTACT_COLUMNS if c in frame]].sum(axis=1)
    keys = [c for c in ("arm", "scenario", "replicate") if c in frame]
    cost = frame.groupby(keys, sort=False)["cost_total"] if keys else frame["cost_total"]
    frame[DAILY_COST] = cost.diff().fillna(frame["cost_total"])
    return frame


def kpi_time_series(daily: pd.DataFrame, kpis: Sequence[str] = TIME_SERIES, by: str | None = None,
                    currency: str = "$") -> go.Figure:
    """One panel per KPI by day. With a `replicate` column the line is the mean over replicates
    and the band spans their range (lowest to highest replicate that day); `by` (e.g.
    'scenario') draws one colour per group. Rates are cumulative from day 1, as in the daily
    record."""
    frame = with_daily_flows(daily)
    groups = list(dict.fromkeys(frame[by])) if by else [None]
    figure = make_subplots(rows=len(kpis), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                           subplot_titles=[kpi_label(k) if k in frame else f"{k} (not recorded)" for k in kpis])
    for row, kpi in enumerate(kpis, start=1):
        if kpi not in frame:
            continue
        for index, group in enumerate(groups):
            part = frame if group is None else frame[frame[by] == group]
            by_day = part.groupby("day")[kpi]
            mean = by_day.mean()
            colour = ARM_COLOURS[index % len(ARM_COLOURS)]
            name = str(group) if group is not None else kpi_label(kpi)
            if by_day.size().max() > 1:
                low, high = by_day.min(), by_day.max()
                figure.add_trace(go.Scatter(
                    x=np.r_[mean.index, mean.index[::-1]], y=np.r_[high.to_numpy(), low.to_numpy()[::-1]],
                    fill="toself", fillcolor=rgba(colour, 0.2), line=dict(width=0), hoverinfo="skip",
                    legendgroup=name, showlegend=False, name=f"{name}: replicate band"), row=row, col=1)
            figure.add_trace(go.Scatter(
                x=mean.index, y=mean.to_numpy(), mode="lines" if len(mean) > FEW_DAYS else "lines+markers",
                line=dict(color=colour), name=name,
                legendgroup=name, showlegend=row == 1 and by is not None,
                hovertemplate=f"{name}<br>day %{{x}}: %{{y:.3~f}}<extra>{kpi_label(kpi)}</extra>"),
                row=row, col=1)
        figure.update_yaxes(title_text=_axis_unit(kpi, currency), row=row, col=1, rangemode="tozero",
                            tickformat=".2~%" if kpi_kind(kpi) == "pct" else None)  # all start at zero: no drama
    band = " (band: lowest to highest replicate)" if "replicate" in frame else ""
    figure.update_xaxes(title_text="day", row=len(kpis), col=1)
    figure.update_layout(title_text=f"KPIs by day{band}", height=260 * len(kpis), hovermode="x unified")
    return figure


def issue_flows(kpis: Mapping[str, float]) -> list[tuple[str, str, float]]:
    """(source, target, count) links of where issues went, from a run's cumulative counters.

    Every issue is solved by search, posted (a thread or a me-too), called in or complained
    about in public. Forum questions are solved, escalated (to the contact centre, to social
    media, or given up) or still unsolved. Complaints are
    answered in public, or the complainer calls (after no reply, or a reply that did not fix
    it), or they are still open. Onlookers who join a pile-up call too. A call is answered
    (resolved at once, or after a repeat call), or its caller hangs up and gives up, or
    complains in public (a link back to social media), or it is still waiting; the contact
    centre's inflow is the first calls placed, by where they came from."""
    forum, social, hung_up_complaints = kpis["forum_threads"] + kpis["metoos"], kpis["complaints"], kpis["calls_to_social"]
    forum_solved, to_social = kpis["solved"] + kpis["metoo_solved"], kpis["escalations_to_social"]
    escalated = kpis["escalation_calls"] + to_social + kpis["escalations_given_up"]
    first_calls = kpis["direct_calls"] + kpis["escalation_calls"] + kpis["fallback_calls"] + kpis["pileup_calls"]
    answered_first = kpis["direct_contacts"] + kpis["escalations"] + kpis["social_fallbacks"] + kpis["pileup_contacts"]
    served_unresolved = max(kpis["fallback_calls"] - kpis["complaints_unanswered"], 0)
    ended = {"Resolved": answered_first - kpis["repeat_calls"],
             "Resolved after a repeat contact": kpis["repeat_contacts"],
             "Hung up, gave up unresolved": kpis["calls_given_up"], "Social media": hung_up_complaints}
    links = [
        ("Issues", "Self-service (search)", kpis["self_service"]), ("Issues", "Forum", forum),
        ("Issues", "Contact centre", kpis["direct_calls"]),
        ("Issues", "Social media", social - hung_up_complaints - to_social),
        ("Self-service (search)", "Resolved", kpis["self_service"]),
        ("Forum", "Resolved", forum_solved), ("Forum", "Contact centre", kpis["escalation_calls"]),
        ("Forum", "Social media", to_social), ("Forum", "Gave up unresolved", kpis["escalations_given_up"]),
        ("Forum", "Unsolved or still open", max(forum - forum_solved - escalated, 0.0)),
        ("Social media", "Resolved", kpis["complaints_served"] - served_unresolved),
        ("Social media", "Contact centre", kpis["fallback_calls"]),
        ("Social media", "Unsolved or still open", social - kpis["complaints_served"] - kpis["complaints_unanswered"]),
        ("Pile-up onlookers", "Contact centre", kpis["pileup_calls"]),
        *(("Contact centre", target, value) for target, value in ended.items()),
        ("Contact centre", "Still waiting to be answered", max(first_calls - sum(ended.values()), 0.0)),
    ]
    return [(source, target, float(value)) for source, target, value in links if value > 0]


# Where a flow ends decides its colour: resolved green, still in the paid channels orange or
# purple, lost or open red; the forum blue.
FLOW_COLOURS = {"Resolved": PALETTE[2], "Resolved after a repeat contact": PALETTE[2],
                "Self-service (search)": PALETTE[2], "Forum": PALETTE[0], "Contact centre": PALETTE[4],
                "Social media": PALETTE[3], "Issues": "#555555", "Pile-up onlookers": "#8c8c8c"}
LOST = PALETTE[1]


def issue_flow_sankey(kpis: Mapping[str, float], title: str = "Where issues went") -> go.Figure:
    """A Sankey of issue flows (see `issue_flows`); pass a run's summary KPIs or replicate means.
    Each node is labelled with how many issues passed through it, and each flow is coloured by
    where it ends."""
    links = issue_flows(kpis)
    issues = float(kpis["issues"])
    if not links:  # plotly.js cannot draw a Sankey with no links
        figure = go.Figure()
        figure.update_layout(title_text=f"{title}: no issue yet", height=480, xaxis_visible=False, yaxis_visible=False,
                             annotations=[dict(text="The flows appear once issues arrive", showarrow=False,
                                               xref="paper", yref="paper", x=0.5, y=0.5)])
        return figure
    nodes = list(dict.fromkeys(name for source, target, _ in links for name in (source, target)))
    through = {node: max(sum(v for s, _, v in links if s == node), sum(v for _, t, v in links if t == node))
               for node in nodes}
    total = issues or 1.0
    colours = [FLOW_COLOURS.get(node, LOST) for node in nodes]
    figure = go.Figure(go.Sankey(
        node=dict(label=[f"{node}: {through[node]:,.0f}" for node in nodes], pad=18, thickness=16, color=colours,
                  customdata=[through[node] / total for node in nodes],
                  hovertemplate="%{label} issues (%{customdata:.1%} of all)<extra></extra>"),
        link=dict(source=[nodes.index(s) for s, _, _ in links], target=[nodes.index(t) for _, t, _ in links],
                  value=[v for _, _, v in links], customdata=[v / total for _, _, v in links],
                  color=[rgba(colours[nodes.index(t)], 0.35) for _, t, _ in links],
                  hovertemplate="%{source.label} \u2192 %{target.label}: %{value:,.0f} issues "
                                "(%{customdata:.1%} of all)<extra></extra>")))
    figure.update_layout(title_text=f"{title}: {issues:,.0f} issue{'' if issues == 1 else 's'}", height=480)
    return figure


def participation_pyramid(kpis: Mapping[str, float], title: str = "Participation against 90-9-1") -> go.Figure:
    """Members by role at the end of the run beside the 90-9-1 rule (Nielsen 2006): readers at
    the base, responders in the middle, super-users at the top."""
    roles = list(TARGET_90_9_1)
    counts = np.array([float(kpis[r]) for r in roles])
    shares = counts / counts.sum() if counts.sum() else counts
    labels = {"readers": "Readers", "responders": "Responders", "superusers": "Super-users"}
    # Each bar carries its share as text, so the 1% of super-users reads even where its bar is
    # a sliver on a linear axis.
    figure = go.Figure([
        go.Bar(y=[labels[r] for r in roles], x=-shares, orientation="h", name="this community",
               marker=dict(color=PALETTE[0], line=dict(color=PALETTE[0], width=1)), customdata=np.c_[shares, counts],
               text=[f"{share:.1%} ({count:,.0f})" for share, count in zip(shares, counts)], textposition="auto",
               cliponaxis=False,
               hovertemplate="%{y}: %{customdata[0]:.1%} (%{customdata[1]:,.0f} members)<extra></extra>"),
        go.Bar(y=[labels[r] for r in roles], x=[TARGET_90_9_1[r] for r in roles], orientation="h",
               name="90-9-1 rule", marker=dict(color="#bbbbbb", line=dict(color="#999999", width=1)),
               text=[f"{TARGET_90_9_1[r]:.0%}" for r in roles], textposition="auto", cliponaxis=False,
               hovertemplate="%{y}: %{x:.0%} under the 90-9-1 rule<extra></extra>"),
    ])
    ticks = [-1, -0.5, 0, 0.5, 1]
    figure.update_layout(title_text=title, barmode="overlay", bargap=0.15, height=360,
                         legend=dict(orientation="h", yanchor="top", y=-0.3, x=0),
                         xaxis=dict(title="share of members",
                                    tickvals=ticks, ticktext=[f"{abs(t):.0%}" for t in ticks], range=[-1.35, 1.35]))
    return figure


def lorenz_points(answers: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Cumulative share of members (fewest answers first) against cumulative share of answers,
    and the Gini coefficient as twice the area between the curve and the diagonal."""
    counts = np.sort(np.asarray(answers, dtype=float))
    total = counts.sum()
    members = np.linspace(0.0, 1.0, counts.size + 1)
    if counts.size == 0 or total == 0:
        return members, members, float("nan")
    share = np.r_[0.0, np.cumsum(counts) / total]
    gini = 1.0 - float(np.sum((share[1:] + share[:-1]) * np.diff(members)))
    return members, share, gini


def lorenz_curve(answers: np.ndarray, title: str = "Who writes the answers") -> go.Figure:
    """The Lorenz curve of answers per member, with its Gini in the title (0 = everyone writes
    the same number of answers, 1 = one member writes them all)."""
    members, share, gini = lorenz_points(answers)
    step = max(1, members.size // 2000)  # a few thousand points draw the same curve
    keep = np.r_[np.arange(0, members.size - 1, step), members.size - 1]
    figure = go.Figure([
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="#888888"),
                   name="everyone equal", hoverinfo="skip"),
        go.Scatter(x=members[keep], y=share[keep], mode="lines", line=dict(color=PALETTE[1]), fill="tonexty",
                   fillcolor=rgba(PALETTE[1], 0.12), name="this community",
                   hovertemplate="the %{x:.1%} of members with the fewest answers wrote %{y:.1%} of them"
                                 "<extra></extra>"),
    ])
    figure.update_layout(title_text=f"{title}: Gini {format_kpi(gini, 'num')}", height=420,
                         xaxis=dict(title="share of members, fewest answers first", tickformat=".0%", range=[0, 1],
                                    constrain="domain"),
                         yaxis=dict(title="share of all answers", tickformat=".0%", range=[0, 1], scaleanchor="x",
                                    constrain="domain"))
    return figure


def role_flows(daily: pd.DataFrame, title: str = "Members by role over time") -> go.Figure:
    """Stacked members by role by day, and the running total of members who left; role changes
    per day on hover; on a right-hand axis, the running totals of burnout breaks, of
    contributors back from one and of those who went back to reading (where the daily series
    has them and anyone took a break). With replicates, each series is their mean."""
    breaks = [column for column in BREAK_FLOWS if column in daily.columns]
    if breaks and not (daily["breaks"] > 0).any():
        breaks = []
    frame = daily.groupby("day")[["readers", "responders", "superusers", "churned", "role_changes_day", *breaks]].mean()
    series = [("readers", "Readers", PALETTE[0]), ("responders", "Responders", PALETTE[2]),
              ("superusers", "Super-users", PALETTE[4])]
    figure = go.Figure([go.Scatter(x=frame.index, y=frame[column], name=name, stackgroup="members",
                                   line=dict(color=colour), customdata=frame["role_changes_day"],
                                   hovertemplate=f"day %{{x}}: %{{y:,.0f}} {name.lower()}"
                                                 "<br>%{customdata:,.0f} role changes that day<extra></extra>")
                        for column, name, colour in series])
    figure.add_trace(go.Scatter(x=frame.index, y=frame["churned"], name="Left (running total)",
                                line=dict(color="#555555", dash="dash"),
                                hovertemplate="day %{x}: %{y:,.0f} members have left<extra></extra>"))
    for column in breaks:
        name, colour = BREAK_FLOWS[column]
        figure.add_trace(go.Scatter(x=frame.index, y=frame[column], name=name, yaxis="y2",
                                    line=dict(color=colour, dash="dot"),
                                    hovertemplate=f"day %{{x}}: %{{y:,.1f}} {name.lower()}<extra></extra>"))
    figure.update_layout(title_text=title, height=420, hovermode="x unified", xaxis_title="day",
                         yaxis=dict(title="members", rangemode="tozero"),
                         legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    if breaks:
        top = max(1.0, float(frame[breaks].to_numpy().max()))
        figure.update_layout(yaxis2=dict(title="burnout breaks, running totals", overlaying="y", side="right",
                                         range=[0, 1.1 * top], tickformat=",.0f", showgrid=False))
    return figure


BREAK_FLOWS = {"breaks": ("Burnout breaks taken", PALETTE[1]), "break_returns": ("Back from a break", PALETTE[3]),
               "burnout_quits": ("Back to reading after a break", PALETTE[5])}
