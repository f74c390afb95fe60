"""A foreign hand made to read like IAM-OnDB: its letter height and point spacing matched.

The model learnt IAM-OnDB's hand at IAM-OnDB's scale and sampling, so a line from elsewhere (a
UNIPEN line in millimetres, a line a reader draws on a canvas in pixels or article units) is
scaled, x and y alike, and resampled until it has IAM-OnDB's letter height (:func:`line_height`)
and median pen-down offset (:func:`pen_down_offsets`) before the model reads it or is primed with
it. Lines are the engine's (T, 3) rows of dx, dy, pen_lift (:mod:`engine.strokes`) in any unit;
absolute points become rows with :func:`engine.strokes.from_points`. Why these measures and
targets, and what they were measured on: docs/design.md, "Foreign hands".

    rows = from_points(canvas_strokes)     # [(N_k, 2) points, any unit]
    line = normalise(rows)                 # float32 rows in article units
"""
from __future__ import annotations

import numpy as np

from .strokes import MAX_ABS, MAX_POINTS, from_points, validate

IAM_HEIGHT = 2.417  # median line_height of IAM-OnDB's training lines, article units: python -m analysis.hands iam
IAM_SPACING = 0.4562  # median pen-down offset of the same lines, all pooled, article units (the same command)
REPEAT_LIMIT = 0.4  # more zero pen-down offsets than this and the timing is not trusted: "auto" resamples by arc
HEIGHT_TOLERANCE = 0.1  # normalise's result is this close to the height, or a ValueError (UNIPEN: within 0.021)
METHODS = ("auto", "time", "arc")


def _absolute(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3) rows → absolute points (T + 1, 2) from the origin and, per row, whether the move
    from the previous point is drawn (pen down): not after a pen lift, and never the first row."""
    xy = np.vstack([[0.0, 0.0], np.cumsum(arr[:, :2], axis=0)])
    down = np.r_[False, arr[:-1, 2] == 0]
    return xy, down


def pen_down_offsets(strokes) -> np.ndarray:
    """Lengths of the pen-down offsets of (T, 3) rows: rows whose previous row does not lift the
    pen (row 0 is skipped, its start is unknown)."""
    arr = np.asarray(strokes, dtype=np.float64)
    _, down = _absolute(arr)
    return np.hypot(arr[down, 0], arr[down, 1])


def line_height(strokes) -> float:
    """Interquartile range of y along the ink of (T, 3) rows, about the line's baseline direction.

    Every pen-down offset counts with its length, at its midpoint (so the measure depends neither
    on the sampling rate nor on the pen's speed); the length-weighted least-squares line
    y = a + b·x through those midpoints is subtracted first (lines drift). Same units as the
    strokes; 0 for a line with fewer than two pen-down offsets of nonzero length.
    """
    arr = np.asarray(strokes, dtype=np.float64)
    xy, down = _absolute(arr)
    w = np.hypot(arr[:, 0], arr[:, 1])[down]
    mid = (0.5 * (xy[:-1] + xy[1:]))[down]
    keep = w > 0
    w, mid = w[keep], mid[keep]
    if len(w) < 2:
        return 0.0
    design = np.column_stack([np.ones(len(w)), mid[:, 0] - np.average(mid[:, 0], weights=w)])
    root = np.sqrt(w)[:, None]
    coef = np.linalg.lstsq(design * root, mid[:, 1:2] * root, rcond=None)[0]
    y = mid[:, 1] - (design @ coef)[:, 0]
    order = np.argsort(y)
    y, w = y[order], w[order]
    cw = np.cumsum(w)
    q1, q3 = np.interp([0.25 * cw[-1], 0.75 * cw[-1]], cw - 0.5 * w, y)
    return float(q3 - q1)


def repeat_fraction(strokes) -> float:
    """The fraction of pen-down offsets of zero length (a tablet repeating its last position)."""
    offsets = pen_down_offsets(strokes)
    return float((offsets == 0).mean()) if len(offsets) else 0.0


def _points_of(arr: np.ndarray) -> list[np.ndarray]:
    """(T, 3) rows → absolute (N_k, 2) strokes, the first starting at the origin (what
    :func:`engine.strokes.from_points` turns back into the same rows)."""
    xy, _ = _absolute(arr)
    ends = np.flatnonzero(arr[:, 2] == 1) + 2  # the point a lifting row reaches is point t + 1
    return [s for s in np.split(xy, ends) if len(s)]


def _resample_time(stroke: np.ndarray, step: float) -> np.ndarray:
    """Points at sample times 0, step, 2·step, … (linear interpolation), and the last point."""
    n = len(stroke)
    if n < 2:
        return stroke
    t = np.arange(0.0, n - 1, step)
    t = np.r_[t, n - 1] if n - 1 - t[-1] > 1e-9 else t
    i = np.minimum(t.astype(int), n - 2)
    f = (t - i)[:, None]
    return stroke[i] * (1 - f) + stroke[i + 1] * f


def _resample_arc(stroke: np.ndarray, spacing: float) -> np.ndarray:
    """Points at equal arc length, about ``spacing`` apart, the first and last points kept."""
    seg = np.hypot(*np.diff(stroke, axis=0).T)
    s = np.r_[0.0, np.cumsum(seg)]
    if len(stroke) < 2 or s[-1] <= 0:
        return stroke[:1]
    n = max(1, round(float(s[-1]) / spacing))
    keep = np.r_[True, seg > 0]  # interp needs increasing positions
    targets = np.linspace(0.0, s[-1], n + 1)
    return np.column_stack([np.interp(targets, s[keep], stroke[keep, k]) for k in (0, 1)])


def _method(arr: np.ndarray, method: str) -> str:
    """``"time"`` or ``"arc"``: ``"auto"`` is arc length where the line repeats positions."""
    if method not in METHODS:
        raise ValueError(f"resample: method must be 'auto', 'time' or 'arc', not {method!r}")
    if method == "auto":
        return "arc" if repeat_fraction(arr) > REPEAT_LIMIT else "time"
    return method


def _resample(arr: np.ndarray, spacing: float, method: str) -> np.ndarray:
    parts = _points_of(arr)
    moving = pen_down_offsets(arr)
    moving = moving[moving > 0]
    out = from_points(parts)
    if not len(moving):
        return out
    # the step: in samples for "time", in length for "arc"; corrected until the median is right
    # (rounding stroke lengths to whole steps, or cutting corners, moves it a few per cent)
    # (the median moves in small jumps on a short line: the closest try is kept)
    step = spacing / float(np.median(moving)) if method == "time" else spacing
    best, best_error = out, np.inf
    for _ in range(10):
        if method == "time":
            out = from_points([_resample_time(p, step) for p in parts])
        else:
            out = from_points([_resample_arc(p, step) for p in parts])
        med = float(np.median(pen_down_offsets(out)))
        if not med > 0:
            break
        if abs(med / spacing - 1) < best_error:
            best, best_error = out, abs(med / spacing - 1)
        if best_error < 0.002:
            break
        step *= spacing / med
    return best


def _positive(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return number


def resample(strokes, spacing: float = IAM_SPACING, method: str = "auto") -> np.ndarray:
    """Resample the pen-down strokes of (T, 3) rows (any units) so that the median pen-down offset
    is ``spacing``: ``"time"`` at a uniform step in sample time (linear interpolation; the step
    found by a few fixed-point iterations), ``"arc"`` at a uniform arc-length step, ``"auto"``
    arc length where more than :data:`REPEAT_LIMIT` of the pen-down offsets are zero, else time.
    Each stroke keeps its first and last point; float64 rows. ValueError for unusable rows."""
    arr = validate(strokes, max_points=None, name="resample")
    return _resample(arr, _positive("resample: spacing", spacing), _method(arr, method))


def _size_problem(arr: np.ndarray, scale: float, spacing: float, max_points: int) -> str | None:
    """Why ``arr`` cannot be resampled at ``scale``, or None: too many points, or too wide a span."""
    needed = float(pen_down_offsets(arr).sum()) * scale / spacing
    if not needed <= max_points:
        return (f"normalise: the line is too flat for its length: at letter height it would need about "
                f"{needed:.3g} points, more than {max_points}")
    if not float(np.abs(arr[:, :2]).max()) * scale <= MAX_ABS:
        return "normalise: the strokes lie too far apart for their height to scale to letter height"
    return None


def normalise(strokes, height: float = IAM_HEIGHT, spacing: float = IAM_SPACING, resample_method: str = "auto",
              max_points: int = MAX_POINTS) -> np.ndarray:
    """(T, 3) rows in any unit → float32 article units, scaled (x and y alike) and resampled
    (:func:`resample`) so that the result's :func:`line_height` is ``height`` and its median
    pen-down offset is ``spacing``. The scale starts at ``height`` over the line's own height and
    is corrected on the resampled line (a coarser sampling cuts the tops and bottoms of the letters
    a little).

    ValueError, never NaN or inf, for what cannot be brought to a letter height: rows that
    :func:`engine.strokes.validate` rejects; a line without height (a dot, a straight stroke,
    points all in one place); one so flat for its length or so spread out for its ink that at that
    height it would need more than ``max_points`` points or span more than
    :data:`engine.strokes.MAX_ABS` units; and one whose resampled height stays more than
    :data:`HEIGHT_TOLERANCE` from ``height`` (strokes of a few points each, far apart).
    """
    arr = validate(strokes, max_points=None, name="normalise")
    height, spacing = _positive("normalise: height", height), _positive("normalise: spacing", spacing)
    method = _method(arr, resample_method)
    h = line_height(arr)
    if not h > 0:
        raise ValueError("normalise: the line has no height (no pen-down movement in y)")
    scale = height / h
    problem = _size_problem(arr, scale, spacing, max_points)
    if problem:
        raise ValueError(problem)
    best, best_error = None, np.inf
    for _ in range(6):
        out = _resample(arr * (scale, scale, 1.0), spacing, method)
        h = line_height(out)
        if abs(h / height - 1) < best_error:
            best, best_error = out, abs(h / height - 1)
        if not h > 0 or best_error < 0.002:
            break
        scale *= height / h
        if _size_problem(arr, scale, spacing, max_points):
            break
    if not best_error <= HEIGHT_TOLERANCE:
        raise ValueError(f"normalise: resampled at a spacing of {spacing:g} the line's height stays {best_error:.0%} "
                         f"off {height:g} (strokes of a few points each, far apart?)")
    return best.astype(np.float32)
