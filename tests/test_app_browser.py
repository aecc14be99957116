"""The live app served for real (slow): Chromium drives it at 1440 px (move a slider, see the
change wait for Reset, press Reset and Step, see every panel change), checks a phone's width
(390 px: no sideways scroll, the run bar on screen, every plot within it), and loads nothing
from outside this machine. And `community-sim app` stops cleanly: SIGTERM to its PID, Ctrl+C
(SIGINT to its terminal's process group) or even SIGKILL leave no process and no port behind,
and it starts quietly (its one line of output is the address)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser import ARTIFACTS, CHROMIUM, FLAGS
from conftest import ROOT
from sim.ui import app

pytestmark = pytest.mark.slow

PLOTS = "[...document.querySelectorAll('.js-plotly-plot')].filter(plot => plot.querySelector('.main-svg')).length"
FITTED = """() => [...document.querySelectorAll('.cs-panel')].every(card =>
    card.querySelector('.main-svg').getBoundingClientRect().right
        <= Math.min(card.getBoundingClientRect().right, document.documentElement.clientWidth) + 1)"""
# x of each plot's first trace, panel by panel (time series, Sankey links, pyramid, roles)
PANEL_DATA = """() => [...document.querySelectorAll('.cs-panel .js-plotly-plot')].map(plot => {
    const trace = plot.data[0];
    return !trace ? 0 : trace.type === 'sankey' ? trace.link.value.length : trace.x.length; })"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    """The app as `community-sim app` serves it, on a free port; its address."""
    port = free_port()
    server = app.start(port=port)
    try:
        app.wait_until_serving(server, "127.0.0.1", port)
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.stop(server)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


def open_app(browser, base: str, width: int):
    """A page at `width` px, every request off the server refused; returns the page and what went wrong."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(60_000)
    problems = {"errors": [], "failed": [], "outside": []}
    page.on("console", lambda message: problems["errors"].append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.on("requestfailed", lambda request: problems["failed"].append(f"{request.url} ({request.failure})"))
    page.on("response", lambda response: problems["failed"].append(f"{response.url} ({response.status})")
            if response.status >= 400 else None)

    def refuse(route) -> None:
        problems["outside"].append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith((base, "data:", "blob:")), refuse)
    page.goto(base)
    page.wait_for_function(f"() => {PLOTS} === 4", timeout=120_000)
    page.wait_for_function(FITTED)  # the page's styles applied and each plot refitted to its card
    return page, problems


def day(page) -> str:
    return page.locator(".cs-day").inner_text()


def test_in_chromium_a_slider_waits_for_reset_and_step_changes_every_panel(served, browser):
    page, problems = open_app(browser, served, 1440)
    assert day(page) == "Day 0 of 365"
    assert page.evaluate(PANEL_DATA) == [0, 0, 3, 0]  # nothing yet but the roles at the start
    members = page.locator(".cs-slider-members [role=slider]")
    members.focus()
    members.press("ArrowRight")  # one step: 100 members more
    page.get_by_role("button", name="Reset to apply 1 change").wait_for()
    page.get_by_text("running now: 2,000 members; the new value applies after Reset").wait_for()
    assert page.locator(".cs-slider-members").locator("xpath=..").get_by_text("2,100 members").is_visible()
    page.get_by_role("button", name="Reset to apply 1 change").click()
    page.get_by_text(re.compile(r"^2,100 members \(the file has 10,000\)")).wait_for()
    page.get_by_role("button", name="Step a day").click()
    page.wait_for_function("() => document.querySelector('.cs-day').innerText === 'Day 1 of 365'")
    page.wait_for_function(f"() => ({PANEL_DATA})().every(n => n > 0)")
    time_series, links, _, role_days = page.evaluate(PANEL_DATA)
    assert (time_series, role_days) == (1, 1) and links > 3
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app_1440.png"))
    assert problems == {"errors": [], "failed": [], "outside": []}, problems


def test_on_a_phone_nothing_scrolls_sideways_and_the_controls_stay_in_reach(served, browser):
    page, problems = open_app(browser, served, 390)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    widths = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(p => p.getBoundingClientRect().right)")
    assert len(widths) == 4 and max(widths) <= 390
    page.locator(".cs-panel-roles").scroll_into_view_if_needed()  # far down the page
    for name in ("Reset", "Play", "Step a day"):  # the run bar stays at the top of the screen
        box = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 900 and box["x"] + box["width"] <= 390
    page.get_by_role("button", name="Step a day").click()
    page.wait_for_function("() => document.querySelector('.cs-day').innerText === 'Day 1 of 365'")
    page.locator(".cs-slider-pay_per_accepted").scroll_into_view_if_needed()  # the settings, below the panels
    assert page.locator(".cs-slider-pay_per_accepted").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app_390.png"))
    assert problems == {"errors": [], "failed": [], "outside": []}, problems


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.parametrize("how", ["SIGTERM to its PID", "Ctrl+C", "SIGKILL to its PID"])
def test_stopping_the_app_command_leaves_no_server(tmp_path, how):
    port = free_port()
    log = tmp_path / "out.log"
    with open(log, "wb") as out:  # a session of its own, as a terminal gives a command
        command = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)], cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        app.wait_until_serving(command, "127.0.0.1", port)
        children = Path(f"/proc/{command.pid}/task/{command.pid}/children").read_text().split()
        assert len(children) == 1
        server = int(children[0])
        if how == "Ctrl+C":
            os.killpg(command.pid, signal.SIGINT)  # what the terminal sends its foreground group
        else:
            os.kill(command.pid, signal.SIGTERM if how.startswith("SIGTERM") else signal.SIGKILL)
        code = command.wait(timeout=30)
        deadline = time.monotonic() + 15
        while (group_alive(server) or listening(port)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(server) and not listening(port)
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
            command.wait()
    assert code == (-signal.SIGKILL if how.startswith("SIGKILL") else 0)
    output = log.read_text().splitlines()
    assert output == [f"Solara server is starting at http://127.0.0.1:{port}"], output  # quiet, even after a page load


def test_app_command_refuses_a_bad_scenario_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[population]\nmembers = -5\n')
    done = subprocess.run([sys.executable, "-m", "sim", "app", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {bad}: population.members") and len(done.stderr.splitlines()) == 1
