"""Where the live app's time goes per simulated day at 2,000 members, and how fast Play runs.

Run:  .venv/bin/python benchmarks/app_play.py                # in this process, no browser
      .venv/bin/python benchmarks/app_play.py --browser      # also Play as Chromium sees it
      .venv/bin/python benchmarks/app_play.py --screenshot docs/images/app.png   # the README's picture

In this process: a day's 24 hourly steps, summary(), the daily record, each panel's figure,
patching the four figure widgets, one whole frame (a Step rendered by Solara), and Play on the
page for a few seconds at each speed. With --browser (or --screenshot) the server runs as
`community-sim app` runs it, and Chromium (/usr/bin/chromium) presses Play and reads the day
counter for ten seconds. The script is a report, not a test: it marks the target (10 simulated
days a second at 2,000 members) PASS or FAIL and always exits 0.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import sys
import time
from pathlib import Path

import ipyvuetify as v
import plotly.graph_objects as go
import solara

from sim.ui import app, page, panels

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # browser.py: Chromium's path and flags

TARGET_DAYS_PER_SECOND = 10.0
PLAY_SECONDS = 6.0
DRAWN = "() => [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg')).length === 4"
HALF_A_YEAR = r"() => /Day (1[5-9]\d|[2-9]\d\d)/.test(document.querySelector('.cs-day').innerText)"  # day 150 on


def timed(function, repeat: int) -> float:
    """Median seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process() -> float:
    """Print the cost of each part of a frame; return Play's days a second at the default speed."""
    run = page.new_run(page.DEFAULTS)
    config = run.model.config
    print(f"{config.population.members:,} members, {config.scenario.name}")
    run.advance(30)
    print(f"  steps, one day (24 hours)   {1000 * timed(lambda: run.advance(1), 30):8.1f} ms")
    kpis, daily = run.snapshot()
    print(f"  summary()                   {1000 * timed(run.model.summary, 30):8.1f} ms")
    print(f"  daily record as a frame     {1000 * timed(lambda: panels.daily_frame(run.model), 30):8.1f} ms")
    builds = {
        "KPI time series": lambda: panels.time_series(daily, config.scenario.days, "$"),
        "issue-flow Sankey": lambda: panels.sankey(kpis),
        "participation pyramid": lambda: panels.pyramid(kpis),
        "role flows": lambda: panels.roles(daily, config.scenario.days, config.population.members),
    }
    for name, build in builds.items():
        print(f"  figure: {name:<20}{1000 * timed(build, 10):8.1f} ms")
    widgets = [go.FigureWidget() for _ in builds]
    drawn = [panels.patch_widget(w, build(), {}) for w, build in zip(widgets, builds.values())]
    figures = [build() for build in builds.values()]
    patch = timed(lambda: [panels.patch_widget(w, f, d) for w, f, d in zip(widgets, figures, drawn)], 10)
    print(f"  patch the four widgets      {1000 * patch:8.1f} ms")

    _, rc = solara.render(page.Page(), handle_error=False)
    step = rc.find(v.Btn, children=["Step a day"]).widget
    print(f"  one frame (Step, rendered)  {1000 * timed(step.click, 10):8.1f} ms")
    rates = {speed: play_in_process(speed) for speed in (page.DEFAULT_SPEED, max(page.SPEEDS))}
    return rates[page.DEFAULT_SPEED]


def play_in_process(speed: int) -> float:
    """Play on a freshly rendered page at `speed` days a second; the days a second reached."""
    _, rc = solara.render(page.Page(), handle_error=False)
    rc.find(v.Select, label="Play speed (applies at once)").widget.v_model = f"{speed} days a second"
    rate = play_rate(lambda: day_text(rc), lambda label: rc.find(v.Btn, children=[label]).widget.click())
    rc.close()
    print(f"  Play at {speed} days a second    {rate:8.1f} days/s")
    return rate


def day_text(rc) -> str:
    return next(w.children[0] for w in rc.find(v.Html, tag="span").widgets
                if w.children and str(w.children[0]).startswith("Day "))


def play_rate(read, press) -> float:
    """Days a second between the first frame after Play and PLAY_SECONDS later."""
    def day() -> int:
        return int(re.match(r"Day ([\d,]+)", read()).group(1).replace(",", ""))

    press("Play")
    deadline = time.monotonic() + 30
    while day() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    first, start = day(), time.perf_counter()
    time.sleep(PLAY_SECONDS)
    last, end = day(), time.perf_counter()
    press("Pause")
    return (last - first) / (end - start)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def in_browser(screenshot: Path | None) -> float:
    """Play's days a second as the browser shows them; optionally the 1440 px screenshot."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, FLAGS

    port = free_port()
    started = time.perf_counter()
    server = app.start(port=port)
    try:
        app.wait_until_serving(server, "127.0.0.1", port)
        print(f"  server answering after      {time.perf_counter() - started:8.1f} s")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            tab = browser.new_page(viewport={"width": 1440, "height": 900})
            loading = time.perf_counter()
            tab.goto(f"http://127.0.0.1:{port}/")
            tab.wait_for_function(DRAWN, timeout=120_000)
            print(f"  page drawn after            {time.perf_counter() - loading:8.1f} s")
            counter = tab.locator(".cs-day")
            rate = play_rate(counter.inner_text, lambda label: tab.get_by_role("button", name=label, exact=True).click())
            print(f"  Play in Chromium            {rate:8.1f} days/s")
            if screenshot is not None:
                tab.get_by_role("button", name="Play", exact=True).click()
                tab.wait_for_function(HALF_A_YEAR, timeout=60_000)
                tab.get_by_role("button", name="Pause", exact=True).click()
                tab.wait_for_timeout(1500)  # the last frame drawn
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(screenshot))
                print(f"  wrote {screenshot}")
            browser.close()
    finally:
        app.stop(server)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also measure Play in Chromium")
    parser.add_argument("--screenshot", type=Path, help="write a 1440 px screenshot after playing (implies --browser)")
    options = parser.parse_args()
    rate = in_process()
    verdict = [("in this process", rate)]
    if options.browser or options.screenshot:
        verdict.append(("in Chromium", in_browser(options.screenshot)))
    for where, value in verdict:
        mark = "PASS" if value >= TARGET_DAYS_PER_SECOND else "FAIL"
        print(f"{mark}: Play {where} at {value:.1f} simulated days a second (target {TARGET_DAYS_PER_SECOND:g})")


if __name__ == "__main__":
    main()
