"""Shared by the browser benchmarks (and, for Chromium's flags and context defaults, the browser
tests): build (or reuse) a site, serve it, open it in headless Chromium."""
from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's, as `make test` installs it
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def parse_args(doc: str, runs: int):
    """The browser benchmarks' shared options: --site DIR (else build one), --runs N."""
    import argparse
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--site", help="a built site to measure (default: build one into a temporary folder)")
    p.add_argument("--runs", type=int, default=runs, help="repetitions; medians are printed")
    return p.parse_args()


def site_folder(path: str | None) -> Path:
    if path:
        return Path(path)
    import build
    out = Path(tempfile.mkdtemp()) / "site"
    build.main(["--out", str(out)])
    return out


# Every context starts from these unless a benchmark or test asks otherwise: service workers blocked,
# so a page load measures the network and the HTTP cache and routing sees every request, never a copy
# the site's service worker kept (bench/browser.py and tests/browser/test_offline.py turn them back
# on); the page's Content-Security-Policy bypassed, because Playwright's wait_for_function evaluates
# an expression string with eval, which the policy forbids.
CONTEXT_DEFAULTS = {"service_workers": "block", "bypass_csp": True}


class BrowserWithDefaults:
    """A Playwright browser whose new_context() starts from CONTEXT_DEFAULTS."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        return self._browser.new_context(**{**CONTEXT_DEFAULTS, **kwargs})

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
