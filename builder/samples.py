"""Human handwriting lines for the figures' sample pickers.

By default the site ships the UNIPEN lines committed in ``article/human-lines.json`` (derived data
under the UNIPEN terms stated in that file and in LICENSE; ``python -m analysis.human_lines
--write`` regenerates it from the raw sample). IAM-OnDB lines may not be redistributed, so a
builder who may publish some points ``--samples`` at a lineStrokes folder or archive: those are
added after the UNIPEN lines.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from corpora.archive import Archive
from corpora.iam import parse_line_xml

PUBLISHED = Path(__file__).resolve().parent.parent / "article" / "human-lines.json"
MAX_LINES = 8
MIN_POINTS, MAX_POINTS = 300, 900  # IAM-OnDB lines of a readable length for the figures


def published_lines(path: Path = PUBLISHED) -> list[dict]:
    """The committed human lines: {"label", "text", "strokes" (T, 3) array}, in the file's order."""
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return [{"label": str(x["label"]), "text": str(x["text"]), "strokes": np.asarray(x["strokes"], dtype=np.float64)}
                for x in doc["lines"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path.name}: not a human-lines file ({exc})") from None


def published_licence(path: Path = PUBLISHED) -> str:
    """The committed human lines' own terms, which the page states beside the article's."""
    return json.loads(path.read_text(encoding="utf-8"))["licence"] if path.exists() else ""


def load_samples(path: Path, count: int = MAX_LINES) -> list[dict]:
    """The first ``count`` well-formed IAM-OnDB lines (by file name) of a readable length."""
    out = []
    for name, data in _xml_files(Path(path)):
        try:
            strokes = parse_line_xml(data)
        except ValueError:
            continue
        if MIN_POINTS <= len(strokes) <= MAX_POINTS:
            out.append({"label": f"Human line {Path(name).stem} (IAM-OnDB)", "text": "",
                        "strokes": np.round(strokes.astype(np.float64), 4)})
        if len(out) >= count:
            break
    if not out:
        raise ValueError(f"--samples {path}: no usable IAM-OnDB line files found")
    return out


def _xml_files(path: Path):
    """Line files by name: the first 400 of an archive are enough to find a handful of lines."""
    try:
        archive = Archive(path)
    except ValueError as exc:
        raise ValueError(f"--samples {exc}") from None
    names = archive.names(suffix=".xml")[:400]
    yield from archive.files(names)


def samples_json(samples: list[dict]) -> bytes:
    """data/samples.json: what the pickers list after the generated lines."""
    return json.dumps([{"label": s["label"], "text": s["text"], "strokes": np.asarray(s["strokes"]).tolist()}
                       for s in samples], separators=(",", ":"), ensure_ascii=False).encode()
