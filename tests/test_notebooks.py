"""The strategist notebooks run end to end in a fresh kernel of this interpreter, each ends
with an interactive chart and a conclusion written from its numbers, and the committed files
carry no outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

pytestmark = pytest.mark.slow  # executes every notebook

NOTEBOOKS_DIR = ROOT / "notebooks"
EXPECTED = ["01_quickstart.ipynb", "02_reward_schemes.ipynb", "03_response_policies.ipynb",
            "04_standing_ovation.ipynb", "05_sweeps_and_sensitivity.ipynb", "06_policy_search.ipynb"]
PLOTLY = "application/vnd.plotly.v1+json"
# Run first, before the notebook's own cells: which `sim` does the kernel import?
PROBE = "import sim as _probe_sim, sys as _probe_sys; print(_probe_sim.__file__); print(_probe_sys.executable)"


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


def _data(outputs, mime: str) -> list:
    return [output["data"][mime] for output in outputs if mime in output.get("data", {})]


@pytest.mark.parametrize("name", EXPECTED, ids=[name.split("_", 1)[0] for name in EXPECTED])
def test_notebook_runs_and_ends_with_a_chart_and_a_conclusion(name):
    notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    before = sorted(p.name for p in NOTEBOOKS_DIR.iterdir())
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    client.execute()  # a failing cell raises CellExecutionError, naming the cell and the error

    probe = "".join(output.get("text", "") for output in notebook.cells[0].outputs)
    kernel_sim = Path(probe.splitlines()[0])
    assert kernel_sim.resolve() == (ROOT / "sim" / "__init__.py").resolve(), \
        f"the kernel imported sim from {kernel_sim}, not from this project"
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    assert _data(last.outputs, PLOTLY), f"{name}: the last code cell shows no plotly figure"
    conclusions = _data(last.outputs, "text/markdown")
    assert conclusions and "Conclusion" in conclusions[-1], f"{name}: the last code cell writes no conclusion"
    assert sorted(p.name for p in NOTEBOOKS_DIR.iterdir()) == before, f"{name} wrote files next to the notebooks"
