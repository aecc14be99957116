"""Throughput, scaling and memory benchmark for community-sim.

Run:  .venv/bin/python benchmarks/throughput.py [--sizes 10000 100000 1000000] [--days 365]
                                                [--days-large 30] [--levers] [--out results.json]

Each size runs in a fresh interpreter (hidden `--one SIZE DAYS` mode) so its peak RSS is its
own and not inflated by earlier, larger runs. Mesa's `AgentSet.shuffle_do` over trivial agents
is timed in the parent process as a reference speed for "plain Mesa agents". The script is a
report, not a test: it marks targets PASS/FAIL but always exits 0. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

import numpy as np

HOURS_PER_DAY = 24
LARGE_MEMBERS = 1_000_000  # sizes at or above this use --days-large (a year would take minutes)
TARGET_10K_YEAR_S = 2.0
TARGET_1M_YEAR_S = 180.0
TARGET_MESA_RATIO = 50.0
TARGET_SLOPE = 1.1
TARGET_BYTES_PER_MEMBER = 1500.0  # 1.5 KB, decimal kilobytes (the stricter reading)


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

    The baseline RSS is taken after all imports, so the per-member figure charges the
    model only for what it allocates (numpy columns, Mesa agents, threads, transients).
    """
    from sim import CommunityModel

    baseline = peak_rss_bytes()
    t0 = time.perf_counter()
    model = CommunityModel(rng=seed, members=members, days=days, **(all_levers(members) if levers else {}))
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    peak = peak_rss_bytes()
    return {
        "members": members, "days": days, "hours": int(model.steps),
        "build_s": t1 - t0, "run_s": t2 - t1,
        "baseline_rss_bytes": baseline, "peak_rss_bytes": peak,
        "population_nbytes": int(model.population.nbytes()),
        "final_agents": len(model.agents),
    }


def run_in_subprocess(members: int, days: int, seed: int, levers: bool) -> dict:
    """Re-run this script in `--one` mode so each size has its own peak-RSS high-water mark."""
    cmd = [sys.executable, __file__, "--one", str(members), str(days), "--seed", str(seed)]
    cmd += ["--levers"] if levers else []
    done = subprocess.run(cmd, capture_output=True, text=True)
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


def evaluate_targets(runs: list[dict], slope: float | None) -> list[dict]:
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
            note = (f"extrapolated from {by_size[size]['days']} days" if extrapolated
                    else "measured")
            add(name, value, limit, False, note)
        else:
            add(name, None, limit, False, f"size {size} not measured")
    ratios = [r["mesa_ratio"] for r in runs]
    add("min ratio to Mesa shuffle_do", min(ratios), TARGET_MESA_RATIO, True,
        "worst size; member-hours/s over agent-steps/s")
    add("scaling slope (time/hour vs members)", slope, TARGET_SLOPE, False,
        "log-log polyfit" if slope is not None else "needs >= 2 sizes")
    largest = max(runs, key=lambda r: r["members"])
    add("peak bytes per member", largest["peak_bytes_per_member"], TARGET_BYTES_PER_MEMBER, False,
        f"at the largest size ({largest['members']:,}); small sizes carry fixed overhead")
    return targets


def print_report(runs: list[dict], mesa_ref: dict, slope: float | None, targets: list[dict]) -> None:
    print(f"\nMesa {mesa_ref['mesa_version']} shuffle_do reference: {mesa_ref['agents']:,} trivial "
          f"agents x {mesa_ref['steps']} steps in {mesa_ref['seconds']:.3f} s = "
          f"{mesa_ref['agent_steps_per_s']:,.0f} agent-steps/s\n")
    header = (f"{'members':>10} {'days':>5} {'build s':>8} {'run s':>8} {'ms/hour':>8} "
              f"{'member-h/s':>12} {'x Mesa':>7} {'peak B/mbr':>10} {'cols B/mbr':>10} {'final agents':>12}")
    print(header)
    print("-" * len(header))
    for r in runs:
        print(f"{r['members']:>10,} {r['days']:>5} {r['build_s']:>8.2f} {r['run_s']:>8.2f} "
              f"{1000 * r['run_s_per_hour']:>8.2f} {r['member_hours_per_s']:>12,.0f} "
              f"{r['mesa_ratio']:>7.1f} {r['peak_bytes_per_member']:>10,.0f} "
              f"{r['column_bytes_per_member']:>10,.0f} {r['final_agents']:>12,}")
    print(f"\nscaling slope (log run-time per simulated hour vs log members): "
          f"{'n/a' if slope is None else f'{slope:.3f}'}\n")
    print("Targets (report only; exit status is always 0):")
    for t in targets:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
        value = "-" if t["value"] is None else f"{t['value']:,.3f}"
        print(f"  [{verdict}] {t['target']}: {value} (target {t['sign']} {t['limit']:g}; {t['note']})")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="community sizes (members) to measure")
    parser.add_argument("--days", type=int, default=365, help="simulated days below 1M members")
    parser.add_argument("--days-large", type=int, default=30,
                        help=f"simulated days at >= {LARGE_MEMBERS:,} members")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--mesa-agents", type=int, default=10_000, help="trivial agents for the reference")
    parser.add_argument("--mesa-steps", type=int, default=200, help="shuffle_do steps for the reference")
    parser.add_argument("--levers", action="store_true",
                        help="switch on every reward scheme and both response policies")
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
    slope = scaling_slope(runs)
    targets = evaluate_targets(runs, slope)
    print_report(runs, mesa_ref, slope, targets)
    if args.out:
        report = {"python": platform.python_version(), "machine": platform.machine(),
                  "seed": args.seed, "levers": args.levers, "mesa_reference": mesa_ref, "runs": runs,
                  "scaling_slope": slope, "targets": targets}
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=2)
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
