"""The report as one self-contained HTML page: plotly.js is embedded once, so the file works
offline; `--plotly cdn` loads it from plotly's CDN instead, for a light file to mail. Figures
keep their interactivity, and are laid out again for a phone's width.

Text reaching this module was escaped as it was read (`sim/report/document.py`); figures are embedded
as plotly JSON, which plotly writes with '<' escaped, so nothing in a scenario can close a
script tag."""

from __future__ import annotations

from pathlib import Path

from plotly.offline import get_plotlyjs, get_plotlyjs_version

from sim.experiments.output import write_files
from sim.report.build import Report, build_report
from sim.report.story import NEUTRAL, TONE_COLOURS, TONE_WORDS

STYLE = """
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #1f3b57; color: white; padding: 1.5em 2em; }
header h1 { margin: 0 0 0.3em 0; font-size: 1.7em; overflow-wrap: anywhere; }
header p { margin: 0.3em 0; max-width: 70em; line-height: 1.4; overflow-wrap: anywhere; }
header .scope { font-size: 1.05em; font-weight: 600; color: #dde8f3; }
.bottom-line { background: white; border-left: 6px solid #1f3b57; padding: 0.8em 1em; margin: 1em 0; font-size: 1.1em;
  line-height: 1.45; box-shadow: 0 1px 3px #0002; max-width: 70em; }
main { padding: 1em 2em 3em 2em; max-width: 1200px; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0 2em 0; }
.card { background: white; border-left: 6px solid #1f77b4; padding: 0.8em 1em; flex: 1 1 170px; min-width: 0;
  box-shadow: 0 1px 3px #0002; }
.card .label { font-size: 0.85em; color: #555; text-transform: uppercase; letter-spacing: 0.03em; }
.card .value { font-size: 1.6em; font-weight: 600; margin: 0.2em 0; overflow-wrap: anywhere; }
.card .verdict { font-size: 0.8em; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; }
.card .sentence { font-size: 0.95em; line-height: 1.35; overflow-wrap: anywhere; }
section.figure { background: white; margin: 1.5em 0; padding: 0.5em 1em; box-shadow: 0 1px 3px #0002; min-width: 0; }
.table-scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9em; background: white; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; vertical-align: top; }
td { overflow-wrap: anywhere; }
details summary { cursor: pointer; margin: 1em 0; font-weight: 600; }
.notes, .provenance { color: #555; font-size: 0.9em; overflow-wrap: anywhere; }
@media (max-width: 700px) {
  header { padding: 1em; } header h1 { font-size: 1.35em; }
  main { padding: 0.5em 0.6em 2em 0.6em; }
  section.figure { padding: 0.3em 0.2em; margin: 1em 0; }
  section.figure h2 { font-size: 1.15em; margin: 0.4em 0.4em; }
  .figure-title { font-size: 0.9em; margin: 0.3em 0.5em; color: #444; line-height: 1.3; }
  .card { flex: 1 1 100%; }
}
"""
NARROW = 700  # px: below this, figures are laid out for a phone (see NARROW_SCRIPT)
# On a narrow screen, plotly's desktop margins and right-hand legends leave a plot ~130 px
# wide; this relays each figure out once for the width it has: slim margins, the legend
# below, the title as a caption above the figure (plotly does not wrap titles; none where the
# section's heading says the same), a Sankey's nodes labelled by their numbers only, with the
# table of its flows opened, and a heatmap's colour bar below it. The caption is the figure's
# own title text, which the report escaped when it read it (sim/report/document.py).
NARROW_SCRIPT = """
(function () {
  if (window.innerWidth >= %d) return;
  document.querySelectorAll('.plotly-graph-div').forEach(function (div) {
    var types = (div.data || []).map(function (t) { return t.type; });
    var title = (div.layout.title || {}).text || '';
    var section = div.closest('section');
    var heading = section && section.querySelector('h2') ? section.querySelector('h2').textContent : '';
    if (title && title !== heading) {
      var caption = document.createElement('p');
      caption.className = 'figure-title';
      caption.innerHTML = title;
      var holder = div.parentNode;  // plotly's wrapper, whose height the figure fills
      holder.parentNode.insertBefore(caption, holder);
    }
    var layout = {'margin.l': 8, 'margin.r': 8, 'margin.t': (div.layout.annotations || []).length ? 36 : 16,
                  'margin.b': 24, 'title.text': '',
                  'legend.orientation': 'h', 'legend.x': 0, 'legend.y': -0.15, 'legend.yanchor': 'top'};
    Object.keys(div.layout).forEach(function (key) {
      if (/^yaxis\\d*$/.test(key)) { layout[key + '.automargin'] = true; }
    });
    if (Object.keys(div.layout).some(function (key) { return /^xaxis\\d*$/.test(key); })) {
      layout['margin.b'] = 64;  // room for the tick labels and the axis title
    }
    if (types.indexOf('heatmap') >= 0) { layout['margin.b'] = 120; }
    Plotly.relayout(div, layout);
    if (types.indexOf('sankey') >= 0) {  // names would overlap: each node keeps its number, the table names them
      var labels = div.data[0].node.label.map(function (label) { return label.split(': ').pop(); });
      Plotly.restyle(div, {'node.label': [labels], 'textfont.size': 10});
      var flows = section && section.querySelector('details.flows');
      if (flows) { flows.open = true; }
    }
    if (types.indexOf('heatmap') >= 0) {
      Plotly.restyle(div, {'colorbar.orientation': 'h', 'colorbar.y': -0.35, 'colorbar.yanchor': 'top',
                           'colorbar.thickness': 12});
    }
  });
})();
""" % NARROW
PLOTLY_CDN = "https://cdn.plot.ly/plotly-{version}.min.js"
PLOTLY_MODES = ("embed", "cdn")


def _cards(report: Report) -> str:
    cards = []
    for h in report.headlines:
        colour, verdict = TONE_COLOURS.get(h.tone, TONE_COLOURS[NEUTRAL]), h.verdict or TONE_WORDS.get(h.tone, "")
        said = f'<div class="verdict" style="color:{colour}">{verdict}</div>' if verdict else ""
        cards.append(f'<div class="card tone-{h.tone}" style="border-left-color:{colour}"><div class="label">{h.label}'
                     f'</div><div class="value">{h.value}</div>{said}<div class="sentence">{h.sentence}</div></div>')
    return "\n".join(cards)


def _figure_sections(report: Report) -> str:
    sections = []
    for index, (heading, figure) in enumerate(report.figures):
        div = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{index}",
                             config={"displaylogo": False, "responsive": True})
        sections.append(f'<section class="figure"><h2>{heading}</h2>\n{div}\n{_flow_table(figure)}</section>')
    return "\n".join(sections)


def _flow_table(figure) -> str:
    """A Sankey's flows as a table (from, to, issues), so a phone, where node names would
    overlap, and a screen reader get every number."""
    sankey = next((trace for trace in figure.data if trace.type == "sankey"), None)
    if sankey is None:
        return ""
    names = [label.rsplit(": ", 1)[0] for label in sankey.node.label]
    rows = "".join(f"<tr><td>{names[s]}</td><td>{names[t]}</td><td>{v:,.0f}</td></tr>"
                   for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value))
    return (f'<details class="flows"><summary>The flows in numbers</summary><div class="table-scroll"><table>'
            f"<thead><tr><th>from</th><th>to</th><th>issues</th></tr></thead><tbody>{rows}</tbody></table></div>"
            "</details>")


def _table(table) -> str:
    head = "".join(f"<th>{c}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in table.itertuples(index=False))
    return f'<div class="table-scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


NOT_SETTINGS = ("scenario.name", "scenario.description")  # what a scenario is called, not what it sets


def _differs_from_defaults(report: Report):
    """The rows that set a value other than the default, with the default beside them."""
    table, defaults = report.parameters, report.defaults or {}
    values = [c for c in table.columns if c not in ("parameter", "swept over")]
    default = table.parameter.map(lambda key: defaults.get(key, "(no default)"))
    differs = table[values].ne(default, axis=0).any(axis=1) & ~table.parameter.isin(NOT_SETTINGS)
    return table[differs].assign(default=default[differs])


def _parameters(report: Report) -> str:
    """The settings, folded: first what the scenarios differ in (compare, roi) or what the sweep
    varies, shown; then, folded, what differs from the defaults, and every parameter."""
    table = report.parameters
    if report.kind == "facts":
        return f"<h2>Every fact at every size</h2>\n{_table(table)}"
    if report.defaults is None:  # a table of its own kind (the Pareto front, PRIM's parameters)
        heading = {"optimize": "The policies on the Pareto front", "discover": "Every parameter, by feature score"}
        return f"<h2>{heading.get(report.kind, 'Parameters')}</h2>\n{_table(table)}"
    values = [c for c in table.columns if c not in ("parameter", "swept over")]
    shown = ""
    if report.kind == "sweep":
        shown = f"<h2>What the sweep varies</h2>\n{_table(table[table['swept over'] != ''])}\n"
    elif len(values) > 1:
        differ = (table[values].nunique(axis=1) > 1) & ~table.parameter.isin(NOT_SETTINGS)
        shown = f"<h2>What the scenarios differ in</h2>\n{_table(table[differ])}\n"
    differs = _differs_from_defaults(report)
    return (f'{shown}<details class="settings"><summary>Settings: {len(differs)} differ from the defaults '
            f"(of {len(table)} parameters)</summary>\n{_table(differs)}\n"
            f"<details><summary>All {len(table)} parameters</summary>\n{_table(table)}\n</details>\n</details>")


def _plotly_script(plotly: str) -> str:
    """plotly.js embedded (about 4.7 MB; works offline, the default), or loaded from plotly's
    CDN (a light file to mail; its reader needs the internet)."""
    if plotly not in PLOTLY_MODES:
        raise ValueError(f"plotly must be one of {', '.join(PLOTLY_MODES)}")
    if plotly == "cdn":
        return f'<script src="{PLOTLY_CDN.format(version=get_plotlyjs_version())}" charset="utf-8"></script>'
    return f'<script type="text/javascript">{get_plotlyjs()}</script>'


def render(report: Report, plotly: str = "embed") -> str:
    """The whole page as one string."""
    notes = "".join(f"<p>{note}</p>" for note in report.notes)
    scope = f'<p class="scope">{report.scope}</p>' if report.scope else ""
    told = f"<p>{report.story}</p>" if report.story else ""
    bottom = f'<p class="bottom-line"><strong>Bottom line.</strong> {report.bottom_line}</p>' if report.bottom_line else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{report.title}: community-sim report</title>
<style>{STYLE}</style>
{_plotly_script(plotly)}
</head>
<body>
<header>
<h1>{report.title}</h1>
{scope}
{told}
</header>
<main>
{bottom}
<h2>Executive summary</h2>
<div class="cards">
{_cards(report)}
</div>
<p class="provenance">{report.provenance}</p>
<div class="notes">{notes}</div>
{_figure_sections(report)}
{_parameters(report)}
</main>
<script type="text/javascript">{NARROW_SCRIPT}</script>
</body>
</html>
"""


def write_report(folder: str | Path, out: str | Path | None = None, plotly: str = "embed") -> Path:
    """Build the report of an output folder and write it atomically (default: report.html in
    the folder); `plotly` is "embed" or "cdn" (see `_plotly_script`)."""
    folder = Path(folder)
    page = render(build_report(folder), plotly)
    target = Path(out) if out is not None else folder / "report.html"
    write_files([(target, lambda tmp: tmp.write_text(page, encoding="utf-8"))])
    return target

