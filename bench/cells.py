"""Cells: activations of a 700-point line in the worker, heatmap redraw while dragging, and the
build-time ordering (fresh and cached).

    python bench/cells.py [--site DIR] [--runs 5]
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from common import parse_args, chromium, ready_page, served, site_folder  # noqa: E402

import engine  # noqa: E402
from builder import cells, frames  # noqa: E402

ACTS = """async (flat) => {
  const { model } = await import('./runtime/client.js');
  const t0 = performance.now();
  await model.request('activations', { strokes: new Float32Array(flat) }).promise;
  return performance.now() - t0; }"""
DRAG = """() => {
  const c = document.querySelector('#fig-cells canvas.heat');
  const r = c.getBoundingClientRect();
  const ev = (type, i) => c.dispatchEvent(new PointerEvent(type, { clientX: r.left + (i * 7) % r.width,
      clientY: r.top + (i * 3) % r.height, pointerId: 3, bubbles: true }));
  ev('pointerdown', 0);
  const t0 = performance.now();
  for (let i = 1; i <= 200; i++) ev('pointermove', i);   // each move redraws heatmap and line
  const ms = (performance.now() - t0) / 200;
  ev('pointerup', 200);
  return ms; }"""


def main():
    args = parse_args(__doc__, runs=5)
    site = site_folder(args.site)
    weights = (site / "py" / "weights.bin").read_bytes()
    model = engine.load_model(weights)
    med = statistics.median
    lines = frames.generated_lines(model)
    cache = Path(tempfile.mkdtemp())
    t0 = time.perf_counter()
    cells.cell_order(model, weights, lines, cache=cache)
    fresh = time.perf_counter() - t0
    t0 = time.perf_counter()
    cells.cell_order(model, weights, lines, cache=cache)
    cached = time.perf_counter() - t0
    line, _ = engine.generate(model, 700, 0.5, seed=0)
    with chromium() as browser, served(site) as url:
        page = ready_page(browser, url)
        # with fig-cells on screen, as when a reader picks a line there (and fig-generate, which
        # writes while it is seen, off it)
        page.locator("#fig-cells").scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('#fig-cells .readout').textContent.startsWith('Cell')")
        acts = med([page.evaluate(ACTS, line.astype("float32").ravel().tolist()) for _ in range(args.runs)])
        drag = med([page.evaluate(DRAG) for _ in range(args.runs)])
    print(f"medians of {args.runs}")
    print(f"activations of a 700-point line in the worker  {acts:.0f} ms")
    print(f"heatmap redraw per drag event                  {drag:.2f} ms")
    print(f"build-time cell ordering                       {fresh:.1f} s fresh, {cached * 1000:.0f} ms cached")


if __name__ == "__main__":
    main()
