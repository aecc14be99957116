"""Result sets written as one transaction: a crash, a kill, a full disk or a second writer
leaves either the previous set whole or the new set whole, never a mix or a torn file.

How (`write_files`): every file is first staged beside its target under a hidden name that
carries this host and process id. The folder is then locked (flock on the folder itself, so
concurrent writers take turns and no lock file is left behind), the files the set replaces
are hard-linked aside, a journal naming them is written, the staged files are renamed into
place, and the journal is removed: that removal is the commit. A failure before it restores
the previous files; a writer killed before it leaves a journal that the next writer to the
folder (or `recover`) resolves: rolled forward if the set's last rename landed, else back. Staged and set-aside files of dead processes are removed.
Targets that are not regular files (links, folders, pipes, devices) are refused untouched.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import shutil
import socket
import stat
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from sim.params.scenario import ScenarioError, read_json

JOURNAL = ".community-sim-journal.json"
HOST = socket.gethostname().replace(".", "_")
_rename = os.replace  # the commit's renames (tests fail them one by one)
_UMASK = os.umask(0)
os.umask(_UMASK)


def check_target(path: Path) -> None:
    """Only a regular file, or nothing, may be replaced by a result file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise ScenarioError(str(path), "", f"cannot be written ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise ScenarioError(str(path), "", "exists and is not a regular file (a link, folder, pipe or device); "
                                           "it is left as it is: give another path")


def _own_prefix(path: Path) -> str:
    """Hidden names of this process's files beside `path`: .NAME.HOST-PID.TOKEN.(tmp|old)"""
    return f".{path.name}.{HOST}-{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(folder: Path) -> None:
    """Remove staged (.tmp) and set-aside (.old) files this tool made on this host in processes
    that are gone (a kill mid-write); files of live writers, and of other users, are theirs."""
    if not folder.is_dir():
        return
    for leftover in folder.glob(".*.tmp"), folder.glob(".*.old"):
        for path in leftover:
            owner = path.name.rsplit(".", 3)
            host, _, pid = owner[-3].rpartition("-") if len(owner) == 4 else ("", "", "")
            try:
                if host == HOST and pid.isdigit() and not _alive(int(pid)) and path.lstat().st_uid == os.getuid():
                    path.unlink()
            except OSError:
                pass  # gone already, or not ours to remove


def _sync(path: str | Path) -> None:
    """Flush a file's (or a folder's entries') bytes to disk, so a power cut cannot tear them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _stage(path: Path, write: Callable[[Path], None]) -> Path:
    """Write into a temporary file beside `path`; remove it if writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_own_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
    try:
        write(Path(tmp))
        _sync(tmp)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno is not None:  # name the file meant, not the staged one
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    return Path(tmp)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the folder's lock (flock on the folder itself: no lock file is left behind). A file
    system that cannot lock a folder (some network mounts) is written unlocked."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as error:
            if error.errno not in (errno.EBADF, errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP):
                raise
        yield
    finally:
        os.close(fd)


def _roll_back(entries: list[tuple[str, str | None]]) -> None:
    """Put each replaced file back from its set-aside copy; remove files that were new."""
    for target, backup in entries:
        if backup is not None:
            if os.path.exists(backup) and os.path.exists(target) and os.path.samefile(backup, target):
                os.unlink(backup)  # never replaced (rename between two links of one file does nothing)
            elif os.path.exists(backup):
                os.replace(backup, target)
        else:
            Path(target).unlink(missing_ok=True)


def _inside(folder: Path, relative: str) -> bool:
    """Whether `relative` names a place in `folder` reached without leaving it: no absolute
    path, no '..', and no link on the way (a planted link could lead anywhere)."""
    parts = Path(relative).parts
    if not parts or Path(relative).is_absolute() or ".." in parts:
        return False
    parent = folder.joinpath(*parts[:-1])
    return os.path.realpath(parent) == os.path.join(os.path.realpath(folder), *parts[:-1]).rstrip(os.sep)


def _journal_entries(folder: Path) -> list[tuple[str, str | None]]:
    """The entries of a journal this user's writer left: targets inside the folder, each
    set-aside copy beside its target under this tool's naming; anything else is ignored."""
    journal = folder / JOURNAL
    try:
        if journal.is_symlink() or journal.lstat().st_uid != os.getuid():
            return []
        entries = read_json(journal)["entries"]
        pairs = [(t, b) for t, b in entries if isinstance(t, str) and (b is None or isinstance(b, str))]
    except (OSError, ValueError, KeyError, TypeError):  # ScenarioError is a ValueError: a torn journal
        return []
    return [(t, b) for t, b in pairs if _inside(folder, t) and (b is None or (
        Path(b).parent == Path(t).parent and Path(b).name.startswith(f".{Path(t).name}.") and b.endswith(".old")))]


def _landed(target: str, backup: str | None) -> bool:
    """Whether a commit's rename onto `target` happened (its set-aside copy is then another file)."""
    if backup is None:
        return os.path.exists(target)
    return os.path.exists(target) and not (os.path.exists(backup) and os.path.samefile(backup, target))


def _recover_locked(folder: Path) -> None:
    """A writer died holding a journal. If its last rename (the set's marker) landed, the new
    set is whole: keep it and drop the set-aside copies. Otherwise put the previous set back."""
    journal = folder / JOURNAL
    if journal.is_file() and not journal.is_symlink():
        entries = [(str(folder / t), None if b is None else str(folder / b)) for t, b in _journal_entries(folder)]
        if entries and _landed(*entries[-1]):
            for _, backup in entries:
                if backup is not None:
                    Path(backup).unlink(missing_ok=True)
        else:
            _roll_back(entries)
        try:
            journal.unlink()
        except OSError:
            pass  # another user's: not ours to remove
    clean_stale(folder)


def recover(folder: str | Path) -> None:
    """Roll back what a killed writer left in `folder` (a store does this before it counts)."""
    folder = Path(folder)
    if folder.is_dir() and not folder.is_symlink():
        with _locked(folder):
            _recover_locked(folder)


def check_whole(folder: Path) -> None:
    """Refuse to read a folder that a killed writer left between two result sets (the next
    write to it rolls the interrupted set back)."""
    if (folder / JOURNAL).exists():
        raise ScenarioError(str(folder / JOURNAL), "", "a write into this folder was interrupted: it holds parts "
                            "of two result sets; run the command that wrote it again")


def write_files(plan: list[tuple[Path, Callable[[Path], None]]]) -> list[Path]:
    """Write a result set as one transaction (see the module docstring); put the file that
    marks a complete set last. Returns the targets."""
    targets = [Path(path) for path, _ in plan]
    for path in targets:
        check_target(path)
    folder = Path(os.path.commonpath([p.parent.absolute() for p in targets]))
    staged: list[Path] = []
    try:
        for path, write in plan:
            staged.append(_stage(Path(path), write))
        with _locked(folder):
            _recover_locked(folder)
            for parent in {p.parent.absolute() for p in targets} - {folder}:
                clean_stale(parent)
            _commit(folder, targets, staged)
    finally:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
    return targets


def _commit(folder: Path, targets: list[Path], staged: list[Path]) -> None:
    """Set the replaced files aside, write the journal, rename; any failure restores them."""
    entries: list[tuple[str, str | None]] = []  # (target, set-aside copy) relative to folder
    absolute: list[tuple[str, str | None]] = []
    try:
        for path in targets:
            check_target(path)  # again, under the lock: a link may have appeared meanwhile
            backup = None
            if path.exists():
                backup = path.with_name(f"{_own_prefix(path)}{uuid.uuid4().hex[:8]}.old")
                try:
                    os.link(path, backup)  # no copy: the previous file itself is kept
                except OSError:
                    shutil.copy2(path, backup)  # a file system without hard links
            entries.append((os.path.relpath(path.absolute(), folder),
                            None if backup is None else os.path.relpath(backup.absolute(), folder)))
            absolute.append((str(path), None if backup is None else str(backup)))
        journal = _stage(folder / JOURNAL, lambda tmp: tmp.write_text(json.dumps({"entries": entries})))
        os.replace(journal, folder / JOURNAL)
        _sync(folder)
        for tmp, path in zip(staged, targets):
            try:
                _rename(tmp, path)
            except OSError as error:  # name the file meant, not the staged one
                raise OSError(error.errno, error.strerror, str(path)) from None
    except BaseException:
        _roll_back(absolute)
        (folder / JOURNAL).unlink(missing_ok=True)
        raise
    for parent in {str(path.parent) for path in targets}:
        _sync(parent)
    (folder / JOURNAL).unlink()  # the commit
    for _, backup in absolute:
        if backup is not None:
            Path(backup).unlink(missing_ok=True)


def text_columns(table: pd.DataFrame) -> list:
    """Columns that may hold text: object columns, and pandas 3's string columns."""
    return [c for c in table.columns if table[c].dtype == object or pd.api.types.is_string_dtype(table[c])]


def json_safe(value):
    """Non-finite numbers (an undefined rate, e.g. no threads yet) become null: JSON has none."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def json_text(document: dict) -> str:
    return json.dumps(json_safe(document), indent=2, allow_nan=False) + "\n"


def write_run(out: Path, summary: dict, daily: pd.DataFrame, members: pd.DataFrame) -> list[Path]:
    """summary.json, daily.parquet and daily.csv of one run (DESIGN.md §5), and members.parquet
    (one row per member, for the participation figures); summary.json is renamed last and
    marks a complete run."""
    text = json_text(summary)
    return write_files([(out / "daily.parquet", lambda tmp: daily.to_parquet(tmp, index=False)),
                        (out / "daily.csv", lambda tmp: daily.to_csv(tmp, index=False)),
                        (out / "members.parquet", lambda tmp: members.to_parquet(tmp, index=False)),
                        (out / "summary.json", lambda tmp: tmp.write_text(text))])
