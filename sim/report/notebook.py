"""Plotly charts that draw in Jupyter and in a static HTML export of the notebook, and the
export of the shipped notebooks to docs/notebooks/, so that their results can be read
without Jupyter:

    python -m sim.report.notebook docs/notebooks   # execute notebooks/*.ipynb, write their HTML

In a notebook, `show_charts_in_exports()` in the first code cell is all it takes.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import sys
from collections import Counter
from pathlib import Path

import plotly
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

PLOTLY_MIME = "application/vnd.plotly.v1+json"
RENDERER = "community_sim_html"
# plotly's defaults in Jupyter, JupyterLab, nbclient and VS Code, which all draw the mimetype
JUPYTER_DEFAULTS = ("plotly_mimetype", "vscode", "plotly_mimetype+notebook", f"plotly_mimetype+{RENDERER}")
MARK = "community_sim"  # output metadata key of the one output that carries plotly.js
PLOTLY_JS = "plotly.min.js"  # the shared copy next to the exported pages
STYLESHEET = "notebook.css"  # nbconvert's stylesheet, shared by the pages as plotly.js is
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# nbconvert's lab page without the require.js and MathJax it loads from CDNs: no notebook
# needs them, they fail offline, and MathJax would typeset "$1.20 ... $3.40" as a formula.
TEMPLATE = "community_sim.html.j2"
# Its stylesheet (most of a page's bytes, the same for every page) is marked, to be written
# once beside the pages and linked from each.
CSS_START, CSS_END = "<!-- notebook css -->", "<!-- /notebook css -->"
TEMPLATE_TEXT = ("{%- extends 'index.html.j2' -%}"
                 "{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}"
                 "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}"
                 "{% block notebook_css %}" + CSS_START + "{{ super() }}" + CSS_END + "{% endblock notebook_css %}")


class _PlotlyDiv(MimetypeRenderer):
    """A figure as an HTML div that the page's plotly.js draws: what nbconvert keeps, as the
    plotly mimetype is dropped. The div's id comes from the figure's content, so that
    re-executing a notebook gives the same HTML, and no MathJax is fetched for it."""

    def __init__(self) -> None:
        self._shown: Counter[str] = Counter()

    def to_mimebundle(self, fig_dict: dict) -> dict:
        digest = hashlib.sha1(to_json_plotly(fig_dict).encode()).hexdigest()[:16]
        self._shown[digest] += 1
        repeat = self._shown[digest]
        div_id = f"plotly-{digest}" + (f"-{repeat}" if repeat > 1 else "")
        return {"text/html": pio.to_html(fig_dict, include_plotlyjs=False, include_mathjax=False, full_html=False,
                                         div_id=div_id, default_height=525, validate=False)}


def show_charts_in_exports() -> None:
    """Show every plotly figure both as the interactive mimetype (JupyterLab and VS Code draw
    that one, once) and as HTML (which nbconvert keeps), and put plotly.js into this cell's
    output once, so that `jupyter nbconvert --to html` of the executed notebook draws every
    chart, offline."""
    from IPython.display import display

    if os.environ.get("PLOTLY_RENDERER") or pio.renderers.default not in JUPYTER_DEFAULTS:
        return  # the reader's own choice, or a hosted notebook's (Colab sandboxes each output)
    pio.renderers[RENDERER] = _PlotlyDiv()
    pio.renderers.default = f"plotly_mimetype+{RENDERER}"
    display({"text/html": "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
                          f"<script>{get_plotlyjs()}</script>"},
            raw=True, metadata={MARK: {"plotly.js": plotly.__version__}})


def execute(notebook, timeout: int = 600):
    """Run every cell of `notebook` (an nbformat node, changed in place) in a fresh python3
    kernel started in the notebooks' folder, recording no execution timestamps."""
    from jupyter_core.paths import jupyter_runtime_dir
    from nbclient import NotebookClient
    from traitlets.config import Config

    # Unix sockets in the runtime folder rather than loopback TCP (which ipykernel warns of)
    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(parents=True, exist_ok=True)
    config = Config({"KernelManager": {"transport": "ipc", "ip": str(runtime / f"export-{os.getpid()}")}})
    NotebookClient(notebook, config=config, kernel_name="python3", timeout=timeout, record_timing=False,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return notebook


def figure_ids(notebook) -> list[str]:
    """The div id of every figure the executed notebook showed, in order; a figure shown
    without its HTML (no `show_charts_in_exports()`) counts as an empty id."""
    ids = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY_MIME in data:
                found = re.search(r'<div id="(plotly-[0-9a-f-]+)"', data.get("text/html", ""))
                ids.append(found.group(1) if found else "")
    return ids


def to_html(notebook) -> str:
    """The executed notebook as one HTML page, which loads plotly.js from plotly.min.js and
    nbconvert's stylesheet from notebook.css next to it (`stylesheet`), instead of embedding
    its own copies (4.8 MB and 0.3 MB a page)."""
    page, _ = _page_and_stylesheet(notebook)
    return page


def stylesheet() -> str:
    """The stylesheet every exported page links (the same for every notebook)."""
    import nbformat

    return _page_and_stylesheet(nbformat.v4.new_notebook())[1]


def _page_and_stylesheet(notebook) -> tuple[str, str]:
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if MARK in output.get("metadata", {}):
                output["data"]["text/html"] = f'<script charset="utf-8" src="{PLOTLY_JS}"></script>'
    title = next((line.lstrip("# ").strip() for cell in notebook.cells if cell.cell_type == "markdown"
                  for line in cell.source.splitlines() if line.startswith("# ")), "notebook")
    notebook.metadata["title"] = title
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({TEMPLATE: TEMPLATE_TEXT})],
                            template_file=TEMPLATE)
    html, _ = exporter.from_notebook_node(notebook)
    head, rest = html.split(CSS_START, 1)
    css, tail = rest.split(CSS_END, 1)
    return (f'{head}<link rel="stylesheet" href="{STYLESHEET}">{tail}',
            re.sub(r"</?style[^>]*>", "", css).strip() + "\n")


def export_all(out: Path, notebooks: list[Path]) -> None:
    """Execute each notebook and write OUT/<name>.html, with one plotly.min.js and one
    notebook.css beside them; a
    failing cell stops the export, naming its notebook."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    out.mkdir(parents=True, exist_ok=True)
    (out / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
    (out / STYLESHEET).write_text(stylesheet(), encoding="utf-8")
    for path in notebooks:
        try:
            notebook = execute(nbformat.read(path, as_version=4))
        except CellExecutionError as error:
            raise SystemExit(f"{path}: a cell failed\n{error}") from None
        target = out / f"{path.stem}.html"
        target.write_text(to_html(notebook), encoding="utf-8")
        charts = len(figure_ids(notebook))
        print(f"{target}: {charts} chart{'' if charts == 1 else 's'}", flush=True)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m sim.report.notebook OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    if out.exists() and not out.is_dir():
        print(f"{out}: not a folder", file=sys.stderr)
        return 2
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not notebooks:
        print(f"{NOTEBOOKS}: no notebooks", file=sys.stderr)
        return 2
    export_all(out, notebooks)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
