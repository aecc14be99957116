"""What `calibrate` and `optimize` share: an Optuna study kept in a journal file in the output
folder, so a repeated command resumes it, and trials that propose values within declared
ranges (a list of levels, or a {low, high} range)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import optuna

from sim.experiments.output import check_target
from sim.params.scenario import ScenarioError
from sim.params.schema import field_at


def suggest(trial: optuna.Trial, key: str, spec: Any) -> Any:
    """A value for one parameter: a level (by its index, so any level type works), a whole
    number within a range of a whole-number parameter, or a float within a range."""
    if isinstance(spec, list):
        return spec[trial.suggest_categorical(key, list(range(len(spec))))]
    if field_at(key).annotation is int:
        return trial.suggest_int(key, int(math.ceil(spec["low"])), int(math.floor(spec["high"])))
    return trial.suggest_float(key, float(spec["low"]), float(spec["high"]))


def open_study(out: Path | None, name: str, fingerprint: str, elsewhere: str, held: bool = False,
               **directions) -> optuna.Study:
    """A new study, or the one in `out/<name>.journal` if its fingerprint is this one; a study
    of something else is refused (`elsewhere` says what differs), and so is a damaged log.
    `held`: the caller holds the folder's own lock, so a journal lock left there by a killed
    process is stale, and is removed rather than waited on."""
    storage, log = None, None
    optuna.logging.set_verbosity(logging.ERROR)  # a failing trial's error reaches the caller, once
    if out is not None:
        log = out / f"{name}.journal"
        check_target(log)  # optuna appends to it: never through a link
        out.mkdir(parents=True, exist_ok=True)
        lock = Path(f"{log}.lock")
        if held and lock.is_symlink():
            lock.unlink()
    try:
        if log is not None:
            storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(log)))
        study = optuna.create_study(study_name=name, storage=storage, load_if_exists=True, **directions)
    except (ValueError, KeyError, TypeError, RuntimeError, optuna.exceptions.OptunaError) as error:
        raise ScenarioError(str(log), "", f"damaged study log ({type(error).__name__}); move it away or choose "
                                          "another folder") from None
    if study.user_attrs.get("fingerprint", fingerprint) != fingerprint:
        raise ScenarioError("--out", "", f"{out} holds {elsewhere}; choose another folder")
    study.set_user_attr("fingerprint", fingerprint)
    return study
