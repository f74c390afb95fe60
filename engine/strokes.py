"""The one stroke format: a float array (T, 3) of dx, dy, pen_lift, in article units.

Article units are raw IAM-OnDB tablet units / 40 (the 2016 model's scale). Row t is the offset
from point t−1 to point t; ``pen_lift = 1`` marks the last point of a stroke, so the row after it
is a pen-up move to the start of the next stroke. x grows to the right and y downwards (screen).
"""
from __future__ import annotations

import numpy as np

MAX_POINTS = 20_000  # default cap on a line's length; callers may raise or lower it
RAW_UNITS = 40.0  # raw tablet units per article unit
MAX_ABS = 1e6  # larger coordinates are a pointer glitch, not handwriting


def validate(strokes, max_points: int | None = MAX_POINTS, name: str = "strokes") -> np.ndarray:
    """Check and return ``strokes`` as a float64 (T, 3) array. ValueError naming the problem."""
    try:
        arr = np.asarray(strokes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: not a numeric array of [dx, dy, pen_lift] rows") from None
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"{name}: wrong shape {arr.shape}, expected (T, 3) rows of dx, dy, pen_lift")
    if len(arr) == 0:
        raise ValueError(f"{name}: empty, at least one point is needed")
    if max_points is not None and len(arr) > max_points:
        raise ValueError(f"{name}: {len(arr)} points, more than the limit of {max_points}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name}: non-finite value at row {int(np.argwhere(bad)[0, 0])}")
    if np.abs(arr[:, :2]).max() > MAX_ABS:
        raise ValueError(f"{name}: offset larger than {MAX_ABS:g} units")
    pen = arr[:, 2]
    if not np.all((pen == 0) | (pen == 1)):
        raise ValueError(f"{name}: pen_lift must be 0 or 1, found {pen[(pen != 0) & (pen != 1)][0]!r}")
    return arr


def from_points(strokes) -> np.ndarray:
    """Absolute strokes, a list of (N_k, 2) points, → float64 (T, 3) rows, T = ΣN_k − 1.

    The first point is where the line starts and its position is dropped: row t is the offset from
    point t to point t + 1 of all the points in order, with ``pen_lift = 1`` on the row that reaches
    a stroke's last point (as the corpora read IAM-OnDB and UNIPEN). Empty strokes are skipped.
    ValueError for fewer than two points, a stroke that is not (N, 2), or a non-finite coordinate.
    """
    parts = []
    for k, s in enumerate(strokes):
        try:
            arr = np.asarray(s, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"points: stroke {k} is not a numeric array of [x, y] points") from None
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(f"points: stroke {k} has shape {arr.shape}, expected (N, 2) points x, y")
        if len(arr):
            parts.append(arr)
    if sum(len(s) for s in parts) < 2:
        raise ValueError("points: fewer than two points, a line needs at least one offset")
    xy = np.concatenate(parts)
    if not np.isfinite(xy).all():
        raise ValueError("points: non-finite coordinate")
    pen = np.zeros(len(xy))
    pen[np.cumsum([len(s) for s in parts]) - 1] = 1.0
    out = np.empty((len(xy) - 1, 3))
    out[:, :2] = np.diff(xy, axis=0)
    out[:, 2] = pen[1:]
    return out


def to_polylines(strokes, origin=(0.0, 0.0)) -> list[np.ndarray]:
    """(T, 3) strokes → a list of (N_k, 2) absolute polylines, one per stroke."""
    arr = validate(strokes, max_points=None)
    xy = np.cumsum(arr[:, :2], axis=0) + np.asarray(origin, dtype=np.float64)
    ends = np.flatnonzero(arr[:, 2] == 1) + 1
    return [p for p in np.split(xy, ends) if len(p)]


def to_svg_path(strokes, scale: float = 1.0, origin=(0.0, 0.0), digits: int = 2) -> str:
    """(T, 3) strokes → an SVG path ``d`` string, ``scale`` px per unit, starting at ``origin`` px."""
    parts = []
    for line in to_polylines(strokes):
        pts = line * scale + np.asarray(origin, dtype=np.float64)
        coords = [f"{x:.{digits}f} {y:.{digits}f}" for x, y in pts]
        if len(coords) == 1:
            coords.append(coords[0])  # a dot still draws with round line caps
        parts.append("M" + " L".join(coords))
    return " ".join(parts)


def merge_small_steps(strokes: np.ndarray, min_step: float) -> np.ndarray:
    """``strokes`` with every pen-down point closer than ``min_step`` to the last point kept merged
    into the next one: offsets add up, so every kept point is where the pen was; a point that ends
    a stroke, and the first, are always kept. The synthesis model learns from lines so fed, and
    reads a style's strokes so (a density that has learnt the pen's small hesitations writes, under
    Graves' bias, a pen that creeps on the spot: training/README.md, Stalls)."""
    out, ax, ay = [], 0.0, 0.0
    for dx, dy, lift in np.asarray(strokes).tolist():
        ax, ay = ax + dx, ay + dy
        if lift or not out or ax * ax + ay * ay >= min_step * min_step:
            out.append((ax, ay, lift))
            ax = ay = 0.0
    if ax or ay:
        out.append((ax, ay, 0.0))
    return np.array(out, dtype=np.asarray(strokes).dtype).reshape(-1, 3)
