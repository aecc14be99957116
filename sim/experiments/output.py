"""Atomic result files: each is staged beside its target and renamed into place, so a
crash or kill leaves either the old files or the complete new ones, never a torn file."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)


def _stage(path: Path, write: Callable[[Path], None]) -> Path:
    """Write into a temporary file beside `path`; remove it if writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
    try:
        write(Path(tmp))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _json_safe(value):
    """NaN (an undefined rate, e.g. no threads yet) becomes null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def write_files(plan: list[tuple[Path, Callable[[Path], None]]]) -> list[Path]:
    """Stage every file of a result set, then rename them all into place in plan order (put
    the file that marks a complete set last). A failure leaves the previous set untouched."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, write in plan:
            staged.append((_stage(path, write), path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    return [path for path, _ in plan]


def json_text(document: dict) -> str:
    return json.dumps(_json_safe(document), indent=2, allow_nan=False) + "\n"


def write_run(out: Path, summary: dict, daily: pd.DataFrame, members: pd.DataFrame) -> list[Path]:
    """summary.json, daily.parquet and daily.csv of one run (DESIGN.md §5), and members.parquet
    (one row per member, for the participation figures); summary.json is renamed last and
    marks a complete run."""
    text = json_text(summary)
    return write_files([(out / "daily.parquet", lambda tmp: daily.to_parquet(tmp, index=False)),
                        (out / "daily.csv", lambda tmp: daily.to_csv(tmp, index=False)),
                        (out / "members.parquet", lambda tmp: members.to_parquet(tmp, index=False)),
                        (out / "summary.json", lambda tmp: tmp.write_text(text))])
