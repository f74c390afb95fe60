"""The site in headless Chromium: start-up, transfer, worker step times, main-thread tasks.

    python bench/browser.py [--site DIR] [--runs 5]

Builds the site into a temporary folder unless --site is given, serves it on 127.0.0.1 and prints
medians over --runs page loads. Cold and warm starts run with service workers blocked (the network,
then the HTTP cache); the repeat visit lets the site's service worker keep the site, then loads it
again from its cache. Needs `npm ci` and Debian's chromium (as `make test` sets up).
"""
from __future__ import annotations

import gzip
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

from common import parse_args, chromium, served, site_folder

LONGTASKS = """window.__long = []; new PerformanceObserver((l) => {
  for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({entryTypes: ['longtask']});"""


def load(page, url) -> float:
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function("() => document.documentElement.dataset.model === 'ready'", timeout=120_000)
    return time.perf_counter() - t0


def repeat_visit(browser, url) -> float:
    """Start to model-ready on a second visit that the service worker serves from its cache."""
    ctx = browser.new_context(service_workers="allow")
    page = ctx.new_page()
    load(page, url)
    page.wait_for_function("() => document.documentElement.dataset.offline === 'ready'", timeout=120_000)
    seconds = load(page, url)
    assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)"), "the service worker did not serve the page"
    ctx.close()
    return seconds


def transfer(site: Path, paths: set[str]) -> tuple[int, int]:
    raw = gz = 0
    for p in paths:
        f = site / (p.lstrip("/") or "index.html")
        if f.is_file():
            data = f.read_bytes()
            raw += len(data)
            gz += len(gzip.compress(data, 6))
    return raw, gz


def main():
    args = parse_args(__doc__, runs=5)
    site = site_folder(args.site)
    cold, warm, cached, b1, b50, longest, paths, stages = [], [], [], [], [], [], set(), []
    with chromium() as browser, served(site) as url:
        for _ in range(args.runs):
            ctx = browser.new_context()  # service workers blocked (common.CONTEXT_DEFAULTS)
            ctx.add_init_script(LONGTASKS)
            page = ctx.new_page()
            page.on("request", lambda r: paths.add(urlparse(r.url).path))
            cold.append(load(page, url))
            stages.append(page.evaluate("""async () => { const { model } = await import('./runtime/client.js');
                return { 'page until worker': Math.round(model.startedAt), ...model.info.timings }; }"""))
            warm.append(load(page, url))  # same context: the HTTP cache is warm
            res = page.evaluate("""async () => {
                const { model } = await import('./runtime/client.js');
                const one = await model.request('bench', { batch: 1, steps: 200 }).promise;
                const fifty = await model.request('bench', { batch: 50, steps: 20 }).promise;
                return [one.ms, fifty.ms]; }""")
            b1.append(res[0])
            b50.append(res[1])
            page.evaluate("window.__long = []")
            page.locator("#fig-generate").scroll_into_view_if_needed()
            page.wait_for_timeout(4000)
            longest.append(max(page.evaluate("window.__long") or [0]))
            ctx.close()
            cached.append(repeat_visit(browser, url))
    raw, gz = transfer(site, paths)
    med = statistics.median
    print(f"medians of {args.runs} runs, headless Chromium on 127.0.0.1")
    print(f"cold start to model-ready  {med(cold):.2f} s")
    parts = ", ".join(f"{k} {med([t[k] for t in stages]) / 1000:.2f} s" for k in stages[0])
    print(f"  cold start, worker stages: {parts}")
    print(f"warm start to model-ready  {med(warm):.2f} s")
    print(f"repeat visit, model-ready  {med(cached):.2f} s from the service worker's cache")
    print(f"bytes transferred          {raw / 1e6:.2f} MB raw, {gz / 1e6:.2f} MB gzip -6")
    print(f"worker sampling step       batch 1 {med(b1):.3f} ms, batch 50 {med(b50):.3f} ms")
    print(f"longest main-thread task   {med(longest):.0f} ms while fig-generate runs (0 = none over 50 ms)")


if __name__ == "__main__":
    main()
