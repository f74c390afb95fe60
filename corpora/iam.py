"""IAM-OnDB line strokes → arrays of offsets in article units.

Preprocessing (documented in weights/README.md):
- the points of all ``<Stroke>``s of a line, in file order, concatenated;
- offsets between consecutive points, divided by 40 (article units: raw tablet units / 40);
- ``pen_lift = 1`` on the offset that reaches the last point of a stroke;
- the first point's absolute position is dropped, so a line of P points gives P − 1 rows.
Nothing is clipped or smoothed here: evaluation sees the data as it is.
"""
from __future__ import annotations

import hashlib
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from engine.strokes import RAW_UNITS, from_points

from . import SHARED_DATA
from .archive import Archive

DEFAULT_DATA = SHARED_DATA / "iam-ondb"
DEFAULT_ARCHIVE = DEFAULT_DATA / "lineStrokes-all.tar.xz"
DEFAULT_TEXTS = DEFAULT_DATA / "ascii-all.tar.xz"


def split_file(name: str) -> Path:
    """Graves' split list ``name`` ("training", "validation", …) in the default data folder."""
    return DEFAULT_DATA / "splits" / f"{name}_set.txt"


@dataclass
class Dataset:
    """Lines of one split: names and (T, 3) float32 arrays (dx, dy, pen_lift, article units)."""

    names: list[str] = field(default_factory=list)
    lines: list[np.ndarray] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that were missing, empty or malformed

    @property
    def n_points(self) -> int:
        return sum(len(x) for x in self.lines)


def parse_line_xml(data: bytes) -> np.ndarray:
    """One IAM-OnDB line XML document → (T, 3) float32 offsets. ValueError if unusable."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"malformed XML: {exc}") from None
    strokes = []
    for stroke in root.iter("Stroke"):
        pts = [(float(p.get("x")), float(p.get("y"))) for p in stroke.iter("Point")]
        if pts:
            strokes.append(np.asarray(pts, dtype=np.float64))
    if not strokes or sum(len(s) for s in strokes) < 2:
        raise ValueError("no strokes with at least two points")
    out = from_points(strokes)  # raw units
    out[:, :2] /= RAW_UNITS
    out = out.astype(np.float32)
    if not np.all(np.isfinite(out)):  # from_points rejects non-finite input; this, what float32 cannot hold
        raise ValueError("non-finite coordinates")
    return out


def text_source(line: str) -> tuple[str, int]:
    """Where a line's text is: ``lineStrokes/a01/a01-000/a01-000u-03.xml`` → the form's
    transcription ``ascii/a01/a01-000/a01-000u.txt`` and its CSR line number 3."""
    path = PurePosixPath(line)
    form, _, k = path.stem.rpartition("-")
    if not form or not k.isdigit():
        raise ValueError(f"{line}: not an IAM-OnDB line file name (…/FORM-NN.xml)")
    parts = path.parts[1:-1] if path.parts[0] == "lineStrokes" else path.parts[:-1]
    return str(PurePosixPath("ascii", *parts, form + ".txt")), int(k)


def csr_lines(data: bytes) -> list[str]:
    """The non-empty lines after ``CSR:`` in one form's transcription file."""
    text = data.decode("utf-8", errors="replace").splitlines()
    try:
        at = next(i for i, ln in enumerate(text) if ln.strip() == "CSR:")
    except StopIteration:
        raise ValueError("no CSR: section") from None
    return [ln for ln in text[at + 1:] if ln.strip()]


_CONTRACTION = re.compile(r" ' ?(s|t|m|d|re|ve|ll)\b")


def normalise_text(raw: str) -> str:
    """A transcription as the writer wrote it: IAM's transcribers set punctuation apart ("Mr .
    Foot ,", "it 's", "Foot ' s", "( Treasury )"), the writers did not; runs of spaces become one, and leading
    and trailing spaces go. Quotation marks are left as transcribed (which side they bind to is
    not recorded)."""
    s = " ".join(raw.split())
    s = re.sub(r" +([.,;:!?)])", r"\1", s)
    s = re.sub(r"\( +", "(", s)
    return _CONTRACTION.sub(r"'\1", s)


def load_texts(source: str | os.PathLike, names: list[str]) -> dict[str, str]:
    """Each line's normalised text, from the transcriptions (an ``ascii`` folder, its parent, or a
    tar archive of any compression) or from a pack written by ``pack()``. A line whose form file
    is missing or too short is left out; ValueError for a form file without a CSR section."""
    source = Path(source)
    if source.suffix == ".npz":
        with np.load(source) as z:
            if "texts" not in z:
                raise ValueError(f"{source.name}: this pack holds no texts (pack it again with the transcriptions)")
            texts = dict(zip(map(str, z["names"]), map(str, z["texts"])))
        return {n: texts[n] for n in names if texts.get(n)}
    where = {n: text_source(n) for n in names}
    forms = sorted({f for f, _ in where.values()})
    csr = {}
    for name, data in _archive(source, forms).files(forms):
        try:
            csr[name] = csr_lines(data)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    out = {}
    for n, (form, k) in where.items():
        if form in csr and k <= len(csr[form]):
            out[n] = normalise_text(csr[form][k - 1])
    return out


def _read_split(split: str | os.PathLike) -> list[str]:
    names = [ln.strip() for ln in Path(split).read_text().splitlines() if ln.strip()]
    if not names:
        raise ValueError(f"split list {split} is empty")
    return names


def _archive(source: Path, names) -> Archive:
    """The archive holding ``names`` (paths such as ``lineStrokes/a01/…``): ``source`` itself, or,
    when ``source`` is the unpacked ``lineStrokes`` (``ascii``) folder, its parent."""
    archive = Archive(source)
    if archive.is_tar or any((source / n).is_file() for n in names[:50]):
        return archive
    return Archive(source.parent)


def load_split(source: str | os.PathLike, split: str | os.PathLike,
               cache_dir: str | os.PathLike | None = None, progress: bool = True) -> Dataset:
    """Read the lines listed in ``split`` (archive paths, one per line) from ``source``.

    ``source`` is a lineStrokes folder (or its parent), a tar archive of any compression, or a
    pack written by ``pack()`` (``.npz``). A malformed, empty or missing file is skipped and
    counted in ``Dataset.skipped``. Parsed results are cached as .npz in ``cache_dir`` (keyed by
    source, size and split; :data:`corpora.CACHE` is the project's folder for it).
    """
    source, names = Path(source), _read_split(split)
    if source.suffix == ".npz":
        return _from_pack(source, names)
    cache = _cache_path(source, names, cache_dir)
    if cache is not None and cache.exists():
        return _load_cache(cache)
    found: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    wanted = set(names)
    for i, (name, data) in enumerate(_archive(source, names).files(wanted)):
        try:
            found[name] = parse_line_xml(data)
        except ValueError as exc:
            skipped.append(f"{name}: {exc}")
        if progress and (i + 1) % 500 == 0:
            print(f"\r  read {i + 1}/{len(wanted)} lines from {source.name}", end="", flush=True)
    if progress:
        print(f"\r  read {len(found)} lines from {source.name}, skipped {len(skipped)}" + " " * 10)
    skipped += [f"{n}: missing" for n in names if n not in found and not any(s.startswith(n + ":") for s in skipped)]
    ds = Dataset([n for n in names if n in found], [found[n] for n in names if n in found], skipped)
    if cache is not None:
        _save_cache(cache, ds)
    return ds


def _cache_path(source: Path, names: list[str], cache_dir) -> Path | None:
    if cache_dir is None:
        return None
    st = source.stat()
    key = hashlib.sha256(f"{source.resolve()}|{st.st_size}|{st.st_mtime_ns}|{'|'.join(names)}".encode()).hexdigest()[:16]
    return Path(cache_dir) / f"iam-{key}.npz"


def _save_cache(path: Path, ds: Dataset) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lengths = np.array([len(x) for x in ds.lines], dtype=np.int64)
    data = np.concatenate(ds.lines) if ds.lines else np.zeros((0, 3), np.float32)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, data=data, lengths=lengths, names=np.array(ds.names), skipped=np.array(ds.skipped, dtype=str))
    tmp.replace(path)


def _load_cache(path: Path) -> Dataset:
    with np.load(path) as z:
        parts = np.split(z["data"], np.cumsum(z["lengths"])[:-1]) if len(z["lengths"]) else []
        return Dataset(list(map(str, z["names"])), list(parts), list(map(str, z["skipped"])))


def pack(source: str | os.PathLike, splits: list, out: str | os.PathLike, progress: bool = True,
         texts: str | os.PathLike | None = DEFAULT_TEXTS) -> Path:
    """Write the lines of ``splits`` into one small compressed .npz (raw int16 offsets, int8 pen,
    and each line's normalised text when ``texts`` names the transcriptions; '' where none).

    A pack is what travels to a GPU machine (`training/device.sh`): the training and validation
    splits in ~15 MB that load in a second, where parsing the XML archive takes ~45 s. Never commit or publish one: it is
    IAM-OnDB data under its licence.
    """
    names, lines = [], []
    for split in splits:
        ds = load_split(source, split, progress=progress)
        names += ds.names
        lines += ds.lines
    seen = dict(zip(names, lines))  # a line in two splits is stored once
    rows = np.concatenate(list(seen.values()))
    xy = np.rint(rows[:, :2] * RAW_UNITS)
    if np.abs(xy).max() > np.iinfo(np.int16).max:
        raise ValueError("an offset does not fit int16")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    extra = {}
    if texts is not None:
        found = load_texts(texts, list(seen))
        extra["texts"] = np.array([found.get(n, "") for n in seen])
    np.savez_compressed(out, names=np.array(list(seen)), lengths=np.array([len(x) for x in seen.values()]),
                        xy=xy.astype(np.int16), pen=rows[:, 2].astype(np.int8), **extra)
    return out


def _from_pack(path: Path, names: list[str]) -> Dataset:
    with np.load(path) as z:
        xy, pen, lengths = z["xy"], z["pen"], z["lengths"]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        index = {str(n): i for i, n in enumerate(z["names"])}
    ds = Dataset()
    for n in names:
        i = index.get(n)
        if i is None:
            ds.skipped.append(f"{n}: not in the pack {path.name}")
            continue
        a, b = offsets[i], offsets[i + 1]
        line = np.empty((b - a, 3), np.float32)
        line[:, :2] = xy[a:b] / RAW_UNITS
        line[:, 2] = pen[a:b]
        ds.names.append(n)
        ds.lines.append(line)
    return ds


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="python -m corpora.iam pack OUT.npz: pack splits for a GPU machine")
    ap.add_argument("command", choices=["pack"])
    ap.add_argument("out")
    ap.add_argument("--data", default=str(DEFAULT_ARCHIVE))
    ap.add_argument("--texts", default=str(DEFAULT_TEXTS), help="the transcriptions ('' = pack no texts)")
    ap.add_argument("--splits", nargs="+", default=[str(split_file(n)) for n in ("training", "validation")])
    a = ap.parse_args()
    path = pack(a.data, a.splits, a.out, texts=a.texts or None)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
