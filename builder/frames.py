"""Static first frames: what the build draws for each figure before the page runs, and what the
figures' frame functions share.

Each figure's ``frame(model, settings, inputs) -> dict`` lives in its folder (``frame.py``, found by
:mod:`builder.figures`); its template reads the result (``svg`` at least). ``inputs``
(:class:`Inputs`) holds what the build reads once and several figures share: the generated lines,
the model card, the cell claims and, computed on first use, the cell order. Seeds are fixed, so the
same weights give the same bytes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

import engine
from engine import strokes as S

PX_PER_UNIT = 18.0  # CSS px per article unit, as the 2016 page drew


def svg(layers, width: float, height: float, label: str) -> str:
    """``layers``: (strokes (T, 3), origin px, css class). One <path> per layer, in a fixed viewBox."""
    paths = "".join(f'<path class="{cls}" d="{S.to_svg_path(x, PX_PER_UNIT, origin, 1)}"/>' for x, origin, cls in layers)
    return (f'<svg class="static-svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{label}" '
            f'xmlns="http://www.w3.org/2000/svg">{paths}</svg>')


def fit_origin(strokes, width, height, left=40.0, scale=PX_PER_UNIT) -> tuple[float, float]:
    """Origin (px) that starts a line ``left`` px in and centres it vertically, at ``scale`` px a unit."""
    ys = np.concatenate([p[:, 1] for p in S.to_polylines(strokes)]) * scale
    return left, height / 2 - (ys.min() + ys.max()) / 2


def fit_scale(strokes, width, height, left=40.0) -> float:
    """Px per unit that fits a line in the box (``left`` px each side, 20 above and below), at
    most the page's ``PX_PER_UNIT``: a long human line is drawn smaller, as the live figures do."""
    xy = np.cumsum(strokes[:, :2], axis=0)
    span = np.maximum(xy.max(axis=0) - xy.min(axis=0), 1e-6)
    return float(min(PX_PER_UNIT, (width - 2 * left) / span[0], (height - 40) / span[1]))


def within_width(strokes, width_px):
    """Cut a generated line where it would leave ``width_px`` (after the stroke there ends)."""
    x = np.cumsum(strokes[:, 0]) * PX_PER_UNIT
    over = np.flatnonzero(x - x.min() > width_px)
    if not len(over):
        return strokes
    ends = np.flatnonzero(strokes[:, 2] == 1)
    before = ends[ends < over[0]]
    cut = before[-1] + 1 if len(before) else over[0]
    return strokes[:cut]


N_LINES = 5  # generated lines offered by the figures' sample pickers


def generated_lines(model) -> list[np.ndarray]:
    """Lines the model writes at build time (fixed seeds) for the sample pickers."""
    lines = []
    for k in range(N_LINES):
        pts, _ = engine.generate(model, 700, 0.5, seed=500 + k)
        lines.append(np.round(within_width(pts, 760), 4))
    return lines


def _short(v: float) -> str:
    """A number at 0.1 px, as short as SVG allows: 2.0 → "2", 0.5 → ".5", -0.5 → "-.5"."""
    t = f"{v:.1f}".rstrip("0").rstrip(".")
    t = "0" if t in ("-0", "") else t
    return t.replace("0.", ".", 1) if t.startswith(("0.", "-0.")) else t


def relative_path(start, pts) -> str:
    """SVG path data: move to ``start``, then relative line steps through ``pts`` (px). Rounded in
    absolute terms, so steps never drift; a third shorter than absolute "L x y" pairs (the paths
    frames hold tens of thousands of points)."""
    at = np.round(np.vstack([start, pts]).astype(np.float64), 1)
    steps = [_short(v) for v in np.diff(at, axis=0).ravel()]
    # a minus sign separates numbers by itself; otherwise a space does (none right after "l")
    body = "".join(n if k == 0 or n.startswith("-") else " " + n for k, n in enumerate(steps))
    return f"M{_short(at[0, 0])} {_short(at[0, 1])}l{body}"


@dataclass
class Inputs:
    """What the build reads once and the figures share."""

    model: engine.Model
    weights_bytes: bytes
    card: dict  # weights/card.json
    claims: dict  # the confirmed cell claims of article/cell-claims.json
    lines: list = field(default_factory=list)  # generated lines offered by the sample pickers
    human: list = field(default_factory=list)  # human lines ({"label", "text", "strokes"}, builder.samples)
    synthesis: engine.Synthesis | None = None  # the synthesis model, where a placed figure needs it (NEEDS)

    @cached_property
    def order(self) -> dict:
        """The cells' 1-D t-SNE order on the generated lines (cached on disk by builder.cells)."""
        from .cells import cell_order
        return cell_order(self.model, self.weights_bytes, self.lines)


class Settings(dict):
    """A placed figure's settings as its frame function reads them: a setting its shortcode does not
    give stops the build with a sentence naming the figure and the setting."""

    def __init__(self, settings: dict, figure_id: str):
        super().__init__(settings)
        self.figure_id = figure_id

    def __missing__(self, key):
        raise ValueError(f"figure {self.figure_id}: its frame needs the setting {key!r}, which its shortcode "
                         f"does not give (::: figure <kind> {key}=...)")


def precompute(model, figures, folders: dict, inputs: Inputs) -> tuple[dict[str, dict], dict[str, bytes]]:
    """Static frame data for every placed figure (keyed by figure id), each drawn by its folder's
    frame function (``folders``: :func:`builder.figures.discover`), and the data files they share."""
    out = {}
    files = {"data/lines.json": json.dumps([x.tolist() for x in inputs.lines], separators=(",", ":")).encode()}
    for fig in figures:
        print(f"  precompute {fig.id}", flush=True)
        out[fig.id] = folders[fig.kind].frame(model, Settings(fig.settings, fig.id), inputs)
    if "order" in vars(inputs):  # a figure used the cell order: the page's heatmaps need it too
        files["data/cells.json"] = json.dumps({k: inputs.order[k] for k in ("order", "signs")}).encode()
    return out, files
