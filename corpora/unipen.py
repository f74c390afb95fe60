"""UNIPEN 1.0 text lines → the engine's stroke format, in millimetres.

The data (``../shared/data/unipen/``, its README first): UNIPEN train_r01_v07, category 8 (text
lines), CC BY 4.0 via Zenodo, research and non-commercial use; cite Guyon et al., ICPR 1994 and
the Zenodo record; never publish writer ids or file names (some are surnames), so ``Segment.file``
is for provenance inside the project only. What was measured on it: docs/design.md, "Foreign hands".

UNIPEN's plain-text format is a sequence of statements: a keyword line ``.KEYWORD args`` followed
by any number of non-keyword lines that belong to it. What this reader uses:

- ``.INCLUDE path`` reads another file in place. ``path`` is relative; it is looked up beside the
  including file, then in ``include/`` of each folder above it (UNIPEN's ``data/8/<set>/...``
  files include ``<set>/...`` from the distribution's ``include/`` folder), then at the root.
- ``.PEN_DOWN`` / ``.PEN_UP`` start a pen block whose lines are points, one per line, with the
  columns ``.COORD`` declares (``X Y`` when it is absent). Non-empty blocks are numbered from 0 in
  file order (includes inline), the count restarting at ``.START_SET`` (not at ``.START_BOX``);
  these are the components a ``.SEGMENT`` of the same set refers to (before or after them).
  Pen-down blocks are strokes; pen-up blocks with points (hover traces) count but are not ink.
- ``.SEGMENT LEVEL DELINEATION [QUALITY] ["label"]``: ``DELINEATION`` is a comma-separated list of
  ``a-b`` or ``a`` component ranges (inclusive), where an end may be ``block:point``
  (``5:3-7:28``). Only segments of the requested level (``TEXT``, the text lines) are returned.
- ``.X_POINTS_PER_MM`` or ``.X_POINTS_PER_INCH`` (and ``Y``) give the resolution: the last one
  read before a block applies to it, so lines come out in millimetres.
- UNIPEN's Y axis points up, so y is negated to point down as in IAM-OnDB (``y_up=False`` keeps it).
- Everything else (``.COMMENT``, ``.DT``, writer information, ...) is skipped.

Malformed input raises ``ValueError("<file>:<line>: <what>")``: an unreadable or missing include,
an include cycle, a point line that is not numeric or has the wrong number of columns, a bad or
out-of-range delineation, an unterminated label, a non-positive resolution, a segment with no
resolution, a data line before any keyword.

A :class:`Segment` holds ``text``, ``strokes`` and where it came from (``set``, ``file``, ``line``,
``quality``, ``level``). ``strokes`` are (T, 3) float64 rows of dx, dy, pen_lift in MILLIMETRES,
y down, the first point's absolute position dropped (:func:`engine.strokes.from_points`, as
:mod:`corpora.iam` reads IAM-OnDB); :func:`engine.hands.normalise` (or ``load(...,
normalised=True)``) rescales and resamples them to read like IAM-OnDB, in article units.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import numpy as np

from engine.hands import normalise
from engine.strokes import from_points

from . import SHARED_DATA
from .archive import Archive

DEFAULT_DATA = SHARED_DATA / "unipen"
DEFAULT_ARCHIVE = DEFAULT_DATA / "unipen-train_r01_v07-cat8-sample.tar.xz"

MM_PER_INCH = 25.4
_KEYWORD = re.compile(r"\.([A-Z][A-Z0-9_]*)(?=\s|$)")
_END = re.compile(r"^(\d+)(?::(\d+))?$")
_MAX_DEPTH = 32


@dataclass(frozen=True)
class Segment:
    """One labelled segment (a text line for level TEXT).

    ``strokes``: (T, 3) dx, dy, pen_lift; millimetres (y down) from the reader, article units
    after :func:`engine.hands.normalise`. ``set``: the writers' set (``dar``, ``bba``, …); ``file``
    and ``line``: where the ``.SEGMENT`` statement is (provenance only: never publish file names).
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
    return from_points(strokes)


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
    ``normalised=True`` (``normalise_args`` go to :func:`engine.hands.normalise`)."""
    src = Archive(source).load()
    segments = _parse_entries(src, [PurePosixPath(n) for n in src.names("data", ".dat")], level, y_up)
    if normalised:
        segments = [replace(s, strokes=normalise(s.strokes, **normalise_args)) for s in segments]
    return segments
