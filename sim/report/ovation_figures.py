"""Standing-ovation figures: the hall as an animation with frames, and the share standing."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

STANDING_COLOURS = [[0.0, "#d9d9d9"], [0.5, "#d9d9d9"], [0.5, "#c0392b"], [1.0, "#c0392b"]]


def ovation_hall(frames: list[np.ndarray], rows: int, seats: int, title: str = "The hall") -> go.Figure:
    """The hall by step as an animation: red = standing, grey = seated; the stage is at the
    bottom (row 0, the front row)."""
    def heatmap(state: np.ndarray) -> go.Heatmap:
        grid = state.reshape(rows, seats).astype(int)
        text = np.where(grid == 1, "standing", "seated")
        return go.Heatmap(z=grid, zmin=0, zmax=1, colorscale=STANDING_COLOURS, showscale=False,
                          text=text, xgap=2, ygap=2,
                          hovertemplate="row %{y}, seat %{x}: %{text}<extra></extra>")

    def label(step: int, state: np.ndarray) -> str:
        return f"{title}: step {step}, {state.mean():.0%} standing"

    figure = go.Figure(
        data=[heatmap(frames[0])],
        frames=[go.Frame(data=[heatmap(state)], name=str(step),
                         layout=go.Layout(title_text=label(step, state)))
                for step, state in enumerate(frames)],
        layout=go.Layout(
            title_text=label(0, frames[0]),
            xaxis=dict(title="seat", constrain="domain"),
            yaxis=dict(title="row (0 = front, by the stage)", scaleanchor="x"),
            updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=-0.12, xanchor="left",
                              buttons=[dict(label="Play", method="animate",
                                            args=[None, dict(frame=dict(duration=600, redraw=True),
                                                             fromcurrent=True)])])],
            sliders=[dict(currentvalue=dict(prefix="step "), pad=dict(t=40),
                          steps=[dict(label=str(step), method="animate",
                                      args=[[str(step)], dict(mode="immediate",
                                                              frame=dict(duration=0, redraw=True))])
                                 for step in range(len(frames))])],
        ),
    )
    return figure


def standing_share_over_time(shares: np.ndarray, title: str = "Share standing by step") -> go.Figure:
    """Share standing by step: the mean over halls with a band from the 5th to the 95th
    percentile. `shares` is (steps + 1, halls)."""
    steps = np.arange(shares.shape[0])
    low, mean, high = np.percentile(shares, 5, axis=1), shares.mean(axis=1), np.percentile(shares, 95, axis=1)
    figure = go.Figure([
        go.Scatter(x=np.r_[steps, steps[::-1]], y=np.r_[high, low[::-1]], fill="toself",
                   fillcolor="rgba(192,57,43,0.2)", line=dict(width=0), hoverinfo="skip",
                   name="5th to 95th percentile of halls"),
        go.Scatter(x=steps, y=mean, mode="lines+markers", line=dict(color="#c0392b"), name="mean",
                   hovertemplate="step %{x}: %{y:.1%} standing<extra></extra>"),
    ])
    figure.update_layout(title_text=title, xaxis_title="step (everyone updates once)",
                         yaxis=dict(title="share standing", tickformat=".0%", range=[0, 1]))
    return figure
