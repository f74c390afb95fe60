"""fig-continue's static frame: a line and the continuations the model proposes from its end."""
import numpy as np

import engine
from builder.frames import PX_PER_UNIT, fit_origin, svg, within_width


def frame(model, settings: dict, inputs) -> dict:
    """A line written so far (black) and several continuations the model proposes from its end."""
    t = float(settings["variation"])
    n = int(settings["length"])
    width, height = 900.0, 220.0
    prefix, _ = engine.generate(model, 260, 0.5, seed=7)
    prefix = within_width(prefix, width * 0.7)
    origin = fit_origin(prefix, width, height)
    end = np.asarray(origin) + prefix[:, :2].sum(axis=0) * PX_PER_UNIT
    layers = [(prefix, origin, "ink")]
    state = engine.feed(model, prefix)
    for k in range(6):
        cont, _ = engine.generate(model, max(n, 40), t, seed=200 + k, state=state)
        layers.append((cont, tuple(end), "prediction"))
    return {"svg": svg(layers, width, height, "A line of handwriting and six continuations the model predicts"),
            "points": sum(len(x) for x, _, _ in layers)}
