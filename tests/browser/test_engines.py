"""The article in Gecko (Debian's firefox-esr) and WebKit (WebKitGTK's MiniBrowser), beside the
Chromium suite: the suite's built site, served as a plain static host serves it and nothing more
(bench/engines.py ListedSite: no headers, only the paths in build-manifest.json), in one fresh
browser per engine (bench/engines.py: puppeteer-core over WebDriver BiDi for Gecko, selenium and
WebKitWebDriver on an Xvfb display for WebKit).

Per engine: the model is ready on the WebAssembly kernel; every live figure takes its first look
and answers what a reader does to it; a reload with the server stopped reaches ready from the
service worker's copy and writes. After each test: no request the server refused, no uncaught
error, unhandled rejection or securitypolicyviolation in the page (and, in Gecko, no console error).

Every wait in the page has the suite's HANG_MS as its limit: only a hang reaches it.
"""
from __future__ import annotations

import pytest

from bench import engines
from tests.conftest import lacking
from tests.helpers import placed_figures

from .conftest import HANG_MS, INK, SHOWN

LIVE = [(f.id, f.kind) for f in placed_figures() if f.live]  # every figure the page mounts, from its folder


@pytest.fixture(scope="session")
def display():
    """An Xvfb display for WebKit's MiniBrowser, which needs one even when nobody looks."""
    with engines.xvfb() as name:
        yield name


class Reading:
    """One engine's page on its listed site."""

    def __init__(self, page: engines.Page, site: engines.ListedSite):
        self.page, self.site = page, site

    def check(self) -> None:
        """Nothing refused and nothing reported in the page since the last check."""
        refused, errors = self.site.refused[:], self.page.errors()
        self.site.refused.clear()
        assert not refused, f"{self.page.engine}: requests for paths the site does not list: {refused}"
        assert not errors, f"{self.page.engine}: {errors}"


@pytest.fixture(scope="module", params=engines.ENGINES)
def reading(request):
    """A fresh browser of the engine, on the site served by its own ListedSite, the page loaded;
    at the end, what the page reported after the last test fails that test too."""
    engine = request.param
    if why := engines.missing(engine):
        lacking(f"the {engine} suite needs {why}, not found: `make test` installs it")
    display = request.getfixturevalue("display") if engine == "webkit" else None
    site = engines.ListedSite(request.getfixturevalue("site_dir"))
    try:
        with engines.open_page(engine, HANG_MS, display) as page:
            page.goto(site.url)
            reading = Reading(page, site)
            yield reading
            reading.check()
    finally:
        site.stop()


@pytest.fixture
def reader(reading):
    """The engine's page for one test, checked afterwards (Reading.check)."""
    yield reading
    reading.check()


def ink(page, selector: str) -> int:
    return page.evaluate(f"(selector) => ({INK})(document.querySelector(selector))", selector)


# A number that changes with any pixel of the canvas: whether a figure redrew it.
PICTURE = """(selector) => { const c = document.querySelector(selector);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0; for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) % 2147483647; return h; }"""


def generate(page, fid):
    """Writes by itself."""
    page.wait_count(fid, "points", 50)
    assert ink(page, f"#{fid} canvas.ink") > 500


def continue_(page, fid):
    """A word written into its pad gets the model's predictions, drawn over it."""
    page.draw_word(f"#{fid} canvas.ink")
    page.wait_count(fid, "predictions", 0)
    assert page.count(fid, "rows") > 30
    assert ink(page, f"#{fid} canvas.ink") > 300 and ink(page, f"#{fid} canvas.ghost") > 50


def paths(page, fid):
    """Draws branches along its line (both placements: the generated line and the human one)."""
    page.wait_count(fid, "pointsDone", 4)
    assert ink(page, f"#{fid} canvas.line") > 300 and ink(page, f"#{fid} canvas.branches") > 500


def cells(page, fid):
    """A click on the heatmap picks another cell and recolours the line."""
    page.wait(f"() => document.querySelector('#{fid} .readout').textContent.startsWith('Cell')")
    cell, line = page.count(fid, "cell"), page.evaluate(PICTURE, f"#{fid} canvas.strokes")
    page.click_in(f"#{fid} canvas.heat", 0.5, 0.7)
    page.wait(f"(before) => Number(document.getElementById('{fid}').dataset.cell) !== before", cell)
    assert page.evaluate(PICTURE, f"#{fid} canvas.strokes") != line


def cells_live(page, fid):
    """What is written is fed to the model point by point, and the grid of cells follows."""
    grid = page.evaluate(PICTURE, f"#{fid} canvas.grid")
    page.draw_word(f"#{fid} canvas.write")
    page.wait(f"""() => {{ const r = document.getElementById('{fid}');
        return r.writingRows && r.writingRows.length > 30 && Number(r.dataset.fed) === r.writingRows.length; }}""")
    assert page.evaluate(PICTURE, f"#{fid} canvas.grid") != grid


def console(page, fid):
    """Runs Python and prints."""
    assert page.console_run("print(6 * 7)", fid).strip() == "42"


def write(page, fid):
    """A typed text is written (the synthesis model loads on Write), with one row of the window per
    character and one past the end. In the default site only when the synthesis model passes its bars."""
    page.evaluate("""(id) => { const input = document.querySelector(`#${id} input.text`);
        input.value = 'Hi there'; input.dispatchEvent(new Event('input')); }""", fid)
    page.click_in(f"#{fid} button.write")
    page.wait_count(fid, "points", 10)
    before = ink(page, f"#{fid} canvas.ink")
    page.wait_count(fid, "points", 60)
    assert ink(page, f"#{fid} canvas.ink") > before > 0  # the ink grows as it is written
    rows = page.evaluate("(id) => [...document.querySelectorAll(`#${id} .live .row-labels span`)].map((s) => s.textContent)", fid)
    assert rows == [*"Hi", "␣", *"there", "end"], rows


ANSWERS = {"generate": generate, "continue": continue_, "paths": paths, "cells": cells,
           "cells-live": cells_live, "console": console, "write": write}


def test_the_model_is_ready_on_the_kernel(reader):
    page = reader.page
    assert page.model_status() == "ready"
    info = page.model_info()
    assert info["backend"] == "kernel", info
    assert info["kernelModule"] in ("lstm-fma.wasm", "lstm.wasm"), info  # relaxed SIMD where the engine has it


def test_every_live_figure_has_its_answer_here():
    """A figure added to the article gets its use in these engines too (ANSWERS)."""
    assert {kind for _, kind in LIVE} <= set(ANSWERS)


@pytest.mark.parametrize("fid, kind", LIVE, ids=[fid for fid, _ in LIVE])
def test_the_figure_answers(reader, fid, kind):
    page = reader.page
    assert page.model_status() == "ready"
    page.box(f"#{fid}")  # scrolled into view: figures run while seen
    shown = page.wait(f"""(id) => {{ const s = ({SHOWN})(id);
        return s.live && (s.hints.length > 0 || s.drawn.every((n) => n > 500)) && s; }}""", fid)
    assert shown["live"], shown
    ANSWERS[kind](page, fid)


# runtime/client.js's idle limit for paths helpers (null: none) and the helpers alive now.
HELPERS = """async () => { const c = await import(new URL('runtime/client.js', document.baseURI));
    return { limit: Number.isFinite(c.HELPER_IDLE_MS) ? c.HELPER_IDLE_MS : null, live: c.liveWorkers('helper') }; }"""


def test_idle_paths_helpers_are_stopped_in_webkit_only(reader):
    """WebKit, told by navigator.vendor, stops the paths helpers once paths are idle (fewer Pyodide
    workers alive at once: docs/design.md, "Sessions in a row"); Gecko keeps them. Runs after the
    figures' tests, whose paths booted the helpers."""
    page = reader.page
    page.evaluate("() => window.scrollTo(0, 0)")  # no paths figure in view: paths stop
    if page.engine == "webkit":
        assert page.evaluate(HELPERS)["limit"] == 10000
        page.wait(f"() => ({HELPERS})().then((h) => h.live === 0)")
    else:
        assert page.evaluate(HELPERS)["limit"] is None


def test_a_reload_with_the_server_stopped_reaches_ready_and_writes(reader):
    """The service worker kept the build after the first visit (its precache complete) and serves
    the page, its workers and their files."""
    page, site = reader.page, reader.site
    assert page.wait("() => ['ready', 'failed'].includes(document.documentElement.dataset.offline)"
                     " && document.documentElement.dataset.offline") == "ready"
    site.stop()
    try:
        page.reload()
        assert page.model_status() == "ready"
        assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
        assert page.model_info()["backend"] == "kernel"
        page.box("#fig-generate")
        generate(page, "fig-generate")
    finally:
        site.start()
