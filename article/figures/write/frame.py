"""fig-write's static first frame: the shortcode's sentence as the synthesis model writes it at the
shortcode's Neatness and seed, and under the ink its window φ, one labelled row per character,
each column the window when the pen first reached that column's x (as write.js draws it)."""
from html import escape

import numpy as np

import engine
from builder.png import heatmap_uri
from engine import protocol
from engine import strokes as S

NEEDS = "synthesis"  # placed only when the build's synthesis model passes its bars (builder/synthesis.py)
HUMAN_LINES = True  # its hand picker lists the build's human lines

WIDTH, INK_HEIGHT, ROW = 900.0, 150.0, 12.0  # px at most across; the ink's height; one character's row of the window
GUTTER, MARGIN = 40.0, 16.0  # px: the row labels' column, and the space around the ink
MAX_SCALE = 12.0  # px per article unit at most (IAM-OnDB's letter height, 2.4 units, is 29 px)


def row_label(ch: str) -> str:
    """How a row of the window is labelled: its character, a space as ␣ (write.js labels them alike)."""
    return "␣" if ch == " " else ch


def frontier_columns(strokes: np.ndarray, scale: float, columns: int) -> np.ndarray:
    """For each column of the window's picture (one px, from the pen's leftmost x), the point at
    which the pen first reached that column's x: the running maximum of x along the line, so the
    columns follow the ink from left to right while dots and crossings go back over it."""
    x = np.cumsum(strokes[:, 0]) * scale
    frontier = np.maximum.accumulate(x - x.min())
    return np.minimum(np.searchsorted(frontier, np.arange(columns) + 0.5), len(x) - 1)


def scaled(window: np.ndarray) -> np.ndarray:
    """φ of each point scaled to its largest value (the picture shows where each point reads)."""
    return window / np.maximum(window.max(axis=1, keepdims=True), 1e-12)


def frame(model, settings: dict, inputs) -> dict:
    synth = inputs.synthesis
    lines = protocol.text_lines(synth, str(settings["text"]))
    if len(lines) != 1:
        raise ValueError(f"figure write: its text= must fit on one line of {protocol.LINE_CHARS} characters")
    text, bias, seed = lines[0], float(settings["neatness"]), int(settings["seed"])
    strokes, window = engine.write(synth, text, bias=bias, seed=seed)
    xy = np.cumsum(strokes[:, :2], axis=0)
    span = np.maximum(xy.max(axis=0) - xy.min(axis=0), 1e-6)
    scale = float(min(MAX_SCALE, (WIDTH - GUTTER - 2 * MARGIN) / span[0], (INK_HEIGHT - 2 * MARGIN) / span[1]))
    left = GUTTER + MARGIN
    origin = np.array([left - xy[:, 0].min() * scale, INK_HEIGHT / 2 - (xy[:, 1].min() + xy[:, 1].max()) / 2 * scale])
    columns = max(1, int(np.ceil(span[0] * scale)))
    heat = scaled(window)[frontier_columns(strokes, scale, columns)].T  # (U + 1, columns)
    rows = len(text) + 1
    width, height = left + columns + MARGIN, INK_HEIGHT + rows * ROW + MARGIN  # drawn at 1 px a unit of the viewBox
    labels = "".join(f'<text x="{GUTTER - 6:.0f}" y="{INK_HEIGHT + (u + 0.78) * ROW:.1f}">{escape(row_label(ch))}</text>'
                     for u, ch in enumerate(text)) + f'<text x="{GUTTER - 6:.0f}" y="{INK_HEIGHT + (rows - 0.22) * ROW:.1f}">end</text>'
    label = (f"“{escape(text)}” as the model wrote it, and under it where it read: one row per character and one past "
             f"the end, darker where the window rests")
    svg = (f'<svg class="static-svg write-frame" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'role="img" aria-label="{label}" '
           f'xmlns="http://www.w3.org/2000/svg"><path d="{S.to_svg_path(strokes, scale, origin, 1)}"/>'
           f'<image x="{left:.0f}" y="{INK_HEIGHT:.0f}" width="{columns}" height="{rows * ROW:.0f}" preserveAspectRatio="none" '
           f'class="pixelated" href="{heatmap_uri(heat)}"/><g class="labels">{labels}</g></svg>')
    return {"svg": svg, "text": text, "points": len(strokes)}

