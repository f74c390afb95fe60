"""The site in headless Chromium: start-up with and without the SIMD kernel, transfer, the worker's
step on the kernel and on the NumPy path, a larger synthetic model, main-thread tasks.

    python bench/browser.py [--site DIR] [--runs 5]

Builds the site into a temporary folder unless --site is given, serves it on 127.0.0.1, loads the
page once unmeasured (a fresh browser's first page is slower), then prints medians over --runs.
Each run, in fresh browser contexts with service workers blocked:

- a cold start with the kernel and one without it (``?kernel=off``), in alternating order;
- in the kernel's page: a warm start (the HTTP cache); scrolled to the article's end, where no live
  figure runs, the worker's ``bench`` request on the kernel and on the NumPy path (the same
  weights), batch 1 and 50, alternating; the same for a synthetic 1×900 model (random weights,
  quantized as a weights file stores them);
  the longest main-thread task while fig-generate writes (a line's activations: bench/cells.py);
  then a huge drawing (100,000 pointer moves over fig-continue's pad in one task): the time to
  handle them, and the frames painted in the second after;
- a repeat visit that the site's service worker serves from its cache.

Needs `npm ci` and Debian's chromium (as `make test` sets up).
"""
from __future__ import annotations

import gzip
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

from common import FRAMES_IN, HUGE_DRAWING, chromium, parse_args, quiet, served, site_folder

LONGTASKS = """window.__long = []; new PerformanceObserver((l) => {
  for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({entryTypes: ['longtask']});"""
STAGES = """async () => { const { model } = await import('./runtime/client.js');
  return { 'page until worker': Math.round(model.startedAt), ...model.info.timings }; }"""
STEP = """async ([backend, batch, steps, hidden]) => { const { model } = await import('./runtime/client.js');
  return (await model.request('bench', { batch, steps, backend, hidden }).promise).ms; }"""
# (label, backend, batch, steps per block, synthetic cells or None)
STEPS = [("kernel 1", "model", 1, 200, None), ("numpy 1", "numpy", 1, 200, None),
         ("kernel 50", "model", 50, 20, None), ("numpy 50", "numpy", 50, 20, None)]
SYNTHETIC = [("900 kernel 1", "model", 1, 100, 900), ("900 numpy 1", "numpy", 1, 100, 900),
             ("900 kernel 50", "model", 50, 10, 900), ("900 numpy 50", "numpy", 50, 5, 900)]


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


def in_kernel_page(page, url, r: dict):
    """Everything measured inside the page that runs the kernel (see the module docstring)."""
    r["warm"].append(load(page, url))  # same context: the HTTP cache is warm
    assert page.evaluate("async () => (await import('./runtime/client.js')).model.info.backend") == "kernel"
    quiet(page)
    for _ in range(2):  # kernel and NumPy alternate, twice
        for label, backend, batch, steps, hidden in STEPS:
            r[label].append(page.evaluate(STEP, [backend, batch, steps, hidden]))
    for label, backend, batch, steps, hidden in SYNTHETIC:
        r[label].append(page.evaluate(STEP, [backend, batch, steps, hidden]))
    page.evaluate("window.__long = []")
    page.locator("#fig-generate").scroll_into_view_if_needed()
    page.wait_for_timeout(4000)
    r["longest"].append(max(page.evaluate("window.__long") or [0]))
    page.locator("#fig-continue canvas.ink").scroll_into_view_if_needed()
    r["huge drawing"].append(page.evaluate(HUGE_DRAWING))
    r["frames after"].append(page.evaluate(FRAMES_IN, 1000))


def main():
    args = parse_args(__doc__, runs=5)
    site = site_folder(args.site)
    labels = ["cold kernel", "cold numpy", "warm", "cached", "longest", "huge drawing", "frames after"]
    r = {k: [] for k in labels + [s[0] for s in STEPS + SYNTHETIC]}
    paths, stages = set(), {"kernel": [], "numpy": []}
    with chromium() as browser, served(site) as url:
        ctx = browser.new_context()  # one load first, unmeasured: a fresh browser's first page is slower
        load(ctx.new_page(), url)
        ctx.close()
        for i in range(args.runs):
            for which in (("kernel", "numpy") if i % 2 == 0 else ("numpy", "kernel")):
                ctx = browser.new_context()  # service workers blocked (common.CONTEXT_DEFAULTS)
                ctx.add_init_script(LONGTASKS)
                page = ctx.new_page()
                if which == "kernel":
                    page.on("request", lambda req: paths.add(urlparse(req.url).path))
                r[f"cold {which}"].append(load(page, url + ("?kernel=off" if which == "numpy" else "")))
                stages[which].append(page.evaluate(STAGES))
                if which == "kernel":
                    in_kernel_page(page, url, r)
                ctx.close()
            r["cached"].append(repeat_visit(browser, url))
    raw, gz = transfer(site, paths)
    med = {k: statistics.median(v) for k, v in r.items()}
    ratio = lambda a, b: med[b] / med[a]  # noqa: E731 — how many times faster a is than b
    print(f"medians of {args.runs} runs, headless Chromium on 127.0.0.1; kernel and NumPy interleaved")
    print(f"cold start to model-ready  kernel {med['cold kernel']:.2f} s, without it (?kernel=off) "
          f"{med['cold numpy']:.2f} s ({100 * (med['cold kernel'] / med['cold numpy'] - 1):+.1f} %)")
    for which, runs in stages.items():
        parts = ", ".join(f"{k} {statistics.median([t[k] for t in runs]) / 1000:.2f}" for k in runs[0])
        print(f"  worker stages, {which:6s} (s): {parts}")
    print(f"warm start to model-ready  {med['warm']:.2f} s")
    print(f"repeat visit, model-ready  {med['cached']:.2f} s from the service worker's cache")
    print(f"bytes transferred          {raw / 1e6:.2f} MB raw, {gz / 1e6:.2f} MB gzip -6")
    for cells, prefix in (("the model", ""), ("synthetic 1×900", "900 ")):
        for b in (1, 50):
            k, n = f"{prefix}kernel {b}", f"{prefix}numpy {b}"
            print(f"sampling step, {cells:15s} batch {b:<2}  kernel {med[k]:7.3f} ms, NumPy {med[n]:7.3f} ms "
                  f"({ratio(k, n):.1f}×)")
    print(f"longest main-thread task   {med['longest']:.0f} ms while fig-generate runs (0 = none over 50 ms)")
    print(f"huge drawing               100,000 pointer moves handled in {med['huge drawing']:.0f} ms, "
          f"then {med['frames after']:.0f} frames painted in 1 s")


if __name__ == "__main__":
    main()
