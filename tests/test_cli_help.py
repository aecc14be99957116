"""The help of every verb, against a stored snapshot (tests/cli_help.txt), so a change to it is
seen and meant. Help is plain text: no markup eats `[cluster]`, and a flag takes no value.

After changing an option or a docstring on purpose, regenerate the snapshot and review its diff:

    .venv/bin/python tests/test_cli_help.py
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from sim.cli import app

SNAPSHOT = Path(__file__).with_name("cli_help.txt")
WIDTH = 80  # a terminal's usual width; help wraps to it
REGENERATE = ".venv/bin/python tests/test_cli_help.py"


def verbs(group=None, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every command path with its click command, the root first, groups before their verbs."""
    group = group or typer.main.get_command(app)
    found = [(path, group)]
    for name, command in getattr(group, "commands", {}).items():
        found += verbs(command, (*path, name)) if hasattr(command, "commands") else [((*path, name), command)]
    return found


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="community-sim", terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    return result.stdout


def snapshot() -> str:
    return "".join(f"$ community-sim {' '.join((*path, '--help'))}\n{help_text(path)}\n" for path, _ in verbs())


def test_help_matches_the_snapshot():
    now, stored = snapshot(), SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    diff = "".join(difflib.unified_diff(stored.splitlines(True), now.splitlines(True), "stored", "now", n=1))
    assert now == stored, f"the CLI help changed; if that is meant, run `{REGENERATE}` and commit the snapshot\n{diff}"


def test_help_shows_brackets_and_flags_as_written():
    text = snapshot()
    assert "'community-sim[cluster]'" in text  # Rich markup would have eaten [cluster]
    assert "\\[" not in text and "<bool>" not in text
    for path, command in verbs():
        flags = [opt for param in command.params if getattr(param, "is_flag", False) for opt in param.opts]
        shown = help_text(path)
        for flag in flags:
            assert flag in shown and not re.search(rf"{re.escape(flag)}\s+<", shown), \
                f"{' '.join(path)}: {flag} is shown as taking a value"


def test_every_verb_has_help_with_a_summary():
    for path, command in verbs()[1:]:
        assert command.help and command.help.strip()[0].isupper(), f"{' '.join(path)} has no help"


if __name__ == "__main__":
    SNAPSHOT.write_text(snapshot())
    sys.stdout.write(f"wrote {SNAPSHOT}\n")
