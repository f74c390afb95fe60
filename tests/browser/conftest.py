"""Browser tests: the built site served on 127.0.0.1, Debian's Chromium driven by Playwright.

Every request that is not to the local server fails the test (the site must be self-contained),
and so does any console error or uncaught page error.

The tests wait for states (the model ready, a figure's counter reached), never for a time: every
wait in their browser contexts has HANG_MS as its limit, long enough that on a loaded machine only
a hang reaches it. How fast things are is measured in bench/, never asserted here.
"""
from __future__ import annotations

import functools
import http.server
import itertools
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

import build
from bench.common import ARGS, CHROMIUM, CONTEXT_DEFAULTS, BrowserWithDefaults
from builder.serve import serve_in_thread

HANG_MS = 300_000  # every wait's limit (the browser fixture's contexts): only a hang reaches it


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The site built once with the default weights."""
    out = tmp_path_factory.mktemp("site")
    build.main(["--out", str(out)])
    return out


@pytest.fixture(scope="session")
def site_url(site_dir):
    server, url = serve_in_thread(site_dir)
    yield url
    server.shutdown()


@pytest.fixture
def guarded(context, site_url):
    """The browser context with every off-origin request blocked and recorded, plus error capture."""
    origin = urlparse(site_url).netloc
    outside, errors = [], []

    def route(r):
        if urlparse(r.request.url).netloc == origin or r.request.url.startswith("data:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()
    context.route("**/*", route)
    context.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    context.on("weberror", lambda e: errors.append(f"page error: {e.error}"))
    yield {"outside": outside, "errors": errors}
    assert not outside, f"requests outside the site: {outside}"
    assert not errors, errors


@pytest.fixture
def live_page(guarded, page, site_url):
    """The article loaded and its model ready."""
    page.goto(site_url)
    page.wait_for_function("document.documentElement.dataset.model === 'ready'")
    return page


_waits = itertools.count()


def wait_frames(page, n: int) -> None:
    """Wait until the page has painted ``n`` more animation frames (the figures draw once a frame).
    The predicate runs once now and then once a frame (polling "raf"), counting in its own window
    property; the wait runs in Playwright, so a main thread that stops painting fails it at HANG_MS."""
    page.wait_for_function("([key, n]) => (window[key] = (window[key] || 0) + 1) > n",
                           arg=[f"__frames{next(_waits)}", n], polling="raf")


# How many pixels of a canvas hold something (alpha > 0): what a figure has drawn there.
INK = """(c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }"""


def canvas_ink(page, selector: str) -> int:
    """How many pixels of the canvas ``selector`` holds ink on (INK)."""
    return page.evaluate(f"(selector) => ({INK})(document.querySelector(selector))", selector)


# What a live figure shows: whether it is live, the text of each writing pad's hint on show, the
# ink on those pads' canvases, and the ink on each other canvas of its live part on show.
SHOWN = f"""(id) => {{ const root = document.getElementById(id), ink = {INK};
    const hints = [...root.querySelectorAll('.pad-hint')].filter((h) => h.checkVisibility());
    const pads = hints.flatMap((h) => [...h.parentElement.querySelectorAll('canvas')]);
    const others = [...root.querySelectorAll('.live canvas')].filter((c) => c.checkVisibility() && !pads.includes(c));
    return {{ live: root.dataset.live === 'true', hints: hints.map((h) => h.textContent), pads: pads.map(ink),
              drawn: others.map(ink) }}; }}"""


def first_look(page, fid: str) -> dict:
    """Scroll to the live figure ``fid`` and wait for its first look: live and, unless it waits for
    the reader's pen (a pad's hint on show), ink on every canvas it shows (over 500 pixels each; a
    figure with no canvas, such as the console before code runs, is then only live). Returns SHOWN."""
    page.locator(f"#{fid}").scroll_into_view_if_needed()
    page.wait_for_function(f"""(id) => {{ const s = ({SHOWN})(id);
        return s.live && (s.hints.length > 0 || s.drawn.every((n) => n > 500)); }}""", arg=fid)
    return page.evaluate(SHOWN, fid)


# True once every figure canvas has the bitmap size of its CSS box: runtime/draw.js fitCanvas has
# followed the latest layout. The console's pictures (.shown) and fig-write's heatmap
# ([data-own-pixels]: one pixel per column and row, scaled by CSS) keep their own resolution.
CANVASES_FITTED = """() => [...document.querySelectorAll('figure canvas:not(.shown):not([data-own-pixels])')].every((c) => {
    const r = c.getBoundingClientRect();
    return c.width === Math.max(1, Math.round(r.width * devicePixelRatio))
        && c.height === Math.max(1, Math.round(r.height * devicePixelRatio)); })"""


def screenshot(page, folder: str, name: str) -> Path:
    """A full-page screenshot in pytest-playwright's per-test output folder (test-results/…), for a
    person to look at; the tests assert on the page itself."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


# Every browser context in these tests starts from bench.common.CONTEXT_DEFAULTS (service workers
# blocked, the page's policy bypassed) unless a test asks otherwise: tests/browser/test_offline.py
# opens its contexts with both turned back on and tests the service worker and the policy themselves.
OFFLINE_CONTEXT = {"service_workers": "allow", "bypass_csp": False}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CONTEXT_DEFAULTS}


@pytest.fixture(scope="session")
def browser(browser):
    """pytest-playwright's browser, whose new_context() starts from CONTEXT_DEFAULTS and HANG_MS too
    (tests that open their own contexts get them)."""
    return BrowserWithDefaults(browser, HANG_MS)


class Served:
    """A folder served from a thread on one port for its whole life: stop() and start() again keep
    the origin, so the site's service worker is still the one in charge after a restart. ``plain``:
    Python's own handler, which sends no Content-Security-Policy header (like a host that cannot)."""

    def __init__(self, folder: Path, plain: bool = False):
        self.folder, self.plain, self.port = Path(folder), plain, 0
        self.start()
        self.url = f"http://127.0.0.1:{self.port}/"

    def start(self):
        if self.plain:
            from builder.serve import Server
            handler = functools.partial(_PlainHandler, directory=str(self.folder))
            self.server = Server(("127.0.0.1", self.port), handler)
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
        else:
            self.server, _ = serve_in_thread(self.folder, self.port)
        self.port = self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class _PlainHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def record_errors(context) -> list[str]:
    """Console errors and uncaught errors of every page (and its workers) in ``context``."""
    errors = []
    context.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    context.on("weberror", lambda e: errors.append(f"page error: {e.error}"))
    return errors
