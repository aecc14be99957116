"""`community-sim discover`: PRIM finds a box that was planted in a hand-built store, and bad
input (options, KPIs, thresholds, folders, damaged stores) is one plain line, exit 2,
with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import invoke, one_line_error, snapshot
from sim.experiments.design import MODEL_IDENTITY
from sim.experiments.discovery import choose_box, discover
from sim.experiments.store import RunStore

QUALITY, KUDOS, MEMBERS, KIND = "behaviour.search_quality", "rewards.kudos_weight", "population.members", "policy.forum.kind"
PARAMETERS = [QUALITY, KUDOS, MEMBERS, KIND]
HEADER = {"base_id": "planted", **MODEL_IDENTITY}


def planted_store(folder: Path, n: int = 300, seed: int = 1, region=None, replicates: int = 1, undefined: int = 0,
                  name: str = "planted", levels=("none", "sla", "immediate")) -> Path:
    """A store of `n` design points x `replicates` runs: answer_rate_24h is near 0.3 exactly
    where `region(q, k, kind)` holds (default: search quality < 0.4 and kudos weight > 1.2)
    and near 0.7 elsewhere; members and, by default, the forum policy are noise. The first
    `undefined` runs have no deflection_rate (NaN). The column `inside` marks the region."""
    region = region or (lambda q, k, kind: q < 0.4 and k > 1.2)
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    (folder / "sweep.json").write_text(json.dumps({"name": name, **HEADER, "design": "lhs", "parameters": PARAMETERS,
                                                   "scenario": {"costs": {"currency": "$"}}}))
    rows = []
    for point in range(n):
        q, k = float(rng.uniform(0.2, 0.9)), float(rng.uniform(0.0, 2.0))
        members, kind = int(rng.integers(500, 5000)), str(rng.choice(levels))
        inside = bool(region(q, k, kind))
        for replicate in range(replicates):
            rows.append({"run_id": f"r{point:04d}-{replicate}", "seed": replicate, "replicate": replicate, QUALITY: q,
                         KUDOS: k, MEMBERS: members, KIND: kind, "inside": inside,
                         "answer_rate_24h": (0.3 if inside else 0.7) + float(rng.normal(0, 0.03)),
                         "deflection_rate": float("nan") if len(rows) < undefined else float(rng.uniform())})
    half = len(rows) // 2
    RunStore(folder).append(rows[:half], HEADER)
    RunStore(folder).append(rows[half:], HEADER)
    return folder


def region_in_box(found: dict, store: Path) -> float:
    """The share of the planted region's cases that the chosen box holds."""
    inside = pd.read_parquet(store / "runs").set_index("run_id").inside
    analysed = found["cases"]
    return float(analysed.in_box[inside.loc[analysed.run_id].to_numpy()].mean())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prim_finds_the_planted_box(tmp_path, seed):
    store = planted_store(tmp_path / "store", seed=seed)
    found = discover(store, "answer_rate_24h", below=0.5)
    box, limits = found["box"].iloc[0], found["limits"].set_index("parameter")
    assert box.density >= 0.8 and box.coverage >= 0.9, box
    assert region_in_box(found, store) >= 0.95, "the box covers the planted region"
    assert {QUALITY, KUDOS} <= set(limits.index[limits.restricted])
    assert limits.loc[QUALITY, "low"] == limits.loc[QUALITY, "sampled_low"] and abs(limits.loc[QUALITY, "high"] - 0.4) < 0.035
    assert limits.loc[KUDOS, "high"] == limits.loc[KUDOS, "sampled_high"] and abs(limits.loc[KUDOS, "low"] - 1.2) < 0.1
    assert not limits.loc[KIND, "restricted"], "the noise policy is left alone"
    assert set(found["scores"].parameter[:2]) == {QUALITY, KUDOS}
    assert found["scores"].score.sum() == pytest.approx(1.0)
    trajectory = found["trajectory"]
    assert trajectory.box.tolist() == list(range(len(trajectory))) and trajectory.coverage.iloc[0] == 1.0
    assert found["definition"].iloc[0]["cases"] == int(found["cases"].case.sum())


def test_a_box_on_levels_keeps_the_level_planted(tmp_path):
    store = planted_store(tmp_path / "store", region=lambda q, k, kind: q < 0.4 and kind == "none")
    found = discover(store, "answer_rate_24h", below=0.5)
    limits = found["limits"].set_index("parameter")
    assert limits.loc[KIND, "kind"] == "levels" and limits.loc[KIND, "levels"] == ["none"]
    assert sorted(limits.loc[KIND, "sampled_levels"]) == ["immediate", "none", "sla"]
    assert found["box"].iloc[0].density >= 0.8 and region_in_box(found, store) >= 0.95


def test_per_point_averages_replicates_and_per_run_keeps_them(tmp_path):
    store = planted_store(tmp_path / "store", n=120, replicates=3)
    runs = discover(store, "answer_rate_24h", below=0.5)
    points = discover(store, "answer_rate_24h", below=0.5, per="point")
    assert len(runs["cases"]) == 360 and len(points["cases"]) == 120
    assert set(points["cases"].runs) == {3}
    assert points["box"].iloc[0].density >= 0.8


def test_the_default_box_is_the_widest_dense_one_and_box_n_picks_another(tmp_path):
    trajectory = pd.DataFrame({"box": [0, 1, 2, 3], "coverage": [1.0, 0.95, 0.9, 0.7],
                               "density": [0.2, 0.7, 0.85, 1.0]})
    assert choose_box(trajectory, 0.8)[0] == 2
    assert choose_box(trajectory, 0.99)[0] == 3
    assert choose_box(trajectory.assign(density=[0.2, 0.3, 0.4, 0.5]), 0.8) == (3, "no box reaches density 80%: the densest box")
    store = planted_store(tmp_path / "store")
    found = discover(store, "answer_rate_24h", below=0.5, box=1)
    assert found["box"].iloc[0].box == 1 and found["trajectory"].restricted.iloc[1] == 1
    assert found["limits"].restricted.sum() == 1


def test_the_cli_prints_the_box_and_writes_its_files(tmp_path):
    store = planted_store(tmp_path / "store", undefined=7)
    out = tmp_path / "found"
    code, text, err = invoke("discover", store, "--kpi", "answer_rate_24h", "--below", "0.5", "--out", out)
    assert code == 0, err
    for words in ("answer_rate_24h (Questions answered within 24 h) below 0.5 (50.0 %): the runs that fall short",
                  "of 300 runs are cases", "coverage", "density", QUALITY, "feature scores", "quasi-p"):
        assert words in text, words
    assert sorted(p.name for p in out.iterdir()) == ["box_limits.csv", "cases.csv", "discover.json",
                                                     "feature_scores.csv", "trajectory.csv"]
    document = json.loads((out / "discover.json").read_text())
    assert document["kind"] == "discover" and document["definition"]["rows"] == 300
    assert len(document["points"]["case"]) == 300 and set(document["points"]) >= {QUALITY, "answer_rate_24h", "in_box"}
    assert len(pd.read_csv(out / "cases.csv")) == 300
    code, text, err = invoke("discover", store, "--kpi", "deflection_rate", "--above", "0.5")
    assert code == 0, err
    assert "of 293 runs are cases" in text and "left out: 7 run(s) whose deflection_rate is undefined" in text


def test_dry_run_says_what_would_be_analysed_and_writes_nothing(tmp_path):
    store = planted_store(tmp_path / "store", undefined=4)
    before = snapshot(store)
    code, text, err = invoke("discover", store, "--kpi", "deflection_rate", "--below", "0.5", "--dry-run", "--out",
                             tmp_path / "found")
    assert code == 0, err
    assert "of 296 runs are cases" in text and "left out: 4 run(s)" in text and "nothing was run or written" in text
    assert "box" not in text.split("dry run")[0].split("parameters:")[0]
    assert not (tmp_path / "found").exists() and snapshot(store) == before


def test_a_real_tiny_sweep_store_is_analysed(store):
    """The conftest store: a real sweep of two levels of search quality, two replicates each."""
    means = pd.read_parquet(store / "runs").groupby("behaviour.search_quality").self_service_rate.mean()
    threshold = float(means.mean())  # between the two points' means: one point is a case
    code, text, err = invoke("discover", store, "--kpi", "self_service_rate", "--below", threshold, "--per", "point")
    assert code == 0, err
    assert "1 of 2 design points are cases" in text and "behaviour.search_quality" in text
    assert "coverage 100.0%" in text


def _no_runs(folder: Path) -> Path:
    folder.mkdir()
    (folder / "runs").mkdir()
    (folder / "sweep.json").write_text(json.dumps({"name": "empty", **HEADER, "parameters": [QUALITY]}))
    return folder


def _damage(store: Path, how: str) -> None:
    chunks = sorted((store / "runs").glob("chunk-*.parquet"))
    chunk = chunks[0]
    description = json.loads((store / "sweep.json").read_text())
    if how == "truncated chunk":
        chunk.write_bytes(chunk.read_bytes()[:200])
    elif how == "broken sweep.json":
        (store / "sweep.json").write_text("{broken")
    elif how == "parameters not a list":
        (store / "sweep.json").write_text(json.dumps({**description, "parameters": {"a": 1}}))
    elif how == "no parameters":
        (store / "sweep.json").write_text(json.dumps({**description, "parameters": []}))
    elif how == "unknown parameter":
        (store / "sweep.json").write_text(json.dumps({**description, "parameters": [QUALITY, "rewards.nothing"]}))
    elif how == "no sweep.json":
        (store / "sweep.json").unlink()
    else:  # a hand edit that kept each chunk's header: text in one chunk, or in all, or an infinite value
        import pyarrow as pa
        import pyarrow.parquet as pq

        for path in chunks[:1] if how != "text KPI everywhere" else chunks:
            table = pq.read_table(path)
            frame = table.to_pandas()
            if how.startswith("text KPI"):
                frame["answer_rate_24h"] = "high"
            else:
                frame.loc[0, QUALITY] = float("inf")
            edited = pa.Table.from_pandas(frame, preserve_index=False)
            pq.write_table(edited.replace_schema_metadata({**(edited.schema.metadata or {}),
                                                           b"community_sim": table.schema.metadata[b"community_sim"]}), path)


OPTIONS = [
    (["--kpi", "answer_rate_42h", "--below", "0.5"], "did you mean 'answer_rate_24h'"),
    (["--kpi", "cost_total", "--below", "0.5"], "no KPI 'cost_total'"),
    (["--kpi", "answer_rate_24h", "--below", "0.5", "--above", "0.2"], "give exactly one"),
    (["--kpi", "answer_rate_24h"], "give exactly one"),
    (["--kpi", "answer_rate_24h", "--below", "nan"], "--below"),
    (["--kpi", "answer_rate_24h", "--above", "inf"], "--above"),
    (["--kpi", "answer_rate_24h", "--below", "0.01"], "selects none"),
    (["--kpi", "answer_rate_24h", "--below", "5"], "selects every one"),
    (["--kpi", "answer_rate_24h", "--above", "0.5", "--box", "500"], "--box"),
    (["--kpi", "answer_rate_24h", "--above", "0.5", "--box", "-1"], "--box"),
    (["--kpi", "answer_rate_24h", "--above", "0.5", "--per", "seed"], "--per"),
    (["--kpi", "answer_rate_24h", "--above", "0.5", "--min-density", "0"], "--min-density"),
    (["--kpi", "answer_rate_24h", "--above", "0.5", "--min-density", "1.5"], "--min-density"),
    (["--kpi", "answer_rate_24h", "--above", "0.5", "--mass-min", "nan"], "--mass-min"),
    (["--kpi", "answer_rate_24h", "--above", "abc"], "--above"),
]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory) -> Path:
    return planted_store(tmp_path_factory.mktemp("discover") / "store")


@pytest.mark.parametrize("options, named", OPTIONS, ids=[" ".join(o) for o, _ in OPTIONS])
def test_bad_options_are_one_line_and_write_nothing(shared_store, tmp_path, options, named):
    before = snapshot(shared_store)
    code, _, err = invoke("discover", shared_store, *options, "--out", tmp_path / "found")
    one_line_error(code, err, named)
    assert not (tmp_path / "found").exists() and snapshot(shared_store) == before


DAMAGE = {"truncated chunk": "not a complete Parquet file", "broken sweep.json": "cannot be read as JSON",
          "parameters not a list": "not a list of dotted parameter keys", "no parameters": "varies no parameters",
          "unknown parameter": "which no stored run has", "no sweep.json": "missing", "text KPI": "do not fit together",
          "text KPI everywhere": "not numbers", "infinite parameter": "not a finite number"}


@pytest.mark.parametrize("how, named", DAMAGE.items(), ids=list(DAMAGE))
def test_a_damaged_or_crafted_store_is_one_line(tmp_path, how, named):
    store = planted_store(tmp_path / "store", n=60)
    _damage(store, how)
    before = snapshot(store)
    for dry in ([], ["--dry-run"]):
        code, _, err = invoke("discover", store, "--kpi", "answer_rate_24h", "--below", "0.5", "--out",
                              tmp_path / "found", *dry)
        one_line_error(code, err, str(store))
        assert named in err, err
    assert not (tmp_path / "found").exists() and snapshot(store) == before


@pytest.mark.parametrize("folder, named", [
    (lambda t: t / "missing", "no such folder"),
    (lambda t: (t / "file.txt").write_text("x") and t / "file.txt", "is not a folder"),
    (lambda t: (t / "empty").mkdir() or t / "empty", "not a sweep store"),
    (lambda t: _no_runs(t / "none"), "holds no finished runs"),
], ids=["missing", "a file", "not a store", "no runs"])
def test_a_folder_that_is_not_a_store_with_runs_is_one_line(tmp_path, folder, named):
    path = folder(tmp_path)
    code, _, err = invoke("discover", path, "--kpi", "answer_rate_24h", "--below", "0.5", "--out", tmp_path / "found")
    one_line_error(code, err, named)
    assert not (tmp_path / "found").exists()


def test_output_into_the_store_itself_is_refused(shared_store):
    before = snapshot(shared_store)
    one_line_error(*invoke("discover", shared_store, "--kpi", "answer_rate_24h", "--below", "0.5", "--out",
                           shared_store)[::2], "other than the store")
    assert snapshot(shared_store) == before


def test_store_text_is_printable_in_the_terminal(tmp_path):
    store = planted_store(tmp_path / "store", name="evil\x1b[31m\nname", levels=("a\x1b[2Jb", "sla", "none"),
                          region=lambda q, k, kind: q < 0.5 and kind == "a\x1b[2Jb")
    code, text, err = invoke("discover", store, "--kpi", "answer_rate_24h", "--below", "0.5")
    assert code == 0, err
    assert "\x1b" not in text and "evil\\x1b[31m\\nname" in text and "a\\x1b[2Jb" in text


def test_runs_of_another_design_and_undefined_kpis_are_left_out_and_counted(tmp_path):
    store = planted_store(tmp_path / "store", n=200)
    other = [{"run_id": f"other-{i}", "seed": i, "replicate": 0, QUALITY: 0.5, MEMBERS: 1000, KIND: "sla",
              "answer_rate_24h": 0.7, "deflection_rate": float("nan")} for i in range(20)]  # no kudos weight swept
    RunStore(store).append(other, HEADER)
    found = discover(store, "answer_rate_24h", below=0.5)
    definition = found["definition"].iloc[0]
    assert (definition.runs_in_store, definition.incomplete, definition.rows) == (220, 20, 200)
    again = discover(store, "answer_rate_24h", below=0.5)
    pd.testing.assert_frame_equal(found["scores"], again["scores"])  # seeded: the same scores every time
    code, text, _ = invoke("discover", store, "--kpi", "answer_rate_24h", "--below", "0.5", "--dry-run")
    assert code == 0 and "20 run(s) without a value for every parameter" in text
    nothing = planted_store(tmp_path / "undefined", n=30, undefined=30)
    one_line_error(*invoke("discover", nothing, "--kpi", "deflection_rate", "--below", "0.5")[::2],
                   "every run has an undefined KPI")
