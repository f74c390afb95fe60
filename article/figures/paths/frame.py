"""fig-paths's static frame: a line with a few sampled branches per point, coloured by veer."""
from html import escape

import numpy as np

from builder.frames import fit_origin, fit_scale, relative_path
from engine import strokes as S
from engine.paths import iter_possible_paths

HUMAN_LINES = True  # its sample picker offers the build's human lines
STATIC_BRANCHES = 8  # branches per point in the static picture (the live figure draws 50)


def frame(model, settings: dict, inputs) -> dict:
    """The line the figure opens on (the first generated one, or with ``start=human`` the first
    human one) with a few sampled branches per point, coloured by veer."""
    steps, t = int(settings["steps"]), float(settings["variation"])
    human = settings.get("start") == "human" and inputs.human
    line = inputs.human[0]["strokes"] if human else inputs.lines[0]
    width, height = 900.0, 240.0
    scale = fit_scale(line, width, height)
    origin = fit_origin(line, width, height, scale=scale)
    xy = np.cumsum(line[:, :2], axis=0) * scale + origin
    bins = {"veer-right": [], "veer-none": [], "veer-left": []}
    for p in iter_possible_paths(model, line, STATIC_BRANCHES, steps, t, seed=1):
        for branch, v in zip(p.branches, p.veer):
            cut = np.flatnonzero(branch[:, 2] == 1)
            branch = branch[:cut[0] + 1] if len(cut) else branch
            pts = xy[p.index] + np.cumsum(branch[:, :2], axis=0) * scale
            key = "veer-right" if v < -0.06 else "veer-left" if v > 0.06 else "veer-none"
            if line[p.index, 2] == 1:  # the pen lifts at this point: the first step is a jump, not ink
                if len(pts) > 1:
                    bins[key].append(relative_path(pts[0], pts[1:]))
            else:
                bins[key].append(relative_path(xy[p.index], pts))
    paths = "".join(f'<path class="{k}" d="{"".join(v)}"/>' for k, v in bins.items() if v)
    ink = f'<path class="thin" d="{S.to_svg_path(line, scale, origin, 1)}"/>'
    what = f"{inputs.human[0]['label']}, “{inputs.human[0]['text']}”," if human else "A generated line"
    svg_text = (f'<svg class="static-svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" xmlns="http://www.w3.org/2000/svg" '
                f'aria-label="{escape(what)} with short sampled continuations at every point">{paths}{ink}</svg>')
    return {"svg": svg_text, "points": len(line)}
