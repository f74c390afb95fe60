"""UNIPEN 1.0 text lines → the engine's stroke format, rescaled to read like IAM-OnDB.

The data (``../shared/data/unipen/``, its README first): UNIPEN train_r01_v07, category 8 (text
lines), CC BY 4.0 via Zenodo, research and non-commercial use; cite Guyon et al., ICPR 1994 and
the Zenodo record; never publish writer ids or file names (some are surnames), so ``Segment.file``
is for provenance inside the project only.

Reading (:func:`load`, :func:`parse`)
------------------------------------
UNIPEN's plain-text format is a sequence of statements: a keyword line ``.KEYWORD args`` followed
by any number of non-keyword lines that belong to it. What this reader uses:

- ``.INCLUDE path`` reads another file in place. ``path`` is relative; it is looked up beside the
  including file, then in ``include/`` of each folder above it (UNIPEN's ``data/8/<set>/...``
  files include ``<set>/...`` from the distribution's ``include/`` folder), then at the root.
- ``.PEN_DOWN`` / ``.PEN_UP`` start a pen block whose lines are points, one per line, with the
  columns ``.COORD`` declares (``X Y`` when it is absent). Non-empty blocks are numbered from 0 in
  file order (includes inline), the count restarting at ``.START_SET`` (not at ``.START_BOX``: a
  ``dar`` page of 7 boxes numbers its 1,084 blocks 0–1083); these are the components a
  ``.SEGMENT`` of the same set refers to (before or after them). Pen-down blocks are strokes;
  pen-up blocks with points (hover traces; none in the sample) count but are not ink.
- ``.SEGMENT LEVEL DELINEATION [QUALITY] ["label"]``: ``DELINEATION`` is a comma-separated list of
  ``a-b`` or ``a`` component ranges (inclusive), where an end may be ``block:point``
  (``5:3-7:28``). Only segments of the requested level (``TEXT``, the text lines) are returned.
- ``.X_POINTS_PER_MM`` or ``.X_POINTS_PER_INCH`` (and ``Y``) give the resolution: the last one
  read before a block applies to it, so lines come out in millimetres.
- UNIPEN's Y axis points up (README; and on the data: a ``dar`` page's successive lines sit at
  y ≈ 20272, 17785, … next to its ``.H_LINE 20000 17500 …`` guide lines, and lines drawn with y
  negated are upright), so y is negated to point down as in IAM-OnDB (``y_up=False`` keeps it).
- Everything else (``.COMMENT``, ``.DT``, writer information, ...) is skipped.

Malformed input raises ``ValueError("<file>:<line>: <what>")``: an unreadable or missing include,
an include cycle, a point line that is not numeric or has the wrong number of columns, a bad or
out-of-range delineation, an unterminated label, a non-positive resolution, a segment with no
resolution, a data line before any keyword.

A :class:`Segment` holds ``text``, ``strokes`` and where it came from (``set``, ``file``, ``line``,
``quality``, ``level``). ``strokes`` from the reader are (T, 3) float64 rows of dx, dy, pen_lift in
MILLIMETRES, y down, the first point's absolute position dropped (as :mod:`corpora.iam` does);
:func:`normalise` (or ``load(..., normalised=True)``) turns them into article units.

Normalisation (:func:`normalise`)
---------------------------------
So that the model reads a UNIPEN line as it reads IAM-OnDB, two numbers of the IAM-OnDB training
lines are matched, both in article units (raw IAM units / 40):

- :data:`IAM_HEIGHT` = 2.417 (quartiles over lines 2.00 and 3.00), the median over lines of
  :func:`line_height`: the interquartile range of y along the ink, about the line's own baseline
  direction (pen-down offsets weighted by their length, so it depends neither on the sampling
  rate nor on the pen's speed; a length-weighted least-squares line y = a + b·x is subtracted
  first, as whiteboard lines drift), roughly the band of the lowercase letters. A UNIPEN line is
  scaled (the same factor in x and y) so that the resampled line's :func:`line_height` is this.
- :data:`IAM_SPACING` = 0.4562, the median length of the pen-down offsets (rows whose previous
  row does not lift the pen; the first row is skipped), all training lines pooled. IAM-OnDB is
  sampled in time, so its offsets vary with the pen's speed (quartiles 0.261 and 0.680,
  coefficient of variation 0.69). The scaled line is resampled so that its median pen-down
  offset is this.

Measured by :func:`iam_statistics` on the 10,748 lines of Graves' training split (the validation
split gives 2.584 and 0.481), with::

    flock /tmp/heavy.lock .venv/bin/python -m corpora.unipen iam-stats

Resampling (``resample_method=``), each stroke separately, its first and last point kept, pen
lifts as in the engine's format (1 on the row that reaches a stroke's last point):

- ``"time"``: UNIPEN's points are equidistant in time within a stroke (``.POINTS_PER_SECOND``);
  the stroke is resampled at a uniform step in time (linear interpolation), the step chosen so
  that the median pen-down offset is ``IAM_SPACING``. The speed profile, and so the spread of the
  offset lengths, stays like IAM-OnDB's (which is sampled in time too).
- ``"arc"``: a uniform arc-length step of ``IAM_SPACING``: every offset has about the same length,
  a spike where IAM-OnDB has a broad distribution, but it needs no trustworthy timing.
- ``"auto"`` (the default): ``"time"``, unless more than :data:`REPEAT_LIMIT` = 0.4 of the line's
  pen-down offsets are zero (the tablet repeated its last position), where the timing is not
  trustworthy and ``"arc"`` is used. Measured: IAM-OnDB training lines repeat 1.2 % (median),
  5.8 % (99th percentile), 28 % (the worst line); UNIPEN ``bba``/``bbb``/``bbc`` lines at most
  0.8 %; ``dar`` (CalComp, 200 points/s with irregular updates) 61–70 %. On ``dar``, time
  resampling gives the model nonsense speeds (median NLL under the default model +0.88
  nats/point, against −1.34 with arc resampling); on the other sets time beats arc (median
  −1.81 against −1.55 on ``bba``; IAM-OnDB validation lines: −1.58).

Pure stdlib + NumPy; no IAM-OnDB data is needed at run time.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import numpy as np

from . import SHARED_DATA
from .archive import Archive

DEFAULT_DATA = SHARED_DATA / "unipen"
DEFAULT_ARCHIVE = DEFAULT_DATA / "unipen-train_r01_v07-cat8-sample.tar.xz"

IAM_HEIGHT = 2.417
"""Median :func:`line_height` of the IAM-OnDB training lines, article units (see the docstring)."""
IAM_SPACING = 0.4562
"""Median pen-down offset length of the IAM-OnDB training lines, article units."""

REPEAT_LIMIT = 0.4
"""Above this fraction of zero-length pen-down offsets, ``"auto"`` resampling uses arc length."""

MM_PER_INCH = 25.4
_KEYWORD = re.compile(r"\.([A-Z][A-Z0-9_]*)(?=\s|$)")
_END = re.compile(r"^(\d+)(?::(\d+))?$")
_MAX_DEPTH = 32


@dataclass(frozen=True)
class Segment:
    """One labelled segment (a text line for level TEXT).

    ``strokes``: (T, 3) dx, dy, pen_lift; millimetres (y down) from the reader, article units
    after :func:`normalise`. ``set``: the writers' set (``dar``, ``bba``, …); ``file`` and ``line``:
    where the ``.SEGMENT`` statement is (provenance only: never publish file names).
    """

    text: str
    strokes: np.ndarray
    set: str
    file: str
    line: int
    quality: str = ""
    level: str = "TEXT"


@dataclass
class _Block:
    down: bool
    points: list  # [(x, y)] raw
    per_mm: tuple  # (x points per mm, y points per mm), None where unknown
    where: str  # "file:line" of the keyword


@dataclass
class _Seg:
    level: str
    delineation: str
    quality: str
    label: str
    file: str
    line: int


class _Parser:
    def __init__(self, source: Archive, level: str):
        self.source, self.level = source, level
        self.coord = ["X", "Y"]
        self.per_mm = [None, None]
        self.sets: list[tuple[list[_Block], list[_Seg]]] = [([], [])]

    def resolve(self, path: PurePosixPath, name: str, where: str) -> PurePosixPath:
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"{where}: .INCLUDE {name}: only relative paths inside the data are read")
        candidates = [path.parent / rel]
        for anc in path.parents:
            candidates.append(anc / "include" / rel)
        candidates.append(rel)
        for c in candidates:
            c = PurePosixPath(os.path.normpath(str(c)))
            if self.source.exists(c):
                return c
        raise ValueError(f"{where}: .INCLUDE {name}: file not found")

    def parse(self, path: PurePosixPath, stack: tuple = ()) -> None:
        stack = stack + (path,)
        keyword, block, args_line = None, None, 0
        args: list[str] = []
        lines = self.source.read(path).decode("latin-1").splitlines()  # 1990s files: every byte decodes
        for no, raw in enumerate(lines, start=1):
            text = raw.strip()
            if not text:
                continue
            m = _KEYWORD.match(text)
            if m is None:
                if keyword is None:
                    raise ValueError(f"{path}:{no}: data before any keyword: {text[:40]!r}")
                if block is not None:
                    block.points.append(self.point(text, f"{path}:{no}"))
                else:
                    args.append(text)
                continue
            if keyword is not None:  # the previous statement is complete
                self.statement(keyword, " ".join(args), path, args_line, stack)
            keyword, args, args_line, block = m.group(1), [text[m.end():].strip()], no, None
            if keyword in ("PEN_DOWN", "PEN_UP"):
                block = _Block(keyword == "PEN_DOWN", [], tuple(self.per_mm), f"{path}:{no}")
                self.sets[-1][0].append(block)
                if args[0]:  # a point on the keyword line itself
                    block.points.append(self.point(args[0], f"{path}:{no}"))
        if keyword is not None:
            self.statement(keyword, " ".join(args), path, args_line, stack)

    def point(self, text: str, where: str) -> tuple[float, float]:
        parts = text.split()
        try:
            values = [float(v) for v in parts]
        except ValueError:
            raise ValueError(f"{where}: not a point: {text[:40]!r}") from None
        if len(values) != len(self.coord):
            raise ValueError(f"{where}: {len(values)} values, .COORD declares {len(self.coord)} ({' '.join(self.coord)})")
        if not all(np.isfinite(values)):
            raise ValueError(f"{where}: non-finite coordinate")
        return values[self.coord.index("X")], values[self.coord.index("Y")]

    def statement(self, keyword: str, args: str, path: PurePosixPath, no: int, stack: tuple) -> None:
        where = f"{path}:{no}"
        if keyword == "INCLUDE":
            if not args.split():
                raise ValueError(f"{where}: .INCLUDE without a file name")
            target = self.resolve(path, args.split()[0], where)
            if target in stack:
                raise ValueError(f"{where}: .INCLUDE {args.split()[0]}: an include cycle ({' → '.join(map(str, stack + (target,)))})")
            if len(stack) >= _MAX_DEPTH:
                raise ValueError(f"{where}: .INCLUDE {args.split()[0]}: includes nested deeper than {_MAX_DEPTH}")
            self.parse(target, stack)
        elif keyword == "COORD":
            names = args.split()
            if "X" not in names or "Y" not in names:
                raise ValueError(f"{where}: .COORD {args!r} lacks X or Y")
            self.coord = names
        elif keyword in ("X_POINTS_PER_MM", "Y_POINTS_PER_MM", "X_POINTS_PER_INCH", "Y_POINTS_PER_INCH"):
            try:
                value = float(args.split()[0])
            except (ValueError, IndexError):
                raise ValueError(f"{where}: .{keyword} needs a number, got {args!r}") from None
            if not value > 0 or not np.isfinite(value):
                raise ValueError(f"{where}: .{keyword} must be positive, got {args!r}")
            if keyword.endswith("INCH"):
                value /= MM_PER_INCH
            self.per_mm[0 if keyword[0] == "X" else 1] = value
        elif keyword == "START_SET":
            self.sets.append(([], []))
        elif keyword == "SEGMENT":
            seg = _parse_segment(args, str(path), no)
            if seg.level == self.level:
                self.sets[-1][1].append(seg)

    def segments(self, y_up: bool = True) -> list[tuple[_Seg, np.ndarray]]:
        out = []
        for blocks, segs in self.sets:
            components = [b for b in blocks if b.points]
            for seg in segs:
                out.append((seg, _segment_strokes(seg, components, y_up)))
        return out


def _parse_segment(args: str, file: str, no: int) -> _Seg:
    where = f"{file}:{no}"
    head, quote, rest = args.partition('"')
    if quote:
        if not rest.rstrip().endswith('"'):
            raise ValueError(f"{where}: .SEGMENT label without a closing quote")
        label = rest.rstrip()[:-1]
    else:
        label = ""
    words = head.split()
    if len(words) < 2:
        raise ValueError(f"{where}: .SEGMENT needs a level and a delineation, got {args[:60]!r}")
    if len(words) > 3:
        raise ValueError(f"{where}: .SEGMENT: unexpected {' '.join(words[3:])!r} before the label")
    return _Seg(words[0], words[1], words[2] if len(words) > 2 else "", label, file, no)


def _segment_strokes(seg: _Seg, components: list[_Block], y_up: bool) -> np.ndarray:
    where = f"{seg.file}:{seg.line}"
    strokes = []
    for part in seg.delineation.split(","):
        a, dash, b = part.partition("-")
        ma, mb = _END.match(a), _END.match(b if dash else a)
        if not part or ma is None or mb is None:
            raise ValueError(f"{where}: bad delineation {seg.delineation!r} (expected a-b, a or a:p-b:q, comma-separated)")
        ca, cb = int(ma.group(1)), int(mb.group(1))
        if cb < ca:
            raise ValueError(f"{where}: delineation {part!r} runs backwards")
        if cb >= len(components):
            raise ValueError(f"{where}: delineation {part!r} needs component {cb}, the set has {len(components)}")
        for c in range(ca, cb + 1):
            block = components[c]
            lo = int(ma.group(2)) if c == ca and ma.group(2) is not None else 0
            hi = int(mb.group(2)) + 1 if c == cb and mb.group(2) is not None else len(block.points)
            if lo >= len(block.points) or hi > len(block.points) or hi <= lo:
                raise ValueError(f"{where}: delineation {part!r}: component {c} has {len(block.points)} points")
            if not block.down:
                continue
            if None in block.per_mm:
                raise ValueError(f"{where}: no .X_/.Y_POINTS_PER_MM or _PER_INCH before the points at {block.where}")
            xy = np.asarray(block.points[lo:hi], dtype=np.float64) / np.asarray(block.per_mm)
            strokes.append(xy)
    if not strokes or sum(len(s) for s in strokes) < 2:
        raise ValueError(f"{where}: segment {seg.delineation!r} has fewer than two pen-down points")
    if y_up:
        strokes = [s * (1.0, -1.0) for s in strokes]
    return _to_offsets(strokes)


def _to_offsets(strokes: list[np.ndarray]) -> np.ndarray:
    """Absolute (N_k, 2) strokes → (T, 3) rows, first point dropped, pen_lift at stroke ends."""
    xy = np.concatenate(strokes)
    pen = np.zeros(len(xy))
    pen[np.cumsum([len(s) for s in strokes]) - 1] = 1.0
    out = np.empty((len(xy) - 1, 3))
    out[:, :2] = np.diff(xy, axis=0)
    out[:, 2] = pen[1:]
    return out


def _set_name(path: PurePosixPath) -> str:
    parts = path.parts  # data/<category>/<set>/<writer>/<file>
    if len(parts) >= 4 and parts[0] == "data":
        return parts[2]
    return path.parent.name


def parse(source: str | os.PathLike, entry: str, level: str = "TEXT", y_up: bool = True) -> list[Segment]:
    """The ``level`` segments of one file ``entry`` (relative to ``source``: a folder or a tar
    archive), strokes in millimetres, y down. ValueError naming file and line if malformed."""
    return _parse_entries(Archive(source).load(), [PurePosixPath(entry)], level, y_up)


def _parse_entries(src: Archive, entries, level: str, y_up: bool) -> list[Segment]:
    out = []
    for entry in entries:
        if not src.exists(entry):
            raise ValueError(f"{entry}: no such file in {src.root}")
        p = _Parser(src, level)
        p.parse(entry)
        for seg, strokes in p.segments(y_up):
            out.append(Segment(seg.label, strokes, _set_name(entry), seg.file, seg.line, seg.quality, seg.level))
    return out


def load(source: str | os.PathLike = DEFAULT_ARCHIVE, level: str = "TEXT", normalised: bool = False,
         y_up: bool = True, **normalise_args) -> list[Segment]:
    """Every ``level`` segment of every ``data/**/*.dat`` file in ``source`` (a folder or a tar
    archive of any compression), in path order. Millimetres, or article units with
    ``normalised=True`` (``normalise_args`` go to :func:`normalise`)."""
    src = Archive(source).load()
    segments = _parse_entries(src, [PurePosixPath(n) for n in src.names("data", ".dat")], level, y_up)
    if normalised:
        segments = [replace(s, strokes=normalise(s.strokes, **normalise_args)) for s in segments]
    return segments


# --- measures -------------------------------------------------------------------------------------

def _absolute(strokes) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3) rows → absolute points (T + 1, 2) from the origin and, per row, whether the move
    from the previous point is drawn (pen down): not after a pen lift, and never the first row."""
    arr = np.asarray(strokes, dtype=np.float64)
    xy = np.vstack([[0.0, 0.0], np.cumsum(arr[:, :2], axis=0)])
    down = np.r_[False, arr[:-1, 2] == 0]
    return xy, down


def pen_down_offsets(strokes) -> np.ndarray:
    """Lengths of the pen-down offsets: rows whose previous row does not lift the pen (row 0 is
    skipped, its start is unknown)."""
    arr = np.asarray(strokes, dtype=np.float64)
    _, down = _absolute(arr)
    return np.hypot(arr[down, 0], arr[down, 1])


def line_height(strokes) -> float:
    """Interquartile range of y along the ink, about the line's baseline direction.

    Every pen-down offset counts with its length, at its midpoint (so the measure does not depend
    on the sampling rate or the pen's speed); the length-weighted least-squares line y = a + b·x
    through those midpoints is subtracted first (IAM-OnDB's whiteboard lines drift: without it
    the measure grows by a median 14 % there, by 9 % on UNIPEN's ruled lines). Same units as the
    strokes; 0 for a line without pen-down movement.
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


def iam_statistics(lines) -> dict:
    """The normalisation targets of a list of (T, 3) IAM-OnDB lines (article units): ``height``
    (median :func:`line_height`) and ``spacing`` (median pen-down offset, all lines pooled), with
    quartiles for the record."""
    heights = np.array([line_height(x) for x in lines])
    offsets = np.concatenate([pen_down_offsets(x) for x in lines])
    return {"lines": len(lines), "height": float(np.median(heights)),
            "height_quartiles": np.quantile(heights, [0.25, 0.75]).tolist(),
            "spacing": float(np.median(offsets)), "spacing_quartiles": np.quantile(offsets, [0.25, 0.75]).tolist(),
            "spacing_cv": float(offsets.std() / offsets.mean())}


# --- normalisation --------------------------------------------------------------------------------

def _strokes_of(strokes) -> list[np.ndarray]:
    """(T, 3) rows → absolute (N_k, 2) strokes; the first stroke starts at the origin."""
    arr = np.asarray(strokes, dtype=np.float64)
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


def repeat_fraction(strokes) -> float:
    """The fraction of pen-down offsets of zero length (a tablet repeating its last position)."""
    offsets = pen_down_offsets(strokes)
    return float((offsets == 0).mean()) if len(offsets) else 0.0


def resample(strokes, spacing: float = IAM_SPACING, method: str = "auto") -> np.ndarray:
    """Resample the pen-down strokes of a (T, 3) line (any units) so that its median pen-down
    offset is ``spacing``: ``"time"`` at a uniform step in sample time (found by a few fixed-point
    iterations), ``"arc"`` at a uniform arc-length step, ``"auto"`` one of the two (see the module
    docstring). Each stroke keeps its first and last point; float64 rows."""
    if method == "auto":
        method = "arc" if repeat_fraction(strokes) > REPEAT_LIMIT else "time"
    if method not in ("time", "arc"):
        raise ValueError(f"resample: method must be 'auto', 'time' or 'arc', not {method!r}")
    parts = _strokes_of(strokes)
    moving = pen_down_offsets(strokes)
    moving = moving[moving > 0]
    out = _to_offsets(parts)
    if not len(moving):
        return out
    # the step: in samples for "time", in length for "arc"; corrected until the median is right
    # (rounding stroke lengths to whole steps, or cutting corners, moves it a few per cent)
    # (the median moves in small jumps on a short line: the closest try is kept)
    step = spacing / float(np.median(moving)) if method == "time" else spacing
    best, best_error = out, np.inf
    for _ in range(10):
        if method == "time":
            out = _to_offsets([_resample_time(p, step) for p in parts])
        else:
            out = _to_offsets([_resample_arc(p, step) for p in parts])
        med = float(np.median(pen_down_offsets(out)))
        if med <= 0:
            break
        if abs(med / spacing - 1) < best_error:
            best, best_error = out, abs(med / spacing - 1)
        if best_error < 0.002:
            break
        step *= spacing / med
    return best


def normalise(strokes_mm, height: float = IAM_HEIGHT, spacing: float = IAM_SPACING,
              resample_method: str = "auto") -> np.ndarray:
    """A line in millimetres (as the reader returns it) → float32 article units, scaled (x and y
    alike) and resampled (:func:`resample`) so that the result's :func:`line_height` is
    ``height`` and its median pen-down offset is ``spacing``. The scale starts at ``height`` over
    the line's own height and is corrected on the resampled line (a coarser sampling cuts the
    tops and bottoms of the letters a little). ValueError for a line without height."""
    arr = np.asarray(strokes_mm, dtype=np.float64)
    h = line_height(arr)
    if not h > 0:
        raise ValueError("normalise: the line has no height (no pen-down movement in y)")
    if resample_method == "auto":
        resample_method = "arc" if repeat_fraction(arr) > REPEAT_LIMIT else "time"
    scale, best, best_error = height / h, None, np.inf
    for _ in range(6):
        out = resample(arr * (scale, scale, 1.0), spacing, resample_method)
        h = line_height(out)
        if abs(h / height - 1) < best_error:
            best, best_error = out, abs(h / height - 1)
        if not h > 0 or best_error < 0.002:
            break
        scale *= height / h
    return best.astype(np.float32)


def _main(argv=None) -> None:
    import argparse
    import json

    ap = argparse.ArgumentParser(description="UNIPEN reader: the normalisation targets, or a summary of the data")
    ap.add_argument("command", choices=["iam-stats", "summary"])
    ap.add_argument("--split", default="training", help="IAM-OnDB split for iam-stats")
    ap.add_argument("--data", default=str(DEFAULT_ARCHIVE), help="UNIPEN folder or archive for summary")
    a = ap.parse_args(argv)
    if a.command == "iam-stats":
        from . import CACHE, iam
        ds = iam.load_split(iam.DEFAULT_ARCHIVE, iam.split_file(a.split), cache_dir=CACHE, progress=False)
        print(json.dumps(iam_statistics(ds.lines), indent=1))
    else:
        segs = load(a.data)
        by_set: dict[str, int] = {}
        for s in segs:
            by_set[s.set] = by_set.get(s.set, 0) + 1
        print(f"{len(segs)} segments: {by_set}")


if __name__ == "__main__":
    _main()
