"""The `community-sim` command line (DESIGN.md §5): exit 0 ok, 2 bad input, 1 internal error."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import typer

from sim import __version__
from sim.cli.discovery import register as register_discovery
from sim.cli.economics import register as register_economics
from sim.cli.experiments import DAYS, DRY_RUN, SCHEDULER, SET, SET_HELP, WORKERS, _check_executor, _plain_errors, _say_runs
from sim.cli.experiments import register as register_experiments
from sim.cli.policy_search import register as register_policy_search
from sim.cli.present import register as register_presentation
from sim.cli.validation import register as register_validation
from sim.cli.support import (JSON, MAX_SEED, QUIET, Stopped, check_between, check_writable, fail, load, overrides_from,
                             printable, say, say_json, show_stdout)
from sim.measures.registry import kpi_table
from sim.experiments.design import MODEL_IDENTITY
from sim.experiments.executors import progress_bar
from sim.experiments.output import json_text, write_files, write_run
from sim.runner import check_memory, run_scenario
from sim.params.scenario import ScenarioError, load_scenario

OVATION_CELL_BUDGET = 50_000_000  # halls x seats x sightlines: about 1 GB of kernel arrays
RUN_PROGRESS_DELAY = 2.0  # seconds before a run shows progress: most runs are done by then

# Plain help (no Rich markup): text such as `community-sim[cluster]` shows as written, and
# flags show as flags, not as options taking a <bool>.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Simulate customer-support communities: rewards, policies, deflection.")

@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario TOML file"),
    set_: list[str] = SET,
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed (default: the scenario's)"),
    days: Optional[int] = DAYS,
    out: Optional[Path] = typer.Option(None, "--out", help="Write summary.json, daily.parquet, daily.csv, members.parquet here"),
    quiet: bool = QUIET,
    json_: bool = JSON,
) -> None:
    """Run one scenario and print its KPIs."""
    show_stdout(not (quiet or json_))
    config = load(scenario, set_, days)
    if seed is not None:
        check_between("--seed", seed, 0, MAX_SEED)
    if out is not None:
        check_writable(out, "daily.parquet", "daily.csv", "members.parquet", "summary.json")
    try:
        check_memory(config, str(scenario))
    except ScenarioError as error:
        fail(error)
    total = config.scenario.days
    with progress_bar(total, None if quiet else config.scenario.name, unit="day", delay=RUN_PROGRESS_DELAY) as tick:
        result = run_scenario(config, seed, on_day=lambda _day: tick())
    say(f"{config.scenario.name}: {total} days, seed {result.seed}, "
               f"{config.population.members:,} members at start")
    for line in kpi_table(result.summary, printable(config.costs.currency), config.model_dump(mode="json")):
        say(line)
    if out is not None:
        document = {"kpis": result.summary, "scenario": config.model_dump(mode="json"),
                    "seed": result.seed, **MODEL_IDENTITY}
        files = write_run(out, document, result.daily, result.members)
        say(f"wrote {', '.join(str(f) for f in files)}")
    if json_:
        say_json({"scenario": config.scenario.name, "seed": result.seed, "members": config.population.members,
                  "days": total, "currency": config.costs.currency, "kpis": result.summary, **MODEL_IDENTITY})


@app.command()
def validate(
    scenarios: Optional[list[Path]] = typer.Argument(None, help="Scenario TOML files"),
    set_: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP + ", as run would"),
    days: Optional[int] = DAYS,
    targets: Optional[Path] = typer.Option(None, "--targets", help="Also check a calibration targets file against each scenario"),
    facts: Optional[Path] = typer.Option(None, "--facts", help="Also check a facts file (and the shipped scenarios it names)"),
) -> None:
    """Check scenario files, every point of their [sweep] design, and their memory needs,
    without running anything; exit 2 if any is invalid."""
    from sim.experiments.calibration import check_targets
    from sim.experiments.design import design_points, plan_runs, swept
    from sim.experiments.executors import check_fits
    from sim.experiments.stylized_facts import check_facts

    if not scenarios and facts is None:
        fail(ScenarioError("validate", "", "give scenario files to check, or --facts FILE"))
    overrides = overrides_from(set_, days)
    failed = False
    for path in scenarios or []:
        try:
            config = load_scenario(path, overrides)
            check_memory(config, str(path))
            runs = plan_runs(config, design_points(config, source=str(path)), str(path)) if swept(config) else []
            check_fits([run.scenario for run in runs], 1)  # the design's largest run on its own
            if targets is not None:
                check_targets(config, targets, str(path))
        except ScenarioError as error:
            say(f"error: {error}", err=True)
            failed = True
            continue
        design = f"; a {config.sweep.design} sweep of {len(runs):,} runs" if runs else ""
        say(f"ok: {path} ({config.scenario.name}, {config.population.members:,} members, "
            f"{config.scenario.days} days{design})")
    if facts is not None:
        try:
            found, named = check_facts(facts)
            say(f"ok: {facts} ({len(found)} facts on {len(named)} scenarios)")
        except ScenarioError as error:
            say(f"error: {error}", err=True)
            failed = True
    if failed:
        raise typer.Exit(2)


def _conformity(text: str) -> Optional[float]:
    if text.strip().lower() in ("off", "none"):
        return None
    try:
        return float(text)
    except ValueError:
        fail(ScenarioError("--conformity", "", f"expected a share from 0 to 1 or 'off' (got {text!r})"))


@app.command()
def ovation(
    rows: int = typer.Option(20, help="Rows of seats (row 0 is the front)"),
    seats: int = typer.Option(20, help="Seats per row"),
    quality: float = typer.Option(0.5, help="Quality of the performance"),
    quality_sd: float = typer.Option(0.0, help="Spread of quality across the audience (0 = one value)"),
    threshold: float = typer.Option(0.5, help="T: stand at first if quality + noise > T"),
    noise: float = typer.Option(0.2, help="Size of the signal noise"),
    noise_dist: str = typer.Option("normal", help="normal or uniform"),
    conformity: str = typer.Option("0.5", help="X: stand if more than this share of those seen stand; 'off' keeps first decisions"),
    vision: str = typer.Option("cone", help="five_neighbours or cone"),
    depth: int = typer.Option(3, help="Rows ahead a cone reaches"),
    update: str = typer.Option("asynchronous", help="synchronous, asynchronous or incentive"),
    period_noise: float = typer.Option(0.0, help="Noise in the share perceived, every period"),
    group_size: int = typer.Option(1, help="Adjacent seats that came together and follow each other"),
    celebrities: int = typer.Option(0, help="Middle front-row seats everyone can see"),
    celebrity_weight: float = typer.Option(3.0, help="How many neighbours a celebrity counts for"),
    replicates: int = typer.Option(1, help="Independent halls"),
    max_steps: int = typer.Option(100, help="Stop a hall after this many steps"),
    seed: int = typer.Option(1, help="Seed; hall i is seeded seed + i (hall 0 = StandingOvationModel(rng=seed))"),
    out: Optional[Path] = typer.Option(None, "--out", help="Write summary.json, replicates.csv, hall.html here"),
) -> None:
    """The standing-ovation problem (Miller & Page 2004): run halls and print the outcome."""
    from sim.ovation.model import SUMMARY_KEYS, mean_summary, ovation_config, ovation_study, sightline_cells
    from sim.report.figures import ovation_hall, standing_share_over_time

    try:
        config = ovation_config(rows=rows, seats=seats, quality=quality, quality_sd=quality_sd,
                                threshold=threshold, noise=noise, noise_dist=noise_dist,
                                conformity=_conformity(conformity), vision=vision, depth=depth,
                                update=update, period_noise=period_noise, group_size=group_size,
                                celebrities=celebrities, celebrity_weight=celebrity_weight)
    except ScenarioError as error:
        fail(error)
    check_between("--replicates", replicates, 1, 1_000_000)
    check_between("--max-steps", max_steps, 0, 1_000_000)
    cells = replicates * rows * seats * sightline_cells(config)
    if cells > OVATION_CELL_BUDGET:
        fail(ScenarioError("--replicates", "", f"{replicates:,} halls of {rows}x{seats} seats seeing up to "
                            f"{sightline_cells(config)} others need more memory than allowed; run fewer "
                            f"replicates (at most {OVATION_CELL_BUDGET // (rows * seats * sightline_cells(config)):,})"))
    check_between("--seed", seed, 0, MAX_SEED - replicates)
    if out is not None:
        check_writable(out, "replicates.csv", "hall.html", "standing_share.html", "summary.json")
    halls = ovation_study(config, replicates, seed, max_steps)
    summary = mean_summary(halls)
    say(f"standing ovation: {rows}x{seats} hall, {replicates} replicate(s), seed {seed}"
               + (" (means over replicates)" if replicates > 1 else ""))
    for key in SUMMARY_KEYS:
        say(f"  {key:<26} {summary[key]:>10.3f}")
    if out is not None:
        document = {**summary, "settings": config.model_dump(), "replicates": replicates,
                    "seed": seed, **MODEL_IDENTITY}
        per_hall = pd.DataFrame(halls.summaries())
        shares = np.array(halls.record.shares)
        hall = ovation_hall(halls.first_hall_frames, rows, seats, title="Replicate 1")
        over_time = standing_share_over_time(shares)
        files = write_files([
            (out / "replicates.csv", lambda tmp: per_hall.to_csv(tmp, index_label="replicate")),
            (out / "hall.html", lambda tmp: hall.write_html(tmp, include_plotlyjs=True, auto_play=False)),
            (out / "standing_share.html", lambda tmp: over_time.write_html(tmp, include_plotlyjs=True)),
            (out / "summary.json", lambda tmp: tmp.write_text(json_text(document))),
        ])
        say(f"wrote {', '.join(str(f) for f in files)}")


experiment_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Designed experiments on a scenario.")
app.add_typer(experiment_app, name="experiment")


@experiment_app.command("herding")
def herding(
    scenario: Path = typer.Argument(..., help="Scenario TOML file"),
    replicates: int = typer.Option(10, help="Runs, each on its own seed"),
    share: float = typer.Option(0.05, help="Share of new answers assigned to each arm"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    set_: list[str] = SET,
    seed: Optional[int] = typer.Option(None, "--seed", help="First seed (default: the scenario's)"),
    days: Optional[int] = DAYS,
    out: Optional[Path] = typer.Option(None, "--out", help="Store the replicates here (resumable: runs/*.parquet) and "
                                       "write herding.json and herding_replicates.csv"),
    dry_run: bool = DRY_RUN,
) -> None:
    """Does one early kudo bring more kudos? Treated against control answers, after Muchnik and
    others (2013)."""
    from sim.experiments.herding import OUTCOMES, herding_effects, herding_jobs, run_herding

    _check_executor(workers, scheduler)
    config = load(scenario, set_, days)
    check_between("--replicates", replicates, 1, 100_000)
    if not 0 < share <= 1 / 3:
        fail(ScenarioError("--share", "", f"must be above 0 and at most 1/3, one share per arm (got {share})"))
    first = config.scenario.seed if seed is None else seed
    check_between("--seed", first, 0, MAX_SEED - replicates)
    seeds = list(range(first, first + replicates))
    if out is not None:
        check_writable(out, "herding_replicates.csv", "herding.json", "sweep.json")
    if dry_run:
        _say_runs(herding_jobs(config, seeds, share), workers, scheduler, store=out)
        return
    with _plain_errors(resumable=out):
        per_replicate = run_herding(config, seeds, share, workers, scheduler=scheduler, out=out, progress=True)
    for path in per_replicate.attrs["set_aside"]:
        say(f"note: {path} was damaged; it is kept in {out / 'damaged'} and its runs were run again", err=True)
    effects = herding_effects(per_replicate)
    arms = per_replicate.groupby("arm")[["answers", *OUTCOMES]].mean()
    resumed = per_replicate.attrs["resumed"]
    say(f"herding experiment on {config.scenario.name}: {replicates} replicate(s), seeds "
               f"{first}..{first + replicates - 1}, {share:.0%} of new answers per arm"
        + (f" ({resumed:,} already in the store)" if resumed else ""))
    say(f"  {'arm':<22} {'answers/run':>11} {'later kudos':>12} {'final kudos':>12} {'views/answer':>12} "
        f"{'accepted':>9}")
    for arm, row in arms.iterrows():
        say(f"  {arm:<22} {row.answers:>11.1f} {row.later_kudos:>12.3f} {row.final_kudos:>12.3f} "
            f"{row.views:>12.2f} {row.accepted:>9.1%}")
    used = int(effects.replicates.min())
    if used < replicates:
        say(f"  ({replicates - used} replicate(s) left out: an arm got no answers; raise --share or --days)")
    for _, row in effects.iterrows():
        say(f"  {row.arm}: later kudos {row.later_kudos_effect:+.3f} per answer "
                   f"(95% CI {row.later_kudos_low:+.3f} to {row.later_kudos_high:+.3f}), final total "
                   f"{row.final_kudos_effect:+.3f} ({row.final_kudos_low:+.3f} to {row.final_kudos_high:+.3f}); "
                   f"later kudos lift {row.later_kudos_lift:+.0%} ({row.later_kudos_lift_low:+.0%} to "
                   f"{row.later_kudos_lift_high:+.0%}; the mean of each replicate's ratio to control), views "
                   f"{row.views_effect:+.2f} per answer ({row.views_low:+.2f} to {row.views_high:+.2f}), acceptance "
                   f"{100 * row.accepted_effect:+.1f} points ({100 * row.accepted_low:+.1f} to {100 * row.accepted_high:+.1f})")
    if out is not None:
        document = {"effects": effects.to_dict(orient="records"), "scenario": config.model_dump(mode="json"),
                    "seeds": seeds, "share": share, **MODEL_IDENTITY}
        files = write_files([
            (out / "herding_replicates.csv", lambda tmp: per_replicate.to_csv(tmp, index=False)),
            (out / "herding.json", lambda tmp: tmp.write_text(json_text(document))),
        ])
        say(f"wrote {', '.join(str(f) for f in files)}")


register_experiments(app)
register_validation(app)
register_economics(app)
register_discovery(app)
register_policy_search(app)
register_presentation(app)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(ctx: typer.Context,
          version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                       help="Show the version and exit")) -> None:
    """Simulate customer-support communities: rewards, policies, deflection."""
    show_stdout(True)  # a verb's --quiet or --json holds for its own command only
    ctx.call_on_close(lambda: show_stdout(True))


def main() -> None:
    """Entry point: usage errors, like scenario errors, become one plain line and exit 2;
    Ctrl-C and SIGTERM (a batch scheduler ending the job) stop cleanly with one line, after
    finished work is stored and worker processes are stopped; operating-system errors (a
    full disk, say) are one line and exit 1."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            error.show()
        else:
            say(f"error: {' '.join(error.format_message().split())}", err=True)
        sys.exit(error.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        say("interrupted: finished work is kept", err=True)
        sys.exit(128 + signal.SIGINT)
    except Stopped as stop:
        say(f"{'interrupted (Ctrl-C)' if stop.signum == signal.SIGINT else 'terminated (SIGTERM)'}: {stop.hint}",
            err=True)
        sys.exit(128 + stop.signum)
    except BrokenPipeError:  # `... | head`: the reader left; say nothing more to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or type(error).__name__}", err=True)
        sys.exit(1)
    except MemoryError:
        say("error: out of memory; run fewer members, days or workers", err=True)
        sys.exit(1)
    sys.exit(code or 0)


def _stop(signum, _frame) -> None:
    """Ctrl-C or SIGTERM: unwind (typer would turn a KeyboardInterrupt into a silent exit 130)."""
    signal.signal(signum, signal.SIG_IGN)  # one is enough: let the clean-up run
    raise Stopped(signum)
