"""The sweep store against a careless or hostile user (issue 13, classes 1, 4, 5 and 9): runs
of different code never mix, damaged or hand-edited stores are named and resumed past, paths
are taken literally, and a user's SQL reaches the store's runs and nothing else."""

from __future__ import annotations

import json
import os
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import TINY_SWEEP, invoke, one_line_error, snapshot
from sim.experiments import design, output
from sim.params.scenario import build_scenario


# 1. A store never mixes results of different code.

def test_run_ids_and_store_headers_name_the_models_source(store, monkeypatch):
    scenario = build_scenario()
    before = design.run_id(scenario, 1)
    header = json.loads(pq.read_schema(next((store / "runs").glob("chunk-*.parquet"))).metadata[b"community_sim"])
    assert header["model"] == design.MODEL_IDENTITY["model"] == json.loads((store / "sweep.json").read_text())["model"]
    monkeypatch.setitem(design.MODEL_IDENTITY, "model", "0123456789abcdef")  # as if a rule were edited
    assert design.run_id(scenario, 1) != before


def test_a_store_of_another_model_is_refused_with_how_to_start_anew(store, monkeypatch):
    before = snapshot(store)
    monkeypatch.setitem(design.MODEL_IDENTITY, "model", "0123456789abcdef")
    code, _, err = invoke("sweep", store.parent / "tiny.toml", "--out", store, "--workers", "1")
    one_line_error(code, err, "another model")
    assert "start a new store with --out" in err and snapshot(store) == before


def test_a_chunk_of_another_model_in_a_store_is_refused_when_read(store):
    chunk = next((store / "runs").glob("chunk-*.parquet"))
    table = pq.read_table(chunk)
    header = {**json.loads(table.schema.metadata[b"community_sim"]), "model": "0123456789abcdef"}
    pq.write_table(table.replace_schema_metadata({b"community_sim": json.dumps(header)}),
                   store / "runs" / "chunk-foreign.parquet")
    one_line_error(*invoke("results", store)[::2], "chunk-foreign.parquet")


# 4. Damaged or hand-edited stores are named, de-duplicated and resumed past.

def test_a_truncated_chunk_is_named_and_a_sweep_runs_its_runs_again(store):
    chunk = next((store / "runs").glob("chunk-*.parquet"))
    stored = set(pq.read_table(chunk).column("run_id").to_pylist())
    chunk.write_bytes(chunk.read_bytes()[:100])
    code, _, err = invoke("results", store)
    one_line_error(code, err, chunk.name)
    assert "run the sweep again" in err
    code, out, err = invoke("sweep", store.parent / "tiny.toml", "--out", store, "--workers", "1")
    assert code == 0 and f"{chunk.name} was damaged" in err
    rows = pd.read_parquet(store / "runs")
    assert stored <= set(rows.run_id) and len(rows) == rows.run_id.nunique() == 4
    assert (store / "damaged" / chunk.name).exists(), "the damaged file is kept, out of the store"


def test_a_duplicated_chunk_counts_once(store):
    chunk = next((store / "runs").glob("chunk-*.parquet"))
    (store / "runs" / "chunk-copy.parquet").write_bytes(chunk.read_bytes())
    code, out, _ = invoke("results", store, "--query", "SELECT count(*) AS n, count(DISTINCT run_id) AS d FROM runs")
    assert code == 0 and out.split()[-2:] == ["4", "4"], out
    code, out, _ = invoke("results", store)
    runs = [re.search(r"\s(\d+)\s+[\d.]+ %", line).group(1) for line in out.splitlines()[1:3]]  # the runs column
    assert code == 0 and runs == ["2", "2"], out


@pytest.mark.parametrize("damage", ["{broken", "[1, 2]", "[" * 100_000])
def test_a_broken_sweep_json_is_named(store, damage):
    (store / "sweep.json").write_text(damage)
    for args in (["results", store], ["sweep", store.parent / "tiny.toml", "--out", store, "--workers", "1"],
                 ["report", store, "-o", store.parent / "r.html"]):
        one_line_error(*invoke(*args)[::2], "sweep.json")


# 5. Paths are taken literally.

def test_a_store_path_with_glob_characters_reads_that_folder(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_SWEEP)
    for folder, quality in (("st[1]", "0.3"), ("st1", "0.9")):
        (tmp_path / folder).mkdir()
        code, _, err = invoke("sweep", tmp_path / "tiny.toml", "--out", tmp_path / folder / "s", "--workers", "1",
                              "--set", f'sweep.parameters={{"behaviour.search_quality"=[{quality}]}}')
        assert code == 0, err
    code, out, _ = invoke("results", tmp_path / "st[1]" / "s")
    assert code == 0 and re.search(r"answer_rate_24h\s+(\S+)", out).group(1) == "0.3", out  # the level read


@pytest.mark.parametrize("landed", [True, False])
def test_a_chunk_whose_commit_was_cut_short_is_resolved_before_a_resume_counts(store, landed):
    """Killed holding the journal: if the chunk's runs file (renamed last) landed, the chunk is
    whole and counts; if only its daily file landed, that is removed and the runs run again.
    Either way every run ends in the store once."""
    chunk = next((store / "runs").glob("chunk-*.parquet"))
    in_chunk = pq.read_table(chunk).num_rows
    (store / "daily").mkdir()
    (store / "daily" / chunk.name).write_bytes(b"a daily chunk")
    if not landed:
        chunk.unlink()
    entries = [[f"daily/{chunk.name}", None], [f"runs/{chunk.name}", None]]
    (store / output.JOURNAL).write_text(json.dumps({"entries": entries}))
    code, out, err = invoke("sweep", store.parent / "tiny.toml", "--out", store, "--workers", "1")
    assert code == 0, err
    rows = pd.read_parquet(store / "runs")
    assert len(rows) == rows.run_id.nunique() == 4 and not (store / output.JOURNAL).exists()
    assert f"({4 if landed else 4 - in_chunk} already in the store)" in out
    assert (store / "daily" / chunk.name).exists() == landed


@pytest.mark.parametrize("where", ["sweep.json", "runs/chunk-pipe.parquet"])
def test_a_pipe_in_a_store_is_refused_not_read_for_ever(store, where):
    (store / where).unlink(missing_ok=True)
    os.mkfifo(store / where)
    one_line_error(*invoke("results", store)[::2], where.split("/")[-1])


def test_a_store_whose_daily_folder_is_a_link_is_refused_and_the_other_folder_kept(store, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "chunk-precious.parquet").write_bytes(b"data")
    (store / "daily").symlink_to(other)
    one_line_error(*invoke("sweep", store.parent / "tiny.toml", "--out", store, "--workers", "1")[::2], "daily")
    assert (other / "chunk-precious.parquet").read_bytes() == b"data"


def test_a_query_result_no_format_can_hold_is_one_line(store, tmp_path):
    code, _, err = invoke("results", store, "--query", "SELECT map([1], [2]) AS m", "--export", tmp_path / "m.parquet")
    one_line_error(code, err, "--export")
    assert not (tmp_path / "m.parquet").exists()


def test_a_chunk_header_nested_too_deeply_is_a_damaged_chunk(store):
    chunk = next((store / "runs").glob("chunk-*.parquet"))
    table = pq.read_table(chunk)
    pq.write_table(table.replace_schema_metadata({b"community_sim": b"[" * 100_000}), chunk)
    one_line_error(*invoke("results", store)[::2], chunk.name)


# 9. User SQL reaches the store's runs and nothing else.

@pytest.mark.parametrize("sql", ["COPY runs TO '{dir}/leak.csv'", "ATTACH '{dir}/leak.db'", "SELECT * FROM read_csv('/etc/passwd')",
                                 "INSTALL httpfs", "SET enable_external_access = true", "SELECT * FROM '{dir}/tiny.toml'",
                                 "CREATE TABLE leak AS SELECT * FROM read_text('/etc/hostname')"])
def test_queries_cannot_reach_outside_the_store(store, sql):
    before = snapshot(store.parent)
    code, _, err = invoke("results", store, "--query", sql.format(dir=store.parent))
    one_line_error(code, err, "--query")
    assert snapshot(store.parent) == before


def test_export_to_an_unknown_format_is_refused_before_the_table_prints(store):
    code, out, err = invoke("results", store, "--export", store.parent / "r.json")
    one_line_error(code, err, "--export")
    assert out == ""
