"""Human handwriting lines for figures with a sample picker, only when the builder passes --samples.

IAM-OnDB (and the 2016 article's files) may not be redistributed, so the default build ships none;
a builder who may publish their own lines points ``--samples`` at a lineStrokes folder or archive.
"""
from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np

from corpora.iam import parse_line_xml

MAX_LINES = 8
MIN_POINTS, MAX_POINTS = 300, 900  # lines of a readable length for the figures


def load_samples(path: Path, count: int = MAX_LINES) -> list[dict]:
    """The first ``count`` well-formed lines (by file name) of a readable length."""
    out = []
    for name, data in _xml_files(Path(path)):
        try:
            strokes = parse_line_xml(data)
        except ValueError:
            continue
        if MIN_POINTS <= len(strokes) <= MAX_POINTS:
            out.append({"name": Path(name).stem, "strokes": np.round(strokes, 4).tolist()})
        if len(out) >= count:
            break
    if not out:
        raise ValueError(f"--samples {path}: no usable IAM-OnDB line files found")
    return out


def _xml_files(path: Path):
    if path.is_dir():
        for f in sorted(path.rglob("*.xml")):
            yield f.name, f.read_bytes()
        return
    if not path.is_file():
        raise ValueError(f"--samples {path}: no such folder or archive")
    with tarfile.open(path, "r:*") as tar:
        members = sorted((m for m in tar if m.isfile() and m.name.endswith(".xml")), key=lambda m: m.name)
        for m in members[:400]:  # enough to find a handful of lines, without reading everything
            yield m.name, tar.extractfile(m).read()


def samples_json(samples: list[dict]) -> bytes:
    return json.dumps(samples, separators=(",", ":")).encode()
