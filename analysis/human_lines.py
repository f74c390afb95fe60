"""Human lines the article may publish: UNIPEN text lines the model reads as well as IAM-OnDB's.

    python -m analysis.human_lines            # print the candidates and the chosen lines
    python -m analysis.human_lines --write    # → article/human-lines.json (committed)

Needs ``../shared/data/unipen`` (the raw sample) and ``../shared/data/iam-ondb`` (for the range of
scores an IAM-OnDB validation line gets); a fork builds from the committed file and needs neither.

Selection, from the sample's text lines normalised as :func:`engine.hands.normalise` does:
quality not doubtful (``?``); at most ``MAX_POINTS`` points once normalised (a line the possible-
paths figure runs through in well under a minute); not a row of a table of figures (labels that
start with ``@``: the model has seen few digits); one line per text; and the default model's NLL
per point within the middle 80 % of IAM-OnDB validation lines' (the model reads it as it reads
its own kind of data). The ``MAX_LINES`` shortest are kept, shortest first (the figures open on the
first, and possible paths run through it soonest). The file keeps strokes, text and the
source set only: no writer ids, no file names (UNIPEN's terms), and carries the data's licence.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

import engine
from corpora import unipen

from .hands import iam_validation_nlls

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "article" / "human-lines.json"
MAX_POINTS = 1500
MAX_LINES = 12
LICENCE = ("UNIPEN train_r01_v07, category 8 (Guyon et al., ICPR 1994, doi:10.1109/ICPR.1994.576870), "
           "from the Zenodo record doi:10.5281/zenodo.1195803 under Creative Commons Attribution 4.0; "
           "the original UNIPEN notice allows research use and forbids commercial distribution. "
           "Strokes rescaled and resampled by this project (corpora/unipen.py); writers not named.")


def iam_range(model, lo: float = 10, hi: float = 90) -> tuple[float, float]:
    """The lo-th and hi-th percentiles of IAM-OnDB validation lines' NLL per point."""
    nll = iam_validation_nlls(model)
    return float(np.percentile(nll, lo)), float(np.percentile(nll, hi))


def tidy(text: str) -> str:
    """A label's text as written: UNIPEN's transcriptions space out punctuation ("wasn ' t ,")."""
    text = text.replace('\\"', '"').strip()
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"(\w) ' (\w)", r"\1'\2", text)


def rows(strokes) -> list:
    """Strokes as JSON rows, offsets to 0.01 article unit (0.4 of IAM-OnDB's tablet unit)."""
    return [[round(float(dx), 2), round(float(dy), 2), int(p)] for dx, dy, p in strokes]


def select(segments, model, low: float, high: float) -> list[dict]:
    """The chosen lines as the file stores them, with their NLL (see the module docstring)."""
    chosen, texts = [], set()
    for seg in segments:
        text = tidy(seg.text)
        if seg.quality == "?" or len(seg.strokes) > MAX_POINTS or text.startswith("@") or text in texts:
            continue
        shipped = rows(seg.strokes)  # scored as the page will have it
        nll = engine.nll(model, np.array(shipped))
        if low <= nll <= high:
            texts.add(text)
            chosen.append({"text": text, "set": seg.set, "nll": round(nll, 3), "strokes": shipped})
    chosen.sort(key=lambda c: len(c["strokes"]))  # the shortest first: the figures open on line 1
    return chosen[:MAX_LINES]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(ROOT)}")
    args = p.parse_args(argv)
    model = engine.load_model()
    low, high = iam_range(model)
    print(f"IAM-OnDB validation lines, middle 80 % of NLL per point: {low:.3f} to {high:.3f}")
    segments = unipen.load(normalised=True)
    lines = select(segments, model, low, high)
    for i, line in enumerate(lines, 1):
        print(f"  {i:2d}  {line['set']}  {len(line['strokes']):4d} points  NLL {line['nll']:+.3f}  {line['text']}")
    print(f"{len(lines)} of {len(segments)} text lines chosen")
    if args.write:
        doc = {"source": "UNIPEN", "licence": LICENCE,
               "selection": f"python -m analysis.human_lines --write: NLL per point within {low:.3f} to {high:.3f}, "
                            f"the middle 80 % of IAM-OnDB validation lines under the default model",
               "lines": [{"label": f"Human line {i} (UNIPEN)", **line} for i, line in enumerate(lines, 1)]}
        OUT.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n")
        print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} KB)")


if __name__ == "__main__":
    main()
