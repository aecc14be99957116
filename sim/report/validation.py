"""The validation report of a `facts --out` folder: each published fact against the model at
each size, as a dot (the model's mean, with its 95% interval) over the fact's band.
Validation facts come first and apart from calibration facts: only they are evidence, since
nothing was tuned to them (docs/MODEL.md §5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.experiments.stylized_facts import sizes_held, verdict
from sim.params.scenario import ScenarioError
from sim.report.style import PALETTE, rgba

COLUMNS = ("fact", "role", "members", "kpi", "relative", "published", "band_low", "band_high", "model", "model_low",
           "model_high", "source")
NUMBERS = ("members", "published", "band_low", "band_high", "model", "model_low", "model_high")
ROLES = {"validate": "Validation", "calibrate": "Calibration"}
HELD, MISSED = PALETTE[2], PALETTE[1]
MAX_VALUE = 1e9
HOW_TO_READ = ("How to read the charts: the shaded bar is the published band, the dotted line the published "
               "value, the dot the model's mean over the replicates and its whiskers the 95% interval; a green dot "
               "lies in the band, a red one outside. 'reproduced' means the whole interval lies in the band, 'in "
               "band' only the mean. docs/MODEL.md §5.4 lists every known miss with its reason and gap, and §5.1 "
               "how each fact maps to its source.")


def checked_facts(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The facts table with numbers as floats, known roles, and each verdict worked out again
    from the band and the model (never taken from the file), or a ScenarioError."""
    if table.empty:
        raise ScenarioError(str(path), "fact", "holds no facts")
    unknown = sorted(set(table.role.astype(str)) - set(ROLES))
    if unknown:
        raise ScenarioError(str(path), "role", f"unknown role '{unknown[0]}' (calibrate or validate)")
    table = table.astype({name: float for name in NUMBERS})
    for name in NUMBERS:  # only the model may be undefined (NaN); nothing may be infinite or absurdly large
        values = table[name].to_numpy()
        undefined = np.isnan(values)
        if (undefined.any() and not name.startswith("model")) or (np.abs(values[~undefined]) > MAX_VALUE).any():
            raise ScenarioError(str(path), name, f"a value is not a finite number within ±{MAX_VALUE:g}")
    if (table.band_low > table.band_high).any():
        raise ScenarioError(str(path), "band_low", "a band's low end exceeds its high end")
    if (table.members < 1).any():
        raise ScenarioError(str(path), "members", "a size below one member")
    if table.duplicated(["fact", "members"]).any():
        raise ScenarioError(str(path), "fact", "a fact appears twice at one size")
    table["ok"] = (table.band_low <= table.model) & (table.model <= table.band_high)
    table["verdict"] = [verdict(*row) for row in zip(table.ok, table.model_low, table.model_high, table.band_low,
                                                     table.band_high)]
    table["relative"] = table.relative.astype(str).str.lower() == "true"
    table["definition"] = table.definition.fillna("").astype(str) if "definition" in table else ""
    return table


def fact_chart(rows: pd.DataFrame) -> go.Figure:
    """One fact at each size: its band as a shaded bar, the published value as a dotted
    line, and the model's mean with its 95% interval, green inside the band, red outside."""
    labels = [f"{int(m):,} members" for m in rows.members]
    figure = go.Figure(go.Bar(
        y=labels, x=rows.band_high - rows.band_low, base=rows.band_low, orientation="h", name="published band",
        marker=dict(color=rgba(PALETTE[0], 0.18), line=dict(width=0)), hoverinfo="skip"))
    hover = [f"{label}: model {r.model:.4g} (95% CI {r.model_low:.4g} to {r.model_high:.4g}); band "
             f"{r.band_low:.4g} to {r.band_high:.4g}; {r.verdict}" for label, r in zip(labels, rows.itertuples())]
    figure.add_trace(go.Scatter(
        x=rows.model, y=labels, mode="markers", name="model (95% CI)", text=hover,
        hovertemplate="%{text}<extra></extra>",
        error_x=dict(type="data", symmetric=False, array=rows.model_high - rows.model,
                     arrayminus=rows.model - rows.model_low, color="#555555"),
        marker=dict(size=11, color=[HELD if ok else MISSED for ok in rows.ok])))
    figure.add_vline(x=float(rows.published.iloc[0]), line=dict(color="#333333", dash="dot"))
    kpi = str(rows.kpi.iloc[0])
    figure.update_layout(
        xaxis=dict(title=f"{kpi}{' (relative change)' if rows.relative.iloc[0] else ''}"),
        yaxis=dict(autorange="reversed", type="category"), barmode="overlay",
        height=120 + 46 * len(rows), margin=dict(l=10, r=10, t=30, b=50), showlegend=False)
    return figure


def headline_counts(table: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(label, value, sentence, tone) per role: how many facts held at every size, and which
    held at some sizes only; the tone is 'better' when all held, else 'worse'."""
    found, held = [], sizes_held(table)
    for role, name in ROLES.items():
        mine, facts = table[table.role == role], held[held.role == role]
        if mine.empty:
            continue
        partly = [row.fact for row in facts.itertuples() if row.held and row.missed]
        everywhere = sum(not row.missed for row in facts.itertuples())
        sentence = (f"{int(mine.ok.sum())} of {len(mine)} checks in band"
                    + (f"; at some sizes only: {', '.join(partly)}." if partly else "."))
        found.append((f"{name} facts held at every size", f"{everywhere} of {len(facts)}", sentence,
                      "better" if everywhere == len(facts) else "worse"))
    return found


def facts_figures(table: pd.DataFrame) -> list[tuple[str, go.Figure]]:
    return [(f"{ROLES[role]}: {fact}", fact_chart(rows))
            for role in ROLES for fact, rows in table[table.role == role].groupby("fact", sort=False)]


def facts_table(table: pd.DataFrame) -> pd.DataFrame:
    """The fact, role, size, published value, band, model mean and CI, verdict, how the
    model's KPI maps to the source, and the source, for the page."""
    return pd.DataFrame({
        "fact": table.fact, "role": table.role, "members": table.members.map(lambda m: f"{int(m):,}"),
        "published": table.published.map(lambda v: f"{v:.4g}"),
        "band": [f"{a:.4g} to {b:.4g}" for a, b in zip(table.band_low, table.band_high)],
        "model (95% CI)": [f"{m:.4g} ({lo:.4g} to {hi:.4g})" for m, lo, hi in
                           zip(table.model, table.model_low, table.model_high)],
        "verdict": table.verdict, "mapping": table.definition, "source": table.source})
