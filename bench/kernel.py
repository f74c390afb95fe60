"""The WebAssembly SIMD kernel against the NumPy path, in the same headless Chromium run, interleaved.

    python bench/kernel.py [--site DIR] [--runs 5]

Per run: a cold start with the kernel and one without it (``?kernel=off``, fresh browser contexts,
in alternating order), then in the kernel's worker the sampling step (update + mixture + sample)
on the kernel and on the NumPy path (the same weights), at batch 1 and 50, alternating; and the
activations of a 700-point line (the heatmap's request). Medians are printed. A synthetic 1×900
LSTM's step is measured by ``node kernel/bench_pyodide.mjs`` (Pyodide under Node).
"""
from __future__ import annotations

import statistics
import time

from common import chromium, parse_args, served, site_folder

STEP = """async ([backend, batch, steps]) => { const { model } = await import('./runtime/client.js');
  return (await model.request('bench', { batch, steps, backend }).promise).ms; }"""
ACTIVATIONS = """async () => { const { model } = await import('./runtime/client.js');
  const g = await model.request('generate', { session: 'b', n: 700, temperature: 0.5, seed: 3, reset: true }).promise;
  const t0 = performance.now(); await model.request('activations', { strokes: g.strokes }).promise;
  return performance.now() - t0; }"""


def cold(browser, url) -> tuple[float, object]:
    ctx = browser.new_context()
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.model === 'ready'", timeout=120_000)
    return time.perf_counter() - t0, page


def main():
    args = parse_args(__doc__, runs=5)
    site = site_folder(args.site)
    r = {k: [] for k in ("cold kernel", "cold numpy", "kernel 1", "numpy 1", "kernel 50", "numpy 50", "activations")}
    with chromium() as browser, served(site) as url:
        for i in range(args.runs):
            order = ("kernel", "numpy") if i % 2 == 0 else ("numpy", "kernel")
            for which in order:
                seconds, page = cold(browser, url + ("?kernel=off" if which == "numpy" else ""))
                r[f"cold {which}"].append(seconds)
                if which == "kernel":
                    assert page.evaluate("async () => (await import('./runtime/client.js')).model.info.backend") == "kernel"
                    for backend in ("model", "numpy", "model", "numpy"):
                        name = "kernel" if backend == "model" else "numpy"
                        r[f"{name} 1"].append(page.evaluate(STEP, [backend, 1, 200]))
                        r[f"{name} 50"].append(page.evaluate(STEP, [backend, 50, 20]))
                    r["activations"].append(page.evaluate(ACTIVATIONS))
                page.context.close()
    med = {k: statistics.median(v) for k, v in r.items()}
    print(f"medians of {args.runs} runs, headless Chromium on 127.0.0.1, interleaved")
    print(f"cold start to model-ready   kernel {med['cold kernel']:.2f} s, NumPy {med['cold numpy']:.2f} s "
          f"({100 * (med['cold kernel'] / med['cold numpy'] - 1):+.1f} %)")
    print(f"worker sampling step, b 1   kernel {med['kernel 1']:.3f} ms, NumPy {med['numpy 1']:.3f} ms "
          f"({med['numpy 1'] / med['kernel 1']:.1f}×)")
    print(f"worker sampling step, b 50  kernel {med['kernel 50']:.2f} ms, NumPy {med['numpy 50']:.2f} ms "
          f"({med['numpy 50'] / med['kernel 50']:.1f}×)")
    print(f"activations, 700 points     {med['activations']:.0f} ms (kernel)")


if __name__ == "__main__":
    main()
