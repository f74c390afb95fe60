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


def from_pointer(strokes_px, px_per_unit: float, min_spacing: float = 0.0,
                 max_points: int = MAX_POINTS) -> np.ndarray:
    """Pointer input → (T, 3) strokes in article units.

    ``strokes_px``: a list of strokes, each a sequence of absolute (x, y) CSS pixels.
    ``px_per_unit``: CSS pixels per article unit (the 2016 page used 18).
    ``min_spacing``: a point closer than this many pixels to the previous kept point of its
    stroke is dropped (the 2016 page kept a point each time the pointer moved ~5.5 px).
    The first row is (0, 0, ·): the drawing is relative to its first point.
    """
    if not np.isfinite(px_per_unit) or px_per_unit <= 0:
        raise ValueError(f"px_per_unit must be a positive number, got {px_per_unit!r}")
    points, pens = [], []
    for k, stroke in enumerate(strokes_px):
        try:
            xy = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            raise ValueError(f"stroke {k}: expected a list of (x, y) pairs") from None
        if not np.all(np.isfinite(xy)):
            raise ValueError(f"stroke {k}: non-finite coordinate")
        if len(xy) and np.abs(xy).max() > MAX_ABS:
            raise ValueError(f"stroke {k}: coordinate larger than {MAX_ABS:g} px")
        kept = _thin(xy, min_spacing)
        points += kept
        pens += [0.0] * (len(kept) - 1) + [1.0] * bool(kept)
    if not points:
        raise ValueError("empty drawing: no points")
    xy = np.asarray(points)
    out = np.zeros((len(xy), 3))
    out[1:, :2] = np.diff(xy, axis=0) / px_per_unit
    out[:, 2] = pens
    return validate(out, max_points, "drawing")


def _thin(xy: np.ndarray, min_spacing: float) -> list:
    """Keep points at least ``min_spacing`` apart; the stroke's last point replaces a too-close one."""
    kept = []
    for p in xy:
        if not kept or np.hypot(*(p - kept[-1])) >= min_spacing:
            kept.append(p)
    if len(xy) > 1 and len(kept) > 1 and not np.array_equal(kept[-1], xy[-1]):
        kept[-1] = xy[-1]  # the pen left here: keep where the stroke really ends
    return kept


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


def from_2016_raw(rows) -> np.ndarray:
    """2016 raw form (integer tablet offsets, first row the absolute start) → strokes."""
    arr = validate(rows, max_points=None, name="2016 raw strokes")
    if len(arr) < 2:
        raise ValueError("2016 raw strokes: need the start row and at least one offset")
    out = arr[1:].copy()
    out[:, :2] /= RAW_UNITS
    return validate(out, max_points=None)


def to_2016_raw(strokes, start=(0, 0)) -> list[list[int]]:
    """Strokes → 2016 raw form: absolute start row, then offsets in raw units (rounded)."""
    arr = validate(strokes, max_points=None)
    rows = [[int(round(start[0])), int(round(start[1])), 0]]
    raw = np.rint(arr[:, :2] * RAW_UNITS).astype(int)
    return rows + [[int(x), int(y), int(p)] for (x, y), p in zip(raw, arr[:, 2])]


def from_2016_scaled(rows) -> np.ndarray:
    """2016 scaled form (floats already in article units, no start row) → strokes."""
    return validate(rows, max_points=None, name="2016 scaled strokes")


def to_2016_scaled(strokes) -> list[list[float]]:
    """Strokes → 2016 scaled form: a JSON-ready list of [dx, dy, pen_lift] floats."""
    arr = validate(strokes, max_points=None)
    return [[float(x), float(y), int(p)] for x, y, p in arr]
