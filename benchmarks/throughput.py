"""Throughput, scaling and memory benchmark for community-sim.

Run:  .venv/bin/python benchmarks/throughput.py [--sizes 10000 100000 1000000] [--days 365]
                                                [--days-large 365] [--levers] [--against REV]
                                                [--start-times] [--out results.json]

Each size runs in a fresh interpreter (hidden `--one SIZE DAYS` mode) so its peak RSS is its
own and not inflated by earlier, larger runs. Mesa's `AgentSet.shuffle_do` over trivial agents
is timed in the parent process as a reference speed for "plain Mesa agents". `--against REV`
also measures an older commit, checked out in a temporary git worktree, in the same run.
The script is a report, not a test: it marks targets PASS/FAIL but always exits 0. See
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HOURS_PER_DAY = 24
LARGE_MEMBERS = 1_000_000  # sizes at or above this use --days-large
TARGET_10K_YEAR_S = 1.5
TARGET_SPEEDUP = 10.0      # over the --against commit, 10k members x a year, build + run
TARGET_1M_YEAR_S = 60.0
TARGET_MESA_RATIO = 75.0
TARGET_SLOPE = 1.1
TARGET_BYTES_PER_MEMBER = 1000.0  # 1 KB, decimal kilobytes (the stricter reading)
START_MEMBERS, START_DAYS = 1000, 1  # the model built and run to time a start


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def all_levers(members: int) -> dict:
    """Every reward scheme and both response policies on, team hours scaled with the size, so
    the cost of the levers' own rules shows up (`--levers`)."""
    return dict(points_enabled=True, badges_enabled=True, leaderboard_enabled=True,
                programme_enabled=True, pay_enabled=True, forum_kind="sla",
                forum_staff_hours_per_day=members / 1000, social_kind="loudest_first",
                social_team_hours_per_day=members / 5000)


def measure_one(members: int, days: int, seed: int, levers: bool) -> dict:
    """Build and run one model in this (fresh) process; called by the hidden --one mode.

    The baseline RSS is taken after all imports and after building and running a tiny model
    (so compiled code is loaded), so the per-member figure charges the model only for what it
    allocates (numpy columns, Mesa agents, threads, transients). `build_s` is the model's own
    construction; loading the compiled code into the process is `load_s`.
    """
    import sim
    from sim import CommunityModel

    t_load = time.perf_counter()
    CommunityModel(rng=seed, members=50, days=1).run()
    load_s = time.perf_counter() - t_load
    baseline = peak_rss_bytes()
    t0 = time.perf_counter()
    model = CommunityModel(rng=seed, members=members, days=days, **(all_levers(members) if levers else {}))
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    peak = peak_rss_bytes()
    return {
        "members": members, "days": days, "hours": int(model.steps), "source": str(Path(sim.__file__).parents[1]),
        "load_s": load_s, "build_s": t1 - t0, "run_s": t2 - t1,
        "baseline_rss_bytes": baseline, "peak_rss_bytes": peak,
        "population_nbytes": int(model.population.nbytes()),
        "final_agents": len(model.agents),
    }


def run_in_subprocess(members: int, days: int, seed: int, levers: bool, source: Path | None = None) -> dict:
    """Re-run this script in `--one` mode so each size has its own peak-RSS high-water mark;
    with `source`, the child imports `sim` from that checkout instead."""
    cmd = [sys.executable, __file__, "--one", str(members), str(days), "--seed", str(seed)]
    cmd += ["--levers"] if levers else []
    env = dict(os.environ, PYTHONPATH=str(source)) if source else None
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=source or ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"benchmark of {members} members failed (exit {done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])  # last line; ignore stray prints
    hours = result["hours"]
    result["member_hours_per_s"] = members * hours / result["run_s"]
    result["run_s_per_hour"] = result["run_s"] / hours
    result["peak_bytes_per_member"] = (result["peak_rss_bytes"] - result["baseline_rss_bytes"]) / members
    result["column_bytes_per_member"] = result["population_nbytes"] / members
    return result


def mesa_shuffle_do_rate(agents: int, steps: int, seed: int) -> dict:
    """Agent-steps per second of Mesa's own shuffle_do over trivial agents: the reference
    for what "one Python object per member, stepped in random order" costs."""
    import mesa

    class Counter(mesa.Agent):
        def __init__(self, model: mesa.Model) -> None:
            super().__init__(model)
            self.count = 0

        def step(self) -> None:
            self.count += 1

    model = mesa.Model(rng=seed)
    for _ in range(agents):
        Counter(model)
    model.agents.shuffle_do("step")  # warm-up, not timed
    t0 = time.perf_counter()
    for _ in range(steps):
        model.agents.shuffle_do("step")
    seconds = time.perf_counter() - t0
    return {"agents": agents, "steps": steps, "seconds": seconds,
            "agent_steps_per_s": agents * steps / seconds, "mesa_version": mesa.__version__}


def scaling_slope(runs: list[dict]) -> float | None:
    """Slope of log(run seconds per simulated hour) vs log(members); 1.0 is linear scaling."""
    if len({r["members"] for r in runs}) < 2:
        return None
    x = np.log([r["members"] for r in runs])
    y = np.log([r["run_s_per_hour"] for r in runs])
    return float(np.polyfit(x, y, 1)[0])


def year_estimate(run: dict) -> tuple[float, bool]:
    """Build + one simulated year in seconds; extrapolated linearly per hour if run shorter."""
    year_hours = 365 * HOURS_PER_DAY
    if run["hours"] == year_hours:
        return run["build_s"] + run["run_s"], False
    return run["build_s"] + run["run_s_per_hour"] * year_hours, True


def evaluate_targets(runs: list[dict], slope: float | None, against: dict | None) -> list[dict]:
    """Each target with its measured value and verdict (None = not measurable this run)."""
    by_size = {r["members"]: r for r in runs}
    targets = []

    def add(name: str, value: float | None, limit: float, higher_is_better: bool, note: str) -> None:
        ok = None if value is None else (value >= limit if higher_is_better else value <= limit)
        targets.append({"target": name, "value": value, "limit": limit, "pass": ok, "note": note,
                        "sign": ">=" if higher_is_better else "<="})

    for size, name, limit in [(10_000, "10k members, 1 year (build+run) s", TARGET_10K_YEAR_S),
                              (1_000_000, "1M members, 1 year (build+run) s", TARGET_1M_YEAR_S)]:
        if size in by_size:
            value, extrapolated = year_estimate(by_size[size])
            note = f"extrapolated from {by_size[size]['days']} days" if extrapolated else "measured"
            add(name, value, limit, False, note)
        else:
            add(name, None, limit, False, f"size {size} not measured")
    if against and 10_000 in by_size:
        add(f"speed-up over {against['rev']} (10k year, build+run)",
            year_estimate(against["run"])[0] / year_estimate(by_size[10_000])[0], TARGET_SPEEDUP, True,
            "both measured in this run")
    else:
        add("speed-up over an older commit (10k year)", None, TARGET_SPEEDUP, True, "needs --against REV and 10k")
    ratios = [r["mesa_ratio"] for r in runs]
    add("min ratio to Mesa shuffle_do", min(ratios), TARGET_MESA_RATIO, True,
        "worst size; member-hours/s over agent-steps/s")
    add("scaling slope (time/hour vs members)", slope, TARGET_SLOPE, False,
        "log-log polyfit" if slope is not None else "needs >= 2 sizes")
    largest = max(runs, key=lambda r: r["members"])
    add("peak bytes per member", largest["peak_bytes_per_member"], TARGET_BYTES_PER_MEMBER, False,
        f"at the largest size ({largest['members']:,}, {largest['days']} days); small sizes carry fixed overhead")
    return targets


def print_runs(runs: list[dict]) -> None:
    header = (f"{'members':>10} {'days':>5} {'load s':>7} {'build s':>8} {'run s':>8} {'ms/hour':>8} "
              f"{'member-h/s':>12} {'x Mesa':>7} {'peak B/mbr':>10} {'cols B/mbr':>10} {'final agents':>12}")
    print(header)
    print("-" * len(header))
    for r in runs:
        print(f"{r['members']:>10,} {r['days']:>5} {r['load_s']:>7.2f} {r['build_s']:>8.2f} {r['run_s']:>8.2f} "
              f"{1000 * r['run_s_per_hour']:>8.2f} {r['member_hours_per_s']:>12,.0f} "
              f"{r['mesa_ratio']:>7.1f} {r['peak_bytes_per_member']:>10,.0f} "
              f"{r['column_bytes_per_member']:>10,.0f} {r['final_agents']:>12,}")


def print_report(runs: list[dict], mesa_ref: dict, slope: float | None, targets: list[dict],
                 against: dict | None, starts: dict | None) -> None:
    print(f"\nMesa {mesa_ref['mesa_version']} shuffle_do reference: {mesa_ref['agents']:,} trivial "
          f"agents x {mesa_ref['steps']} steps in {mesa_ref['seconds']:.3f} s = "
          f"{mesa_ref['agent_steps_per_s']:,.0f} agent-steps/s\n")
    print_runs(runs)
    if against:
        print(f"\n--against {against['rev']} ({against['run']['source']}):")
        print_runs([against["run"]])
    print(f"\nscaling slope (log run-time per simulated hour vs log members): "
          f"{'n/a' if slope is None else f'{slope:.3f}'}")
    if starts:
        print(f"\nstart of a fresh process (import, build and run {START_MEMBERS:,} members x {START_DAYS} day): "
              f"cold (empty compile cache) {starts['cold_s']:.1f} s, warm {starts['warm_s']:.1f} s")
    print("\nTargets (report only; exit status is always 0):")
    for t in targets:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
        value = "-" if t["value"] is None else f"{t['value']:,.3f}"
        print(f"  [{verdict}] {t['target']}: {value} (target {t['sign']} {t['limit']:g}; {t['note']})")


def measure_against(rev: str, args: argparse.Namespace, mesa_ref: dict) -> dict:
    """The 10k-member year of an older commit, from a temporary git worktree."""
    tree = Path(tempfile.mkdtemp(prefix="community-sim-against-"))
    try:
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True,
                       capture_output=True)
        run = run_in_subprocess(10_000, args.days, args.seed, args.levers, source=tree)
        run["mesa_ratio"] = run["member_hours_per_s"] / mesa_ref["agent_steps_per_s"]
        return {"rev": rev, "run": run}
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
        shutil.rmtree(tree, ignore_errors=True)


def start_times() -> dict:
    """Wall seconds for a fresh process to import, build and run a small model: once with an
    empty compile cache (everything compiles), then again with the cache it left."""
    code = (f"from sim import CommunityModel; CommunityModel(rng=1, members={START_MEMBERS}, "
            f"days={START_DAYS}).run()")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, COMMUNITY_SIM_CACHE=cache)
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
            seconds.append(time.perf_counter() - started)
    return {"cold_s": seconds[0], "warm_s": seconds[1]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="community sizes (members) to measure")
    parser.add_argument("--days", type=int, default=365, help="simulated days below 1M members")
    parser.add_argument("--days-large", type=int, default=365,
                        help=f"simulated days at >= {LARGE_MEMBERS:,} members")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--mesa-agents", type=int, default=10_000, help="trivial agents for the reference")
    parser.add_argument("--mesa-steps", type=int, default=200, help="shuffle_do steps for the reference")
    parser.add_argument("--levers", action="store_true",
                        help="switch on every reward scheme and both response policies")
    parser.add_argument("--against", metavar="REV", help="also measure this commit's 10k-member year")
    parser.add_argument("--start-times", action="store_true",
                        help="time a fresh process's start with an empty and with a filled compile cache")
    parser.add_argument("--out", help="write all figures to this JSON file")
    parser.add_argument("--one", type=int, nargs=2, metavar=("SIZE", "DAYS"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:  # child mode: one measurement, one JSON line on stdout
        print(json.dumps(measure_one(*args.one, seed=args.seed, levers=args.levers)))
        return 0
    print(f"timing Mesa shuffle_do reference ({args.mesa_agents:,} agents x {args.mesa_steps} steps) ...",
          flush=True)
    mesa_ref = mesa_shuffle_do_rate(args.mesa_agents, args.mesa_steps, args.seed)
    runs = []
    for members in args.sizes:
        days = args.days_large if members >= LARGE_MEMBERS else args.days
        print(f"measuring {members:,} members x {days} days ...", flush=True)
        run = run_in_subprocess(members, days, args.seed, args.levers)
        run["mesa_ratio"] = run["member_hours_per_s"] / mesa_ref["agent_steps_per_s"]
        runs.append(run)
    against = None
    if args.against:
        print(f"measuring {args.against} (10,000 members x {args.days} days) ...", flush=True)
        against = measure_against(args.against, args, mesa_ref)
    starts = None
    if args.start_times:
        print("timing a cold and a warm start ...", flush=True)
        starts = start_times()
    slope = scaling_slope(runs)
    targets = evaluate_targets(runs, slope, against)
    print_report(runs, mesa_ref, slope, targets, against, starts)
    if args.out:
        report = {"python": platform.python_version(), "machine": platform.machine(),
                  "seed": args.seed, "levers": args.levers, "mesa_reference": mesa_ref, "runs": runs,
                  "against": against, "start_times": starts, "scaling_slope": slope, "targets": targets}
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=2)
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
