"""Property-based: damaged and crafted result folders (run, compare, sweep and roi outputs) put to
`report` and `results`. The contract, as for every hostile input (tests/test_hostile_input.py):
exit 0, or exit 2 with exactly one line naming the folder or its file; never a traceback; the
folder is never changed by reading it; nothing is written on refusal; and no text from the
folder reaches the page unescaped. 200 examples at a fixed seed in the fast tier, more in the slow."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import strategies as st

from conftest import ROOT, TINY_SWEEP, invoke, snapshot
from sim.experiments.output import text_columns
from test_hostile_input import PAYLOAD, assert_contract, run_property

PROFILES = [pytest.param(200, id="200"), pytest.param(500, id="500", marks=pytest.mark.slow)]  # a report is slower

RAW_MARKERS = ("<img src=x", "<script>alert")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """Real run, compare, sweep and roi folders, the templates that examples damage."""
    root = tmp_path_factory.mktemp("outputs")
    (root / "tiny.toml").write_text(TINY_SWEEP)
    for args in (("run", root / "tiny.toml", "--out", root / "run"),
                 ("compare", root / "tiny.toml", ROOT / "scenarios" / "baseline.toml", "--replicates", "2",
                  "--set", "population.members=150", "--days", "4", "--workers", "1", "--out", root / "compare"),
                 ("sweep", root / "tiny.toml", "--out", root / "sweep", "--workers", "1"),
                 ("roi", root / "tiny.toml", "--replicates", "2", "--workers", "1", "--out", root / "roi")):
        code, _, err = invoke(*args)
        assert code == 0, err
    return root


def write_like(table, path: Path) -> None:
    """Write an edited table where it came from, keeping a store chunk's header (a hand edit
    that kept it: the chunk is then read, and its text must be escaped)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.suffix == ".csv":
        table.to_csv(path, index=False)
        return
    header = {k: v for k, v in (pq.read_schema(path).metadata or {}).items() if k == b"community_sim"}
    edited = pa.Table.from_pandas(table, preserve_index=False)
    pq.write_table(edited.replace_schema_metadata({**(edited.schema.metadata or {}), **header}), path)


def _json_mutation(document, path: list, value):
    """The document with the value at `path` (keys or indexes, as far as they reach) replaced."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    key = list(document)[path[0] % len(document)] if isinstance(document, dict) else path[0] % len(document)
    document[key] = _json_mutation(document[key], path[1:], value)
    return document


JSON_VALUES = st.one_of(st.just(PAYLOAD), st.text(max_size=10), st.floats(), st.integers(-2**65, 2**65),
                        st.none(), st.booleans(), st.just([]), st.just({}), st.just({PAYLOAD: PAYLOAD}),
                        st.just([PAYLOAD]))
MUTATIONS = st.one_of(
    st.tuples(st.just("json"), st.lists(st.integers(0, 50), max_size=5), JSON_VALUES),
    st.tuples(st.just("key"), st.lists(st.integers(0, 50), max_size=4), st.just(PAYLOAD)),
    st.tuples(st.just("raw"), st.integers(0, 10), st.one_of(st.binary(max_size=50), st.sampled_from(
        [b"[" * 50_000, b'{"kpis": NaN}', b"Infinity", b"\xff\xfe"]))),
    st.tuples(st.just("truncate"), st.integers(0, 10), st.integers(0, 400)),
    st.tuples(st.just("delete"), st.integers(0, 10), st.none()),
    st.tuples(st.just("column"), st.integers(0, 10), st.sampled_from([PAYLOAD, "drop", "text"])),
    st.tuples(st.just("swap"), st.integers(0, 10), st.sampled_from(["symlink", "folder", "duplicate", "journal"])))


def damage(folder: Path, mutation: tuple) -> None:
    import pandas as pd

    kind, where, value = mutation
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    json_files = [p for p in files if p.suffix == ".json"]
    if kind in ("json", "key"):
        try:  # an earlier mutation may have broken or removed it: then there is nothing to edit
            path = json_files[where[0] % len(json_files) if where else 0]
            document = json.loads(path.read_text())
        except (IndexError, ValueError, ZeroDivisionError, RecursionError):
            return
        if kind == "key" and isinstance(document, dict):  # a hostile parameter name, in the scenario's table and the swept list
            scenarios = list(document.get("scenarios", {}).values()) or [document.get("scenario")]
            for scenario in scenarios:
                if isinstance(scenario, dict):
                    scenario[PAYLOAD] = {PAYLOAD: PAYLOAD}
            if isinstance(document.get("parameters"), list):
                document["parameters"].append(PAYLOAD)
        else:
            document = _json_mutation(document, where, value)
        path.write_text(json.dumps(document))
        return
    if not files:
        return
    path = files[where % len(files)]
    if kind == "raw":
        path.write_bytes(value)
    elif kind == "truncate":
        path.write_bytes(path.read_bytes()[:value])
    elif kind == "delete":
        path.unlink()
    elif kind == "column" and path.suffix in (".parquet", ".csv"):
        try:
            table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        except Exception:  # already damaged
            return
        if value == "drop" and len(table.columns):
            table = table.drop(columns=table.columns[where % len(table.columns)])
        elif value == "text" and len(table.columns):
            table[table.columns[where % len(table.columns)]] = PAYLOAD
        else:
            table = table.rename(columns={table.columns[where % len(table.columns)]: PAYLOAD}) if len(table.columns) else table
        if not table.columns.duplicated().any():
            write_like(table, path)
    elif kind == "swap":
        if value == "symlink":
            path.unlink()
            path.symlink_to("/etc/hostname")
        elif value == "folder":
            path.unlink()
            path.mkdir()
        elif value == "duplicate" and not path.name.startswith("chunk-copy"):
            shutil.copy(path, path.with_name("chunk-copy" + path.suffix))
        elif value == "journal":
            (folder / ".community-sim-journal.json").write_text('{"entries": [["../../x", null]]}')


@pytest.mark.parametrize("examples", PROFILES)
def test_damaged_and_crafted_result_folders(examples, outputs, workdir):
    def check(case: tuple[str, list[tuple]]) -> None:
        kind, mutations = case
        folder = workdir / kind
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(workdir / "page", ignore_errors=True)
        shutil.copytree(outputs / kind, folder, symlinks=True)
        for mutation in mutations:
            damage(folder, mutation)
        before = snapshot(folder)
        (workdir / "page").mkdir()
        code, out, err = invoke("report", folder, "-o", workdir / "page" / "r.html")
        assert_contract(code, out, err, (str(folder),))
        if code == 0:
            page = (workdir / "page" / "r.html").read_text()
            assert not any(marker in page for marker in RAW_MARKERS), "text from the folder reached the page raw"
        else:
            assert not any((workdir / "page").iterdir()), "nothing is written on refusal"
        if kind == "sweep":
            assert_contract(*invoke("results", folder), (str(folder),))
        assert snapshot(folder) == before, "reading a folder never changes it"

    run_property(examples, st.tuples(st.sampled_from(["run", "compare", "sweep", "roi"]),
                                     st.lists(MUTATIONS, min_size=1, max_size=3)), check)


def _string_leaves(value, path=()):
    """Every string field of a JSON document by its path, items of a list taken together ('*'),
    as ('value', path); and every table, whose keys are marked up together, as ('keys', path)."""
    if isinstance(value, str):
        yield ("value", path)
    elif isinstance(value, dict):
        yield ("keys", path)
        for key, item in value.items():
            yield from _string_leaves(item, path + (key,))
    elif isinstance(value, list):
        for item in value:
            yield from _string_leaves(item, path + ("*",))


def _with_payload(node, kind: str, path: tuple):
    """The document with the field at `path` (in every item, at a '*') replaced by markup, or
    with every key of the table at `path` prefixed by it."""
    if not path:  # the table whose keys are to be marked up
        marked = {PAYLOAD + str(key): item for key, item in node.items()}
        node.clear()
        node.update(marked)
        return node
    head, *rest = path
    if head == "*" and not rest:  # a list of strings
        node[:] = [PAYLOAD if isinstance(item, str) else item for item in node]
    elif head == "*":
        for item in node:
            _with_payload(item, kind, tuple(rest))
    elif not rest and kind == "value":
        node[head] = PAYLOAD
    elif head in node:
        _with_payload(node[head], kind, tuple(rest))
    return node


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "roi"])
def test_every_string_field_the_report_reads_is_escaped(kind, outputs, workdir):
    """Each string field (and key) of the folder's JSON and each text column of its tables,
    replaced in turn by markup, and then all headings of each table at once: the page never
    holds the markup raw, and a refusal is one line."""
    import pandas as pd

    template = outputs / kind
    cases = []
    for path in sorted(template.rglob("*.json")):
        leaves = dict.fromkeys(_string_leaves(json.loads(path.read_text())))
        cases += [(path.relative_to(template), "json", leaf) for leaf in leaves]
    for path in sorted([*template.rglob("*.csv"), *template.rglob("*.parquet")]):
        table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        cases += [(path.relative_to(template), "cells", column) for column in text_columns(table)]
        cases.append((path.relative_to(template), "headings", None))
    shown = 0
    for relative, how, where in cases:
        folder = workdir / kind
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(template, folder)
        target = folder / relative
        if how == "json":
            target.write_text(json.dumps(_with_payload(json.loads(target.read_text()), *where)))
        else:
            table = pd.read_parquet(target) if target.suffix == ".parquet" else pd.read_csv(target)
            table = (table.rename(columns={c: f"{PAYLOAD}{i}" for i, c in enumerate(table.columns)}) if how == "headings"
                     else table.assign(**{where: PAYLOAD}))
            write_like(table, target)
        code, out, err = invoke("report", folder, "-o", workdir / "r.html")
        assert_contract(code, out, err, (str(folder),))
        if code == 0:
            shown += 1
            page = (workdir / "r.html").read_text()
            assert not any(marker in page for marker in RAW_MARKERS), (relative, how, where)
    assert shown >= len(cases) // 2, f"only {shown} of {len(cases)} crafted folders made a page"
