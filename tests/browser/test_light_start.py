"""A light start and bad states, in Chromium: on a connection that asks to save data, or with the
reader's setting off, the page downloads neither Pyodide nor the service worker's copy until asked;
a Pyodide that cannot load leaves every live figure's static frame with one line that says so."""
import gzip
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

from tests import helpers

from .conftest import Served, wait_frames

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SAVE_DATA = "Object.defineProperty(Navigator.prototype, 'connection', { get: () => ({ saveData: true }) });"
LIVE = helpers.live_figures()  # every placed figure the page mounts, found from the figure folders
HEAVY = re.compile(r"/(pyodide|py|kernel|data)/|/runtime/worker\.js$|/sw\.js$")  # what only the live figures need


def heavy_requests(requests) -> list[str]:
    return [u for u in requests if HEAVY.search(urlparse(u).path)]


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text())  # evaluated, not a <script> tag: the page's policy allows no inline script
    result = page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
                           ".map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }))")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def live_figures(page) -> list[str]:
    return page.eval_on_selector_all("figure[data-figure]", "els => els.map((e) => e.id)")


def test_save_data_waits_for_the_reader_then_one_click_starts_every_figure(guarded, context, page, site_url, site_dir):
    context.add_init_script(SAVE_DATA)
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    page.goto(site_url)
    buttons = page.locator("button", has_text="Run the live figures")
    assert sorted(live_figures(page)) == sorted(LIVE)
    buttons.first.wait_for()
    page.wait_for_load_state("networkidle")
    assert buttons.count() == len(LIVE)
    assert not heavy_requests(requests), heavy_requests(requests)
    assert page.evaluate("document.documentElement.dataset.model") == "idle"
    for fid in LIVE:
        assert page.locator(f"#{fid} .frame.static svg").is_visible(), fid
        assert page.locator(f"#{fid} button", has_text="Run the live figures").is_visible(), fid
    # the size it names is the build's: the gzip size of what the live figures download
    live = json.loads(page.inner_text("#page-config"))["live_bytes"]
    assert re.fullmatch(rf"Run the live figures \({live / 1e6:.1f} MB\)", buttons.first.inner_text())
    pyodide = sum(len(gzip.compress(p.read_bytes(), 6, mtime=0)) for p in (site_dir / "pyodide").iterdir())
    everything = sum(len(gzip.compress(p.read_bytes(), 6, mtime=0)) for p in site_dir.rglob("*") if p.is_file())
    assert pyodide < live < everything
    assert not page.locator(".live-setting input").is_checked()
    assert not axe_violations(page)

    buttons.nth(2).click()
    page.wait_for_function("() => document.documentElement.dataset.model === 'ready'")
    assert buttons.count() == 0
    page.wait_for_function("() => [...document.querySelectorAll('figure[data-figure]')].every((f) => f.dataset.live === 'true')")
    assert heavy_requests(requests)  # now it downloads
    assert not axe_violations(page)


def test_the_setting_is_remembered(guarded, page, site_url):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site_url)
    setting = page.locator(".live-setting input")
    assert setting.is_checked()  # no setting and no data saving: the figures start
    page.wait_for_function("() => document.documentElement.dataset.model === 'ready'")
    setting.uncheck()
    assert page.evaluate("localStorage.getItem('handwriting.live')") == "off"
    assert "next visit" in page.inner_text(".live-setting")
    assert page.evaluate("document.documentElement.dataset.model") == "ready"  # this visit's keep running
    requests.clear()
    page.reload()
    page.locator("button", has_text="Run the live figures").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert not heavy_requests(requests) and not setting.is_checked()
    setting.check()  # on again: they start now, and on the next visits
    page.wait_for_function("() => document.documentElement.dataset.model === 'ready'")
    assert page.evaluate("localStorage.getItem('handwriting.live')") == "on"
    assert page.locator("button", has_text="Run the live figures").count() == 0


def test_a_corrupt_pyodide_leaves_every_static_frame_and_one_line(browser, site_dir, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(site_dir, site)
    wasm = site / "pyodide" / "pyodide.asm.wasm"
    wasm.write_bytes(wasm.read_bytes()[: wasm.stat().st_size // 2])  # a download cut off halfway
    served = Served(site)
    context = browser.new_context()
    messages = []
    context.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    context.on("weberror", lambda e: messages.append(f"page error: {e.error}"))
    try:
        page = context.new_page()
        page.goto(served.url)
        page.wait_for_function("() => document.documentElement.dataset.model === 'failed'")
        page.locator("#fig-console").scroll_into_view_if_needed()  # the console went live before the model failed
        for fid in LIVE:
            status = page.inner_text(f"#{fid} .status")
            assert status.startswith("The live figure could not start (the Python runtime (Pyodide) could not start)"), (fid, status)
            assert "\n" not in status and len(status) < 200, status
            assert page.locator(f"#{fid} .frame.static").is_visible(), fid
            assert page.locator(f"#{fid} .live").is_hidden(), fid
        wait_frames(page, 5)  # the main thread paints on
        assert page.evaluate("document.documentElement.dataset.offline") is None  # nothing to keep from a broken site
    finally:
        context.close()
        served.stop()
    bad = [m for m in messages if m.startswith(("error", "page error")) or "Uncaught" in m or "unhandled" in m.lower()]
    assert not bad, bad
