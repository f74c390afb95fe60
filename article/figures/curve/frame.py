"""fig-curve, a static figure: the default model's training curve (weights/card.json) as an SVG chart."""
from html import escape

import numpy as np


def frame(model, settings: dict, inputs) -> dict:
    """The default model's training curve (weights/card.json) as a static SVG chart."""
    return curve_chart(inputs.card)


def curve_chart(card: dict) -> dict:
    """A model card's validation curve, its stretches of training as labelled bands, and the
    2016 model's score on the same lines (``reference_2016``, measured by training.export
    --evaluate) as a dashed line: {"svg", "points"}."""
    curve = card["curve"]
    ref = round(card["reference_2016"]["nll"], 3)
    w, h, left, bottom, top = 700.0, 300.0, 60.0, 40.0, 15.0
    epochs = [c["epoch"] for c in curve]
    vals = [c["val_nll"] for c in curve]
    y_lo, y_hi = min(min(vals), ref) - 0.1, max(vals) + 0.25  # room at the top for the machine labels
    x_hi = max(epochs) * 1.03 or 1.0
    px = lambda t: left + (w - left - 10) * t / x_hi  # noqa: E731
    py = lambda v: top + (h - top - bottom) * (y_hi - v) / (y_hi - y_lo)  # noqa: E731
    pts = " ".join(f"{px(t):.1f},{py(v):.1f}" for t, v in zip(epochs, vals))
    ticks = "".join(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>'
                    f'<line x1="{left}" x2="{w - 10}" y1="{py(v):.1f}" y2="{py(v):.1f}" class="grid"/>'
                    for v in np.arange(np.ceil(y_lo * 5) / 5, y_hi, 0.2))
    step = next(k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500) if x_hi / k <= 12)
    xt = "".join(f'<text x="{px(t):.1f}" y="{h - bottom + 16}" text-anchor="middle">{t:g}</text>'
                 for t in np.arange(0, x_hi, step))
    bands = ""  # where each stretch of training ran (the model card's table)
    for i, ph in enumerate(card.get("provenance", {}).get("phases", [])):
        lo, hi = px(ph["epochs"][0] - 0.5), px(ph["epochs"][1] + 0.5)
        label = "output layer" if ph.get("head_only") else \
            ph["device"].replace("NVIDIA ", "").replace(", 1 threads", ", 1 thread")
        mid, anchor, half = (lo + hi) / 2, "middle", 3.2 * len(label)  # ~6.4 px a character
        if mid + half > w - 10:  # a narrow band at an edge: its label stays inside the chart
            mid, anchor = w - 10, "end"
        elif mid - half < left:
            mid, anchor = left + 4, "start"
        bands += (f'<rect x="{lo:.1f}" y="{top}" width="{hi - lo:.1f}" height="{h - top - bottom:.1f}" '
                  f'class="phase phase-{i % 2}"/><text x="{mid:.1f}" y="{top + 13}" text-anchor="{anchor}" '
                  f'class="phase-label"><tspan x="{mid:.1f}">{escape(label)}</tspan>'
                  f'<tspan x="{mid:.1f}" dy="13">{ph["seconds"] / 60:.0f} min</tspan></text>')
    dots = "".join(f'<circle cx="{px(t):.1f}" cy="{py(v):.1f}" r="2.5"/>' for t, v in zip(epochs, vals))
    svg_text = (f'<svg class="chart" viewBox="0 0 {w:.0f} {h:.0f}" role="img" xmlns="http://www.w3.org/2000/svg" '
                f'aria-label="Validation NLL of our model by epoch, best {min(vals):.2f} nats per point; '
                f'the 2016 model scores {ref:.2f} on the same lines">{bands}{ticks}{xt}'
                f'<line x1="{left}" x2="{w - 10}" y1="{py(ref):.1f}" y2="{py(ref):.1f}" class="reference"/>'
                f'<text x="{w - 12}" y="{py(ref) - 6:.1f}" text-anchor="end" class="reference-label">2016 model ({ref:.3f})</text>'
                f'<polyline points="{pts}" class="curve"/>{dots}'
                f'<text x="{(w + left) / 2:.0f}" y="{h - 6}" text-anchor="middle">epochs of training</text>'
                f'<text x="14" y="{h / 2:.0f}" transform="rotate(-90 14 {h / 2:.0f})" text-anchor="middle">'
                f'validation NLL (nats per point)</text></svg>')
    return {"svg": svg_text, "points": len(curve)}
