"""Open an HTML report in Debian's Chromium, headless, through Playwright, and say what a
reader would see: console errors, dialogs, requests that left the file, and whether every
plotly figure drew its SVG. Also takes the screenshots (test artefacts and the README's).

    python tests/browser.py REPORT.html SHOT.png   # screenshot of the report's first screen
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("COMMUNITY_SIM_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 1000}
ALL_DRAWN = """() => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  return divs.length > 0 && divs.every(d => d.querySelector('svg.main-svg'));
}"""


@dataclass
class PageCheck:
    figures: int = 0
    drawn: int = 0
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    heading: str = ""
    scope: str = ""  # the header's line of what was run (size, period, replicates, seed)
    overflow: int = 0  # pixels the page scrolls sideways at the viewport's width
    cdn_requests: list[str] = field(default_factory=list)  # plotly.js from its CDN, served from the local copy
    axes: list[dict] = field(default_factory=list)  # per figure: its title and each axis's drawn range
    narrowest: int = 0  # the narrowest drawn plot area, in pixels


AXES = """() => [...document.querySelectorAll('.plotly-graph-div')].map(d => {
  const layout = d._fullLayout || {};
  const axes = {};
  Object.keys(layout).filter(k => /^[xy]axis\\d*$/.test(k)).forEach(k => { axes[k] = layout[k].range; });
  return {title: (layout.title && layout.title.text) || '', axes: axes, plotWidth: (layout._size || {}).w || 0};
})"""


def check_report(html: Path, screenshot: Path | None = None, full_page: bool = True, width: int | None = None,
                 serve_cdn: bool = False) -> PageCheck:
    """Load the page from disk with every non-file request refused, wait for the figures to
    draw (up to 60 s), and report what happened; `width` sets the viewport's (a phone: 390).
    With `serve_cdn`, a request for plotly.js from cdn.plot.ly (a `--plotly cdn` report) is
    answered with the installed plotly.js, as the CDN would, and recorded."""
    from playwright.sync_api import sync_playwright

    found = PageCheck()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={**VIEWPORT, **({"width": width} if width else {})})
            page.on("console", lambda message: found.console_errors.append(message.text)
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: found.console_errors.append(str(error)))

            def on_dialog(dialog) -> None:
                found.dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)

            def outside(route) -> None:
                if serve_cdn and route.request.url.startswith("https://cdn.plot.ly/"):
                    from plotly.offline import get_plotlyjs

                    found.cdn_requests.append(route.request.url)
                    route.fulfill(status=200, content_type="application/javascript", body=get_plotlyjs())
                    return
                found.outside_requests.append(route.request.url)
                route.abort()

            page.route(lambda url: not url.startswith(("file:", "data:", "blob:")), outside)
            page.goto(html.resolve().as_uri(), wait_until="load")
            try:
                page.wait_for_function(ALL_DRAWN, timeout=60_000)
            except Exception:  # counted below: the test names the figures that did not draw
                pass
            found.figures = page.locator(".plotly-graph-div").count()
            found.drawn = page.locator(".plotly-graph-div:has(svg.main-svg)").count()
            found.heading = page.locator("h1").inner_text()
            if page.locator("header .scope").count():
                found.scope = page.locator("header .scope").inner_text()
            found.axes = page.evaluate(AXES)
            found.narrowest = min((int(a["plotWidth"]) for a in found.axes), default=0)
            found.overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=full_page)
        finally:
            browser.close()
    return found


if __name__ == "__main__":
    check = check_report(Path(sys.argv[1]), Path(sys.argv[2]), full_page=False)
    print(f"{check.drawn}/{check.figures} figures drawn, {len(check.console_errors)} console errors")
