"""Reading written lines with an OCR engine, to compare a model's lines with real ones: a line
rendered as black ink on white (``render``, one fixed rendering), read by Tesseract (Debian's
``tesseract-ocr``, ``--psm 7 -l eng``: one line of English), scored by character error rate
(``cer``). Used by ``training/evaluate_synthesis.py`` (legibility) and ``analysis/priming.py``."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from engine.strokes import to_polylines

PX_PER_UNIT = 10.0  # rendering scale: IAM-OnDB's letter height (~2.4 units) is ~24 px


def render(strokes: np.ndarray, px: float = PX_PER_UNIT, pad: int = 16, radius: float = 1.5) -> np.ndarray:
    """A line as black ink on white: (rows, cols) uint8, each stroke's path stamped as discs of
    ``radius`` pixels every half pixel."""
    lines = [p * px for p in to_polylines(strokes)]
    every = np.concatenate(lines)
    lo = every.min(axis=0) - pad
    w, h = (np.ceil(every.max(axis=0) - lo) + pad).astype(int)
    img = np.full((h, w), 255, np.uint8)
    r = int(np.ceil(radius))
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    disc = dx ** 2 + dy ** 2 <= radius ** 2
    for line in lines:
        pts = [line[0]]
        for a, b in zip(line[:-1], line[1:]):
            n = max(1, int(np.hypot(*(b - a)) * 2))
            pts.extend(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
        c = np.rint(np.asarray(pts) - lo).astype(int)
        ys, xs = (c[:, 1, None] + dy[disc]).ravel(), (c[:, 0, None] + dx[disc]).ravel()
        ok = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
        img[ys[ok], xs[ok]] = 0
    return img


def pgm(img: np.ndarray) -> bytes:
    return f"P5 {img.shape[1]} {img.shape[0]} 255\n".encode() + img.tobytes()


def cer(got: str, want: str) -> float:
    """Character error rate: Levenshtein distance / len(want)."""
    prev = list(range(len(got) + 1))
    for i, cw in enumerate(want, 1):
        cur = [i]
        for j, cg in enumerate(got, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cw != cg)))
        prev = cur
    return prev[-1] / max(1, len(want))


def ocr(img: np.ndarray, folder: Path, name: str) -> str:
    path = folder / f"{name}.pgm"
    path.write_bytes(pgm(img))
    res = subprocess.run(["tesseract", str(path), "stdout", "--psm", "7", "-l", "eng"], capture_output=True, text=True)
    return " ".join(res.stdout.split())
