"""fig-cells-live's static frame: every cell after the first generated line, as the live grid shows them."""
import numpy as np

import engine
from builder.png import heatmap_uri

HUMAN_LINES = True  # its config says whether the build has human lines, as the cells figure's does (its JS
# does not read it yet: "Write a sample for me" writes generated lines)


def frame(model, settings: dict, inputs) -> dict:
    """The cells after the first generated line, as the live figure's grid shows them."""
    order = inputs.order
    c = np.tanh(engine.activations(model, inputs.lines[0])[-1] * np.asarray(order["signs"]))[order["order"]]
    cols = int(settings["columns"])
    grid = np.zeros(((len(c) + cols - 1) // cols) * cols)
    grid[:len(c)] = c
    grid = grid.reshape(-1, cols)
    h = 900.0 * grid.shape[0] / cols
    return {"svg": (f'<svg class="static-svg" viewBox="0 0 900 {h:.0f}" role="img" xmlns="http://www.w3.org/2000/svg" '
                    f'aria-label="All {len(c)} cell states after a generated line, in t-SNE order">'
                    f'<image width="900" height="{h:.0f}" class="pixelated" href="{heatmap_uri(grid)}"/></svg>'),
            "points": len(inputs.lines[0])}
