"""Shared by the browser benchmarks (and, for Chromium's flags and context defaults and the word
the tests write, the browser tests): build (or reuse) a site, serve it, open it in headless
Chromium."""
from __future__ import annotations

import contextlib
import math
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's, as `make test` installs it
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def parse_args(doc: str, runs: int, write_site: bool = False):
    """The browser benchmarks' shared options: --site DIR (else build one), --runs N; with
    ``write_site``, --write-site DIR too (a site with fig-write, else build one)."""
    import argparse
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--site", help="a built site to measure (default: build one into a temporary folder)")
    if write_site:
        p.add_argument("--write-site", help="a built site with fig-write (default: build one, see site_folder)")
    p.add_argument("--runs", type=int, default=runs, help="repetitions; medians are printed")
    return p.parse_args()


def site_folder(path: str | None, synthesis: bool | None = None) -> Path:
    """``path``, or a site built into a temporary folder: the default build (``synthesis`` None);
    one with fig-write whatever the committed synthesis record says (True: the committed weights
    with a record that passes every bar, as tests/browser/test_write.py builds it); or one without
    the synthesis model's files (False: its weights at a path that does not exist, so the build
    leaves fig-write out)."""
    if path:
        return Path(path)
    import build
    folder = Path(tempfile.mkdtemp())
    options = []
    if synthesis is not None:
        from tests.helpers import synthesis_folder
        options = ["--synthesis", str(synthesis_folder(folder / "synthesis") if synthesis else folder / "none.hwlstm")]
    build.main(["--out", str(folder / "site"), *options])
    return folder / "site"


# Every context starts from these unless a benchmark or test asks otherwise: service workers blocked,
# so a page load measures the network and the HTTP cache and routing sees every request, never a copy
# the site's service worker kept (bench/browser.py and tests/browser/test_offline.py turn them back
# on); the page's Content-Security-Policy bypassed, because Playwright's wait_for_function evaluates
# an expression string with eval, which the policy forbids.
CONTEXT_DEFAULTS = {"service_workers": "block", "bypass_csp": True}


# 100,000 distinct pointer moves, 6 px apart on a zigzag, over fig-continue's pad in one task (the
# figure keeps the first 20,000 points); returns the milliseconds the page took to handle them.
# tests/browser/test_site.py checks the page paints on after it; bench/browser.py times it.
HUGE_DRAWING = """() => {
    const c = document.querySelector('#fig-continue canvas.ink');
    const r = c.getBoundingClientRect(), t0 = performance.now();
    const ev = (type, x, y) => c.dispatchEvent(new PointerEvent(type, {
        clientX: r.left + x, clientY: r.top + y, pointerId: 7, bubbles: true, isPrimary: true }));
    ev('pointerdown', 10, 10);
    for (let i = 0; i < 100000; i++) {
        const row = Math.floor(i / 100) % 30, col = i % 100;
        ev('pointermove', 10 + 6 * (row % 2 ? 99 - col : col), 10 + 7 * row + (i % 2) * 3);
    }
    ev('pointerup', 10, 10);
    return performance.now() - t0;
}"""


def word(box: dict) -> list[list[tuple[float, float]]]:
    """Three loopy strokes, like a short word, across the left of ``box`` (x, y, width, height in
    viewport pixels): each a list of points, pen down at the first, up after the last. The browser
    tests draw it into the writing pads, with Playwright (Chromium) or bench/engines.py's drivers."""
    x0, y0, strokes = box["x"] + 60, box["y"] + box["height"] / 2, []
    for _ in range(3):
        strokes.append([(x0, y0)] + [(x0 + 3 * i + 12 * math.cos(i / 6), y0 - 18 * math.sin(i / 6)) for i in range(40)])
        x0 += 150
    return strokes


# How many animation frames the main thread paints in the next `ms` milliseconds.
FRAMES_IN = """(ms) => new Promise((done) => {
    let n = 0; const t0 = performance.now();
    const tick = () => { n++; if (performance.now() - t0 < ms) requestAnimationFrame(tick); else done(n); };
    requestAnimationFrame(tick);
})"""


class BrowserWithDefaults:
    """A Playwright browser whose new_context() starts from CONTEXT_DEFAULTS and, given
    ``timeout_ms``, gives every wait in the context that limit unless the wait names its own."""

    def __init__(self, browser, timeout_ms: int | None = None):
        self._browser, self._timeout_ms = browser, timeout_ms

    def new_context(self, **kwargs):
        context = self._browser.new_context(**{**CONTEXT_DEFAULTS, **kwargs})
        if self._timeout_ms is not None:
            context.set_default_timeout(self._timeout_ms)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield BrowserWithDefaults(browser)
        finally:
            browser.close()


@contextlib.contextmanager
def served(site: Path):
    from builder.serve import serve_in_thread
    server, url = serve_in_thread(site)
    try:
        yield url
    finally:
        server.shutdown()


def quiet(page):
    """Scroll to the article's end, where no live figure shows, and let their last requests finish:
    the worker then serves only the benchmark (fig-generate, at the top, writes while it is seen)."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(1500)


def ready_page(browser, url, init_script: str | None = None):
    ctx = browser.new_context()
    if init_script:
        ctx.add_init_script(init_script)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function("() => document.documentElement.dataset.model === 'ready'", timeout=120_000)
    return page
