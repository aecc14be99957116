"""Atomic result files: each is written beside its target and renamed into place, so a
crash or kill leaves either the old file or the complete new one, never a torn file."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_safe(value):
    """NaN (an undefined rate, e.g. no threads yet) becomes null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def write_json(path: Path, data: dict) -> None:
    text = json.dumps(_json_safe(data), indent=2, allow_nan=False) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text))


def write_run(out: Path, summary: dict, daily: pd.DataFrame) -> list[Path]:
    """summary.json, daily.parquet and daily.csv of one run (DESIGN.md §5)."""
    files = [out / "daily.parquet", out / "daily.csv", out / "summary.json"]
    write_atomic(files[0], lambda tmp: daily.to_parquet(tmp, index=False))
    write_atomic(files[1], lambda tmp: daily.to_csv(tmp, index=False))
    write_json(files[2], summary)  # last, so its presence marks a complete run
    return files
