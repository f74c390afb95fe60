"""Possible paths: time for all branches of a 600-point line, in Chromium's worker and natively,
and the rate the figure itself delivers.

    python bench/paths.py [--site DIR] [--runs 3]

50 branches per point at Steps 1, 4 and 8, Variation 0.5. Prints medians of --runs, and the rate of
progressive drawing in points of the line per second: in the model worker alone, and spread over
the model worker and its helpers (what fig-paths does: one worker per core, at most 4). Then, in
fig-paths itself (its drawing on the main thread included), the points per second it completes on
its opening line at each Steps setting (the time to its 200th point), and the longest main-thread
task meanwhile.
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from common import parse_args, chromium, quiet, ready_page, served, site_folder  # noqa: E402

import engine  # noqa: E402
from engine.paths import possible_paths  # noqa: E402

JS = """async ([flat, steps, spread]) => {
  const { model } = await import('./runtime/client.js');
  const payload = { strokes: new Float32Array(flat), n_paths: 50, steps, temperature: 0.5, seed: 1 };
  const t0 = performance.now();
  const job = spread ? model.spread('paths', payload) : model.request('paths', payload);
  await job.promise;
  return [(performance.now() - t0) / 1000, job.workers || 1]; }"""

FIGURE = """async ([steps, points]) => {
  const root = document.getElementById('fig-paths'), select = root.querySelector('select.steps');
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
    .observe({ entryTypes: ['longtask'] });
  select.value = String(steps);
  select.dispatchEvent(new Event('change'));
  const t0 = performance.now();
  while (Number(root.dataset.pointsDone) < points) await new Promise((done) => setTimeout(done, 20));
  return [points / ((performance.now() - t0) / 1000), Math.max(0, ...window.__long)]; }"""
FIGURE_POINTS = 200  # of the figure's opening line (the first generated line, longer than this)

HELPERS = """async () => {
  const { model } = await import('./runtime/client.js');
  model.startHelpers();
  await Promise.allSettled(model.helpers.map((h) => h.ready));
  return model.helpers.filter((h) => h.status === 'ready').length; }"""


def main():
    args = parse_args(__doc__, runs=3)
    site = site_folder(args.site)
    model = engine.load_model(site / "py" / "weights.bin")
    line, _ = engine.generate(model, 600, 0.5, seed=0)
    flat = line.astype("float32").ravel().tolist()
    med = statistics.median
    print(f"600-point line, 50 branches, medians of {args.runs}")
    native = {}
    for steps in (1, 4, 8):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            possible_paths(model, line, 50, steps, 0.5, seed=1)
            times.append(time.perf_counter() - t0)
        native[steps] = med(times)
    with chromium() as browser, served(site) as url:
        page = ready_page(browser, url)
        quiet(page)  # the workers serve only these requests until fig-paths is scrolled to
        helpers = page.evaluate(HELPERS)
        print(f"navigator.hardwareConcurrency {page.evaluate('navigator.hardwareConcurrency')}, helpers ready: {helpers}")
        for steps in (1, 4, 8):
            one = med([page.evaluate(JS, [flat, steps, False])[0] for _ in range(args.runs)])
            runs = [page.evaluate(JS, [flat, steps, True]) for _ in range(args.runs)]
            all_, workers = med([r[0] for r in runs]), runs[0][1]
            print(f"Steps {steps}: one worker {one:6.2f} s ({600 / one:6.1f} points/s); "
                  f"{workers} workers {all_:6.2f} s ({600 / all_:6.1f} points/s); "
                  f"native CPython {native[steps]:6.2f} s ({600 / native[steps]:6.1f} points/s)")
        page.locator("#fig-paths").scroll_into_view_if_needed()
        for steps in (1, 4, 8):
            rates = [page.evaluate(FIGURE, [steps, FIGURE_POINTS]) for _ in range(args.runs)]
            print(f"fig-paths, Steps {steps}: {med([r[0] for r in rates]):6.1f} points/s as drawn, "
                  f"longest main-thread task {max(r[1] for r in rates):.0f} ms (0 = none over 50 ms)")


if __name__ == "__main__":
    main()
