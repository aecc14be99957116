"""The `community-sim` command line: one module per group of verbs, wired in `main`."""

from sim.cli.main import app, main

__all__ = ["app", "main"]
