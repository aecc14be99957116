"""`community-sim report` of a `discover --out` folder: the peeling trajectory, the box's
limits and the pairs plot; text from the store is escaped; a crafted or damaged
discover.json is one plain line; and (slow) the page draws in Chromium on a desktop and a phone."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from browser import ARTIFACTS, check_report
from conftest import invoke, one_line_error
from test_discovery import KIND, QUALITY, planted_store

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_LEVEL = "<img src=x onerror=alert(2)>"
PAYLOAD = '<img src=x onerror=alert(3)><script>alert(4)</script>'
RAW_MARKERS = ("<img src=x", "<script>alert")


@pytest.fixture(scope="module")
def found(tmp_path_factory) -> Path:
    """A discover folder of a store whose sweep name and planted policy level are markup."""
    base = tmp_path_factory.mktemp("discover-report")
    store = planted_store(base / "store", name=HOSTILE_NAME, levels=(HOSTILE_LEVEL, "sla", "none"),
                          region=lambda q, k, kind: q < 0.45 and k > 0.8 and kind == HOSTILE_LEVEL)
    code, _, err = invoke("discover", store, "--kpi", "answer_rate_24h", "--below", "0.5", "--out", base / "found")
    assert code == 0, err
    return base / "found"


def _report(folder: Path, target: Path) -> tuple[int, str, str]:
    return invoke("report", folder, "-o", target)


def test_the_report_shows_the_box_and_escapes_store_text(found, tmp_path):
    code, _, err = _report(found, tmp_path / "r.html")
    assert code == 0, err
    page = (tmp_path / "r.html").read_text()
    assert page.count("Plotly.newPlot") == 3
    for words in ("Peeling trajectory", "The box against the sampled ranges", "The box's parameters, case by case",
                  "Cases of interest", "Coverage", "Density", "Restricted parameters", "feature score", QUALITY,
                  "the runs that fall short"):
        assert words in page, words
    assert not any(marker in page for marker in RAW_MARKERS), "text from the store reached the page raw"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    document = json.loads((found / "discover.json").read_text())
    limits = {row["parameter"]: row for row in document["limits"]}
    assert limits[KIND]["levels"] == [HOSTILE_LEVEL], "the planted level is the box's"


@pytest.mark.parametrize("box, figures", [(1, 3), (0, 1)])
def test_boxes_of_one_parameter_and_of_none_are_drawn(found, tmp_path, box, figures):
    store = found.parent / "store"
    code, _, err = invoke("discover", store, "--kpi", "answer_rate_24h", "--below", "0.5", "--box", box,
                          "--out", tmp_path / "found")
    assert code == 0, err
    code, _, err = _report(tmp_path / "found", tmp_path / "r.html")
    assert code == 0, err
    page = (tmp_path / "r.html").read_text()
    assert page.count("Plotly.newPlot") == figures
    if box == 0:
        assert "restricts no parameter" in page


def _set(path: tuple, value):
    def change(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return document
    return change


def _shorter_points(document):
    document["points"][QUALITY] = document["points"][QUALITY][:-1]
    return document


def _level_not_sampled(document):
    row = next(r for r in document["limits"] if r["parameter"] == KIND)
    row["levels"] = ["not sampled"]
    return document


def _box_outside_range(document):
    row = next(r for r in document["limits"] if r["parameter"] == QUALITY)
    row["low"], row["high"] = row["high"] + 1, row["low"]
    return document


def _score_missing(document):
    document["scores"] = document["scores"][1:]
    return document


def _flip_restricted(document):
    row = next(r for r in document["limits"] if r["parameter"] == QUALITY)
    row["restricted"] = not row["restricted"]
    return document


CRAFTED = {
    "kind": _set(("kind",), "facts"), "no limits": _set(("limits",), KeyError),
    "NaN threshold": _set(("definition", "threshold"), math.nan),
    "infinite coverage": _set(("trajectory", 3, "coverage"), math.inf),
    "coverage above one": _set(("trajectory", 3, "coverage"), 2.0),
    "density null": _set(("trajectory", 0, "density"), None),
    "box out of range": _set(("box", "box"), 999), "box as text": _set(("box", "box"), "2"),
    "no cases": _set(("definition", "cases"), 0), "definition a list": _set(("definition",), []),
    "empty trajectory": _set(("trajectory",), []), "boxes out of order": _set(("trajectory", 2, "box"), 7),
    "side": _set(("definition", "side"), "beside"), "points text": _set(("points", QUALITY, 0), "x"),
    "points flag": _set(("points", "case", 0), "yes"), "shorter points": _shorter_points,
    "level not sampled": _level_not_sampled, "box outside range": _box_outside_range, "score missing": _score_missing,
    "trajectory null": _set(("trajectory",), None), "restricted flag flipped": _flip_restricted,
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_discover_json_is_one_line(found, tmp_path, name):
    folder = tmp_path / "crafted"
    shutil.copytree(found, folder)
    document = CRAFTED[name](json.loads((folder / "discover.json").read_text()))
    (folder / "discover.json").write_text(json.dumps(document))  # NaN and Infinity as JSON's extension writes them
    code, _, err = _report(folder, tmp_path / "r.html")
    one_line_error(code, err, "discover.json")
    assert not (tmp_path / "r.html").exists(), "nothing is written on refusal"


@pytest.mark.parametrize("text", ["{broken", "[" * 100_000, "[1, 2]"])
def test_a_damaged_discover_json_is_one_line(found, tmp_path, text):
    folder = tmp_path / "damaged"
    shutil.copytree(found, folder)
    (folder / "discover.json").write_text(text)
    one_line_error(*_report(folder, tmp_path / "r.html")[::2], "discover.json")
    assert not (tmp_path / "r.html").exists()


def _string_paths(value, path=()):
    """The path of every string in a JSON document (a list's items taken together as '*')."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from _string_paths(item, (*path, "*"))


def _with_payload(node, path: tuple):
    head, *rest = path
    if head == "*":
        for index, item in enumerate(node):
            if rest:
                _with_payload(item, tuple(rest))
            elif isinstance(item, str):
                node[index] = PAYLOAD
    elif rest:
        _with_payload(node[head], tuple(rest))
    else:
        node[head] = PAYLOAD
    return node


def test_every_string_field_is_escaped_or_refused(found, tmp_path):
    """Each string of discover.json replaced in turn by markup: the page never holds it raw,
    and a refusal is one line."""
    template = json.loads((found / "discover.json").read_text())
    paths = list(dict.fromkeys(_string_paths(template)))
    shown = 0
    for path in paths:
        folder = tmp_path / "crafted"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(found, folder)
        (folder / "discover.json").write_text(json.dumps(_with_payload(json.loads(json.dumps(template)), path)))
        code, _, err = _report(folder, tmp_path / "r.html")
        if code == 0:
            shown += 1
            page = (tmp_path / "r.html").read_text()
            assert not any(marker in page for marker in RAW_MARKERS), path
        else:
            one_line_error(code, err, "discover.json")
    assert shown >= 5, f"only {shown} of {len(paths)} crafted files made a page"


@pytest.mark.slow
def test_the_discover_report_draws_in_chromium_on_a_desktop_and_a_phone(found, tmp_path):
    code, _, err = _report(found, tmp_path / "discover.html")
    assert code == 0, err
    desktop = check_report(tmp_path / "discover.html", screenshot=ARTIFACTS / "report-discover.png")
    assert desktop.console_errors == [] and desktop.dialogs == [] and desktop.outside_requests == []
    assert desktop.figures == desktop.drawn == 3, f"only {desktop.drawn} of {desktop.figures} figures drew"
    assert desktop.overflow == 0 and "answer_rate_24h" in desktop.heading
    phone = check_report(tmp_path / "discover.html", screenshot=ARTIFACTS / "report-discover-390.png", full_page=False,
                         width=390)
    assert phone.overflow == 0 and phone.drawn == 3 and phone.console_errors == [], "on a phone: no sideways scroll"
