"""fig-cells's static frame: the first generated line above the heatmap of its cells."""
import numpy as np

import engine
from builder.frames import PX_PER_UNIT, fit_origin
from builder.png import heatmap_uri
from engine import strokes as S

HUMAN_LINES = True  # its sample picker offers the build's human lines


def frame(model, settings: dict, inputs) -> dict:
    """The first generated line above its heatmap: tanh(c) of every cell (rows in t-SNE order) per step."""
    line, order = inputs.lines[0], inputs.order
    acts = np.tanh(engine.activations(model, line) * np.asarray(order["signs"]))[:, order["order"]]  # (T, H)
    width, stroke_h, heat_h = 900.0, 150.0, 300.0
    origin = fit_origin(line, width, stroke_h)
    svg_text = (f'<svg class="static-svg" viewBox="0 0 {width:.0f} {stroke_h + heat_h:.0f}" role="img" '
                f'xmlns="http://www.w3.org/2000/svg" aria-label="A generated line above a heatmap of its {model.hidden} '
                f'cells, one row per cell in t-SNE order, one column per point">'
                f'<path d="{S.to_svg_path(line, PX_PER_UNIT, origin, 1)}"/>'
                f'<image x="0" y="{stroke_h:.0f}" width="{width:.0f}" height="{heat_h:.0f}" preserveAspectRatio="none" '
                f'class="pixelated" href="{heatmap_uri(acts.T)}"/></svg>')  # a row per cell
    return {"svg": svg_text, "points": len(line)}
