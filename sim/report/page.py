"""The report as one self-contained HTML page: plotly.js is embedded once, so the file works
offline and can be mailed to an executive; figures keep their interactivity.

Text reaching this module was escaped as it was read (`sim/report/build.py`); figures are embedded
as plotly JSON, which plotly writes with '<' escaped, so nothing in a scenario can close a
script tag."""

from __future__ import annotations

from pathlib import Path

from plotly.offline import get_plotlyjs

from sim.experiments.output import write_files
from sim.report.build import Report, build_report

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #1f3b57; color: white; padding: 1.5em 2em; }
header h1 { margin: 0 0 0.3em 0; font-size: 1.7em; }
header p { margin: 0.2em 0; max-width: 70em; line-height: 1.4; }
main { padding: 1em 2em 3em 2em; max-width: 1200px; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0 2em 0; }
.card { background: white; border-left: 5px solid #1f77b4; padding: 0.8em 1em; flex: 1 1 150px; box-shadow: 0 1px 3px #0002; }
.card .label { font-size: 0.85em; color: #555; text-transform: uppercase; letter-spacing: 0.03em; }
.card .value { font-size: 1.6em; font-weight: 600; margin: 0.2em 0; }
.card .sentence { font-size: 0.95em; line-height: 1.35; }
section.figure { background: white; margin: 1.5em 0; padding: 0.5em 1em; box-shadow: 0 1px 3px #0002; }
.table-scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9em; background: white; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; vertical-align: top; }
details summary { cursor: pointer; margin: 1em 0; font-weight: 600; }
.notes, .provenance { color: #555; font-size: 0.9em; }
"""


def _cards(report: Report) -> str:
    return "\n".join(f'<div class="card"><div class="label">{h.label}</div><div class="value">{h.value}</div>'
                     f'<div class="sentence">{h.sentence}</div></div>' for h in report.headlines)


def _figure_sections(report: Report) -> str:
    sections = []
    for index, (heading, figure) in enumerate(report.figures):
        div = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{index}",
                             config={"displaylogo": False, "responsive": True})
        sections.append(f'<section class="figure"><h2>{heading}</h2>\n{div}\n</section>')
    return "\n".join(sections)


def _table(table) -> str:
    head = "".join(f"<th>{c}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in table.itertuples(index=False))
    return f'<div class="table-scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _parameters(report: Report) -> str:
    """What the scenarios differ in (compare) or what the sweep varies, shown first; then
    every parameter, folded away when the short table came first."""
    table = report.parameters
    values = [c for c in table.columns if c != "parameter"]
    if report.kind == "sweep":
        key, title = table["swept over"] != "", "What the sweep varies"
    elif report.kind in ("compare", "roi"):
        key, title = table[values].nunique(axis=1) > 1, "What the scenarios differ in"
    elif report.kind == "facts":
        return f"<h2>Every fact at every size</h2>\n{_table(table)}"
    else:
        return f"<h2>Parameters</h2>\n{_table(table)}"
    return (f"<h2>{title}</h2>\n{_table(table[key])}\n<details><summary>All {len(table)} parameters"
            f"</summary>\n{_table(table)}\n</details>")


def render(report: Report) -> str:
    """The whole page as one string."""
    notes = "".join(f"<p>{note}</p>" for note in report.notes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{report.title}: community-sim report</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<header>
<h1>{report.title}</h1>
<p>{report.story}</p>
</header>
<main>
<h2>Executive summary</h2>
<div class="cards">
{_cards(report)}
</div>
<p class="provenance">{report.provenance}</p>
<div class="notes">{notes}</div>
{_figure_sections(report)}
{_parameters(report)}
</main>
</body>
</html>
"""


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Build the report of an output folder and write it atomically (default: report.html in
    the folder)."""
    folder = Path(folder)
    page = render(build_report(folder))
    target = Path(out) if out is not None else folder / "report.html"
    write_files([(target, lambda tmp: tmp.write_text(page, encoding="utf-8"))])
    return target

