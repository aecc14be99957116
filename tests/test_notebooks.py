"""The strategist notebooks run end to end in a fresh kernel of this interpreter, each ends
with an interactive chart and a conclusion written from its numbers, every chart survives a
static HTML export (nbconvert's, and the one shipped in docs/notebooks/) and draws offline,
and the committed files carry no outputs."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter
from plotly.offline import get_plotlyjs

from browser import check_report
from conftest import ROOT
from sim.report.notebook import PLOTLY_JS, PLOTLY_MIME, STYLESHEET, execute, figure_ids, stylesheet, to_html

NOTEBOOKS_DIR = ROOT / "notebooks"
DOCS = ROOT / "docs" / "notebooks"
EXPECTED = ["01_quickstart.ipynb", "02_reward_schemes.ipynb", "03_response_policies.ipynb",
            "04_standing_ovation.ipynb", "05_sweeps_and_sensitivity.ipynb", "06_policy_search.ipynb"]
IDS = [name.split("_", 1)[0] for name in EXPECTED]
# Run first, before the notebook's own cells: which `sim` does the kernel import?
PROBE = "import sim as _probe_sim, sys as _probe_sys; print(_probe_sim.__file__); print(_probe_sys.executable)"
PLOTLY_JS_BANNER = "* plotly.js v"  # the first line of an embedded copy of plotly.js


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_the_six_notebooks_are_there():
    assert [path.name for path in _notebooks()] == EXPECTED


def test_committed_notebooks_have_no_outputs():
    dirty = []
    for path in _notebooks():
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == "python3", path.name
        dirty += [f"{path.name} cell {index}" for index, cell in enumerate(notebook.cells)
                  if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"strip the outputs and execution counts of: {', '.join(dirty)}"


def test_every_notebook_has_its_page_in_docs():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    assert PLOTLY_JS_BANNER in (DOCS / PLOTLY_JS).read_text(encoding="utf-8")[:100], f"{DOCS / PLOTLY_JS} is not plotly.js"
    css = stylesheet()
    assert (DOCS / STYLESHEET).read_text(encoding="utf-8") == css, f"{DOCS / STYLESHEET}: run make notebooks-html"
    for path in _notebooks():
        page = DOCS / f"{path.stem}.html"
        assert page.is_file(), f"{page} is missing: run make notebooks-html"
        assert f"]({page.name})" in index, f"docs/notebooks/README.md does not link {page.name}"
        shown = page.read_text(encoding="utf-8")
        assert f'href="{STYLESHEET}"' in shown and css[:2000] not in shown, (
            f"{page.name} embeds nbconvert's stylesheet instead of linking {STYLESHEET}")
    assert sorted(p.stem for p in DOCS.glob("*.html")) == [p.stem for p in _notebooks()], "a page of no notebook"


def _page_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("name", EXPECTED, ids=IDS)
def test_shipped_page_shows_the_current_code(name):
    """A notebook edited after its page was made is caught: every code cell of the notebook
    is in its page (run make notebooks-html to refresh it)."""
    text = _page_text((DOCS / name.replace(".ipynb", ".html")).read_text(encoding="utf-8"))
    stale = [index for index, cell in enumerate(nbformat.read(NOTEBOOKS_DIR / name, as_version=4).cells)
             if cell.cell_type == "code" and cell.source.strip() not in text]
    assert not stale, f"docs/notebooks/{name} shows old code in cells {stale}: run make notebooks-html"


def _listing() -> list[str]:
    return sorted(p.name for p in NOTEBOOKS_DIR.iterdir())


@cache
def _executed(name: str):
    """The notebook executed once per test session (the run and the export tests share it),
    the probe's printout, and the files it left next to the notebooks."""
    notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    before = _listing()
    execute(notebook, timeout=300)  # a failing cell raises CellExecutionError, naming the cell and the error
    probe = notebook.cells.pop(0)
    return notebook, "".join(output.get("text", "") for output in probe.outputs), sorted(set(_listing()) - set(before))


def _data(outputs, mime: str) -> list:
    return [output["data"][mime] for output in outputs if mime in output.get("data", {})]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED, ids=IDS)
def test_notebook_runs_and_ends_with_a_chart_and_a_conclusion(name):
    notebook, probe, written = _executed(name)
    kernel_sim = Path(probe.splitlines()[0])
    assert kernel_sim.resolve() == (ROOT / "sim" / "__init__.py").resolve(), \
        f"the kernel imported sim from {kernel_sim}, not from this project"
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    assert _data(last.outputs, PLOTLY_MIME), f"{name}: the last code cell shows no plotly figure"
    conclusions = _data(last.outputs, "text/markdown")
    assert conclusions and "Conclusion" in conclusions[-1], f"{name}: the last code cell writes no conclusion"
    assert not written, f"{name} wrote files next to the notebooks: {written}"


def _divs(page: str) -> list[str]:
    """The ids of the page's plotly divs, in order (nbconvert sorts a tag's attributes)."""
    return [re.search(r'id="([^"]*)"', tag).group(1) for tag in re.findall(r'<div [^>]*class="plotly-graph-div"[^>]*>', page)]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED, ids=IDS)
def test_static_export_has_every_chart(name):
    """Each figure the notebook showed is one drawn div in `jupyter nbconvert --to html`'s page
    (with plotly.js embedded once) and in the page shipped in docs/notebooks/ (which loads
    the shared plotly.min.js and nothing from the network)."""
    notebook, _, _ = _executed(name)
    ids = figure_ids(notebook)
    assert ids, f"{name} showed no figure"
    assert all(ids), f"{name}: {ids.count('')} of {len(ids)} figures carry no HTML (call show_charts_in_exports())"
    assert len(set(ids)) == len(ids), f"{name}: two figures share a div id: {ids}"

    plain, _ = HTMLExporter().from_notebook_node(notebook)  # what `jupyter nbconvert --to html` does
    assert _divs(plain) == ids, f"{name}: nbconvert's page draws {len(_divs(plain))} of {len(ids)} figures"
    assert plain.count(PLOTLY_JS_BANNER) == 1, f"{name}: nbconvert's page should embed plotly.js once"
    assert plain.count("Plotly.newPlot(") == len(ids)

    shipped = to_html(notebook)
    assert _divs(shipped) == ids, f"{name}: the shipped page draws {len(_divs(shipped))} of {len(ids)} figures"
    assert shipped.count(f'src="{PLOTLY_JS}"') == 1 and PLOTLY_JS_BANNER not in shipped
    assert not re.findall(r'<script[^>]+src="(?:https?:)?//', shipped), f"{name}: the shipped page loads a script from the network"


@pytest.mark.slow
def test_exported_notebook_draws_every_chart_offline(tmp_path):
    """The export of a freshly executed notebook, opened from disk in Chromium with every
    network request refused: every chart draws, with no console error."""
    notebook, _, _ = _executed(EXPECTED[0])
    page = tmp_path / "01_quickstart.html"
    page.write_text(to_html(notebook), encoding="utf-8")
    (tmp_path / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
    (tmp_path / STYLESHEET).write_text(stylesheet(), encoding="utf-8")
    check = check_report(page)
    assert check.figures == check.drawn == len(figure_ids(notebook)), check
    assert not check.console_errors and not check.outside_requests, check
    assert check.heading.startswith("01 · Quickstart")


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED, ids=IDS)
def test_shipped_page_draws_every_chart_offline(name):
    page = DOCS / name.replace(".ipynb", ".html")
    check = check_report(page)
    assert check.figures == check.drawn == len(_divs(page.read_text(encoding="utf-8"))) > 0, check
    assert not check.console_errors and not check.outside_requests, check
