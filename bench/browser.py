"""The site in headless Chromium: start-up with and without the SIMD kernel, and with and without
fig-write's files in the build; transfer; the worker's step on the kernel and on the NumPy path, a
larger synthetic model; writing a sentence with the synthesis model; main-thread tasks.

    python bench/browser.py [--site DIR] [--write-site DIR] [--runs 5]

Builds two sites into temporary folders unless they are given: --site without the synthesis
model's files, --write-site with fig-write (the committed synthesis weights with a record that
passes every bar, as tests/browser/test_write.py builds it, so it is there whatever the weights'
own record says). Serves them on 127.0.0.1, loads the page once unmeasured (a fresh browser's
first page is slower), then prints medians over --runs. Each run, in fresh browser contexts with
service workers blocked, in an order that reverses from run to run:

- a cold start with the kernel and one without it (``?kernel=off``), on each site;
- in --site's kernel page: a warm start (the HTTP cache); scrolled to the article's end, where no live
  figure runs, the worker's ``bench`` request on the kernel and on the NumPy path (the same
  weights), batch 1 and 50, alternating; the same for a synthetic 1×900 model (random weights,
  quantized as a weights file stores them);
  the longest main-thread task while fig-generate writes (a line's activations: bench/cells.py);
  then a huge drawing (100,000 pointer moves over fig-continue's pad in one task): the time to
  handle them, and the frames painted in the second after;
- in each of the write site's pages, once the page's model is ready and its figures quiet: the
  synthesis model loaded (``model.loadSynthesis``), then ``SENTENCE`` (40 characters of ours)
  written by a ``write`` request, request to reply with nothing drawn (compute only; the worker
  wraps it into lines as for the figure), with the main-thread tasks over 50 ms meanwhile (a
  ``PerformanceObserver`` on ``longtask``); in the kernel's page, then fig-write writes it on
  Write, and the tasks over 50 ms are counted until its last point is drawn (at a person's pace);
- a repeat visit that the site's service worker serves from its cache.

Needs `npm ci` and Debian's chromium (as `make test` sets up).
"""
from __future__ import annotations

import gzip
import json
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

from common import FRAMES_IN, HUGE_DRAWING, chromium, parse_args, quiet, served, site_folder

from builder import offline

LONGTASKS = """window.__long = []; new PerformanceObserver((l) => {
  for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({entryTypes: ['longtask']});"""
STAGES = """async () => { const { model } = await import('./runtime/client.js');
  return { 'page until worker': Math.round(model.startedAt), ...model.info.timings }; }"""
STEP = """async ([backend, batch, steps, hidden]) => { const { model } = await import('./runtime/client.js');
  return (await model.request('bench', { batch, steps, backend, hidden }).promise).ms; }"""
SENTENCE = "Quiet rivers carry old songs to the sea."  # ours, 40 characters
WRITE_BIAS, WRITE_SEED = 0.75, 1  # the figure's default Neatness (article/index.md); any fixed seed
# Load the synthesis model, then write `text` with nothing drawn: seconds of each, points, lines,
# and the main-thread tasks over 50 ms while it wrote (their entries arrive after a frame or two).
WRITE = """async ([text, bias, seed]) => { const { model } = await import('./runtime/client.js');
  let t0 = performance.now();
  const info = await model.loadSynthesis();
  const load = (performance.now() - t0) / 1000;
  window.__long = [];
  t0 = performance.now();
  const r = await model.request('write', { text, bias, seed }).promise;
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((done) => setTimeout(done, 200));
  return { load, seconds, points: r.points, lines: r.lines.length, backend: info.backend, long: window.__long.length }; }"""
# fig-write has written (its request replied) and drawn every point: data-points has not moved
# since the last poll
DRAWN = """([before]) => { const f = document.getElementById('fig-write');
  const done = Number(f.dataset.writes || 0) > before && f.dataset.points === window.__drawn;
  window.__drawn = f.dataset.points; return done; }"""
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


def writes(page, r: dict, backend: str):
    """In a write-site page: the synthesis model loaded, then SENTENCE written (WRITE)."""
    quiet(page)
    w = page.evaluate(WRITE, [SENTENCE, WRITE_BIAS, WRITE_SEED])
    assert w["backend"] == ("kernel" if backend == "kernel" else "numpy"), w
    for key in ("load", "seconds", "points", "lines", "long"):
        r[f"write {backend} {key}"].append(w[key])


def figure_writes(page, r: dict):
    """fig-write writes SENTENCE on Write: the main-thread tasks over 50 ms until it is all drawn."""
    fig = page.locator("#fig-write")
    fig.scroll_into_view_if_needed()
    before = int(fig.get_attribute("data-writes") or 0)
    page.fill("#fig-write input.text", SENTENCE)
    page.evaluate("window.__long = []")
    page.press("#fig-write input.text", "Enter")
    page.wait_for_function(DRAWN, arg=[before], polling=1000, timeout=300_000)
    long = page.evaluate("window.__long")
    r["figure long"].append(len(long))
    r["figure longest"].append(max(long or [0]))


def offline_files(site: Path) -> list[str]:
    """Every file of the build the service worker keeps (its manifest's)."""
    return list(json.loads((site / offline.MANIFEST).read_text())["files"])


def transfers(site: Path, paths: set[str]) -> str:
    raw, gz = transfer(site, paths)
    return f"{raw / 1e6:.2f} MB raw, {gz / 1e6:.2f} MB gzip -6"


def main():
    args = parse_args(__doc__, runs=5, write_site=True)
    site, write_site = site_folder(args.site, synthesis=False), site_folder(args.write_site, synthesis=True)
    labels = ["cold kernel", "cold numpy", "cold write kernel", "cold write numpy", "warm", "cached", "longest",
              "huge drawing", "frames after", "figure long", "figure longest"]
    labels += [f"write {b} {k}" for b in ("kernel", "numpy") for k in ("load", "seconds", "points", "lines", "long")]
    r = {k: [] for k in labels + [s[0] for s in STEPS + SYNTHETIC]}
    variants = ("kernel", "numpy", "write kernel", "write numpy")
    paths, stages = {"kernel": set(), "write ready": set(), "write all": set()}, {v: [] for v in variants}
    with chromium() as browser, served(site) as url, served(write_site) as write_url:
        ctx = browser.new_context()  # one load first, unmeasured: a fresh browser's first page is slower
        load(ctx.new_page(), url)
        ctx.close()
        for i in range(args.runs):
            for which in (variants if i % 2 == 0 else variants[::-1]):
                backend = which.split()[-1]
                ctx = browser.new_context()  # service workers blocked (common.CONTEXT_DEFAULTS)
                ctx.add_init_script(LONGTASKS)
                page = ctx.new_page()
                seen = set()  # the paths this page requests
                if backend == "kernel":
                    page.on("request", lambda req, seen=seen: seen.add(urlparse(req.url).path))
                base = write_url if which.startswith("write") else url
                r[f"cold {which}"].append(load(page, base + ("?kernel=off" if backend == "numpy" else "")))
                if which == "write kernel":
                    paths["write ready"] |= seen
                stages[which].append(page.evaluate(STAGES))
                if which == "kernel":
                    in_kernel_page(page, url, r)
                elif which.startswith("write"):
                    writes(page, r, backend)
                    if backend == "kernel":
                        figure_writes(page, r)
                ctx.close()
                paths["write all" if which == "write kernel" else "kernel"] |= seen
            r["cached"].append(repeat_visit(browser, url))
    med = {k: statistics.median(v) for k, v in r.items()}
    ratio = lambda a, b: med[b] / med[a]  # noqa: E731 — how many times faster a is than b
    pct = lambda a, b: f"{100 * (med[a] / med[b] - 1):+.1f} %"  # noqa: E731 — a against b
    print(f"medians of {args.runs} runs, headless Chromium on 127.0.0.1; kernel and NumPy, and the two sites, interleaved")
    print(f"cold start to model-ready  kernel {med['cold kernel']:.2f} s, without it (?kernel=off) "
          f"{med['cold numpy']:.2f} s ({pct('cold kernel', 'cold numpy')})")
    print(f"  with fig-write's files in the build: kernel {med['cold write kernel']:.2f} s ({pct('cold write kernel', 'cold kernel')}), "
          f"?kernel=off {med['cold write numpy']:.2f} s ({pct('cold write numpy', 'cold numpy')}) against the build without them")
    for which, runs in stages.items():
        parts = ", ".join(f"{k} {statistics.median([t[k] for t in runs]) / 1000:.2f}" for k in runs[0])
        print(f"  worker stages, {which:12s} (s): {parts}")
    print(f"warm start to model-ready  {med['warm']:.2f} s")
    print(f"repeat visit, model-ready  {med['cached']:.2f} s from the service worker's cache")
    print(f"bytes transferred          {transfers(site, paths['kernel'])}")
    print(f"  with fig-write: until model-ready {transfers(write_site, paths['write ready'])}; "
          f"after fig-write has written {transfers(write_site, paths['write all'])}; "
          f"the whole build, as the service worker keeps it, {transfers(write_site, set(offline_files(write_site)))}")
    for cells, prefix in (("the model", ""), ("synthetic 1×900", "900 ")):
        for b in (1, 50):
            k, n = f"{prefix}kernel {b}", f"{prefix}numpy {b}"
            print(f"sampling step, {cells:15s} batch {b:<2}  kernel {med[k]:7.3f} ms, NumPy {med[n]:7.3f} ms "
                  f"({ratio(k, n):.1f}×)")
    print(f"longest main-thread task   {med['longest']:.0f} ms while fig-generate runs (0 = none over 50 ms)")
    print(f"huge drawing               100,000 pointer moves handled in {med['huge drawing']:.0f} ms, "
          f"then {med['frames after']:.0f} frames painted in 1 s")
    k, n = (lambda key: med[f"write kernel {key}"]), (lambda key: med[f"write numpy {key}"])  # noqa: E731
    print(f"write a 40-character sentence  kernel {k('seconds'):.2f} s, NumPy {n('seconds'):.2f} s ({k('points'):.0f} points)")
    print(f"  {k('points') / k('seconds'):,.0f} points/s on the kernel, {n('points') / n('seconds'):,.0f} on NumPy "
          f"({n('seconds') / k('seconds'):.1f}×; NumPy wrote {n('points'):.0f} points); {k('lines'):.0f} lines, "
          f"bias {WRITE_BIAS}, seed {WRITE_SEED}: {SENTENCE!r}")
    print(f"  the synthesis model loaded in {k('load'):.2f} s (kernel), {n('load'):.2f} s (NumPy); main-thread tasks over "
          f"50 ms while the worker wrote: kernel {k('long'):.0f}, NumPy {n('long'):.0f}")
    print(f"  fig-write writing it until drawn: {med['figure long']:.0f} main-thread tasks over 50 ms "
          f"(most in a run {max(r['figure long'])}), longest {med['figure longest']:.0f} ms (0 = none)")


if __name__ == "__main__":
    main()
