"""Priming works (Graves 2013, §5.5): does a line the synthesis model writes primed with a hand take
that hand's slant and size, and stay legible?

    python -m analysis.priming                          # both measures on weights/synthesis.hwlstm
    python -m analysis.priming --only follow --seeds 3
    python -m analysis.priming --only ocr --ocr-hands 2 4 11 --pages /tmp/priming-ocr

``follow``: each of the UNIPEN hands in article/human-lines.json (the article's human lines, already
at IAM-OnDB's letter height and point spacing: engine.hands) primes the model, which writes each of
``FOLLOW_TEXTS`` once per seed; every written line and every hand is measured for its slant
(:func:`slant`), letter height (:func:`engine.hands.line_height`) and width per character
(:func:`width_per_char`), a hand's written lines by their mean; then, per measure, the Pearson
correlation over the hands between the hand's value and its written lines', and the slope of the
written on the hands' (1: the lines copy the whole difference between two hands). Bar: correlation
≥ 0.5 for slant and for letter height. The hands' own range is printed beside each: the lines are normalised to one
letter height, so theirs varies by a few per cent only, and width per character is the size that
stays each writer's own.

``ocr``: the model writes each of ``OCR_TEXTS`` unprimed and primed with each of ``--ocr-hands``
(the same seed for a text each time, bias 1.0 as training/evaluate_synthesis.py's ``ocr``); every
line is rendered and read by Tesseract as there (its ``render``, ``ocr``, ``cer``); the mean
character error rate of each. Bar: primed ≤ 1.25 × unprimed, for each hand. Needs Debian's
``tesseract-ocr``.

Every text written is one of ours (never IAM-OnDB's). CPython, NumPy, float32 as the browser's
worker writes; a few minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

import engine
from engine.hands import line_height
from analysis.ocr import cer, ocr, render

HUMAN_LINES = Path(__file__).resolve().parent.parent / "article" / "human-lines.json"
FOLLOW_TEXTS = ("Ink that knows its letters.", "a quiet line of words")
OCR_TEXTS = ("Ink that knows its letters.", "a quiet line of words", "the river runs past the mill",
             "Seven small boats came home.", "bread, cheese and apples", "She read the letter twice.")
FOLLOW_BIAS = 0.75  # the figure's default Neatness (article/index.md)
OCR_BIAS = 1.0  # as training/evaluate_synthesis.py reads the model's lines
CORRELATION_BAR = 0.5  # each of slant and letter height
OCR_BAR = 1.25  # primed CER at most this many times the unprimed
BARRED = ("slant", "letter height")


def _pen_down(strokes) -> np.ndarray:
    """The (dx, dy) of the pen-down offsets of (T, 3) rows: those after a row that keeps the pen down."""
    arr = np.asarray(strokes, dtype=np.float64)
    return arr[1:, :2][arr[:-1, 2] == 0]


def slant(strokes) -> float:
    """The slant of a line in degrees from upright, positive leaning right: the least-squares shear
    s in dx = −s·dy over its pen-down offsets that run closer to vertical than to horizontal (y
    grows down the page, as IAM-OnDB's does), as atan(s). A line of upright strokes sheared by s
    gives atan(s). 0 for a line with no such offset."""
    d = _pen_down(strokes)
    d = d[np.abs(d[:, 1]) > np.abs(d[:, 0])]
    if not len(d):
        return 0.0
    return float(np.degrees(np.arctan(-(d[:, 0] * d[:, 1]).sum() / (d[:, 1] ** 2).sum())))


def width_per_char(strokes, text: str) -> float:
    """The ink's horizontal extent over the number of characters of its text (spaces included)."""
    arr = np.asarray(strokes, dtype=np.float64)
    x = np.r_[0.0, np.cumsum(arr[:, 0])]
    down = np.r_[False, arr[:-1, 2] == 0]  # row t draws from point t to t + 1 (engine.hands' rule)
    ink = np.r_[x[:-1][down], x[1:][down]]
    return float((ink.max() - ink.min()) / max(1, len(text))) if len(ink) else 0.0


MEASURES = {"slant": lambda x, text: slant(x), "letter height": lambda x, text: line_height(x),
            "width per character": width_per_char}


def measure(strokes, text: str) -> dict[str, float]:
    return {name: f(strokes, text) for name, f in MEASURES.items()}


def correlation(a, b) -> float:
    """Pearson's r of two equal-length sequences; ValueError when either is constant."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("correlation needs two sequences of the same length, at least 2")
    a, b = a - a.mean(), b - b.mean()
    scale = np.sqrt((a ** 2).sum() * (b ** 2).sum())
    if not scale > 0:
        raise ValueError("correlation of a constant sequence is undefined")
    return float((a * b).sum() / scale)


def follows(hands: list[dict], written: list[list[dict]]) -> dict:
    """Per measure: the hands' values, their written lines' means, the correlation over the hands,
    the slope of the least-squares line of the written on the hands' (how much of a difference
    between hands the written lines copy: 1 all of it) and the hands' range. ``hands``: each
    hand's :func:`measure`; ``written``: per hand, the :func:`measure` of each line it primed."""
    out = {}
    for name in MEASURES:
        own = [h[name] for h in hands]
        copied = [float(np.mean([w[name] for w in lines])) for lines in written]
        r = correlation(own, copied)
        slope = r * float(np.std(copied) / np.std(own))
        out[name] = {"correlation": round(r, 3), "slope": round(slope, 3), "hands": [round(v, 3) for v in own],
                     "written": [round(v, 3) for v in copied], "hands_range": [round(min(own), 3), round(max(own), 3)]}
    return out


def load_hands(path: Path = HUMAN_LINES) -> list[tuple[str, np.ndarray, str]]:
    """(label, strokes, text) of the article's human lines."""
    return [(line["label"], np.asarray(line["strokes"], dtype=np.float32), line["text"])
            for line in json.loads(Path(path).read_text())["lines"]]


def measure_follow(synth, hands, texts, seeds: int, bias: float) -> dict:
    written = []
    for label, strokes, text in hands:
        lines = [measure(engine.write(synth, t, bias=bias, seed=seed, style=(strokes, text))[0], t)
                 for t in texts for seed in range(seeds)]
        written.append(lines)
        print(f"  {label}: slant {np.mean([w['slant'] for w in lines]):+.1f}°, "
              f"letter height {np.mean([w['letter height'] for w in lines]):.2f}", flush=True)
    return {"hands": len(hands), "texts": list(texts), "seeds": seeds, "bias": bias,
            **follows([measure(x, t) for _, x, t in hands], written)}


def measure_ocr(synth, hands, picked: list[int], texts, pages: Path) -> dict:
    if shutil.which("tesseract") is None:
        raise SystemExit("the ocr measure needs Tesseract: apt-get install tesseract-ocr")
    pages.mkdir(parents=True, exist_ok=True)
    styles = {"unprimed": None, **{hands[k - 1][0]: (hands[k - 1][1], hands[k - 1][2]) for k in picked}}
    out = {}
    for n, (name, style) in enumerate(styles.items()):
        rates = []
        for i, text in enumerate(texts):
            strokes, _ = engine.write(synth, text, bias=OCR_BIAS, seed=i, style=style)
            rates.append(cer(ocr(render(strokes), pages, f"{n:02d}-{i:02d}"), text))
        out[name] = round(float(np.mean(rates)), 3)
        print(f"  {name}: CER {out[name]:.3f}", flush=True)
    return {"texts": len(texts), "bias": OCR_BIAS, "cer": out,
            "passes": {k: v <= OCR_BAR * out["unprimed"] for k, v in out.items() if k != "unprimed"}}


def verdict(ok: bool) -> str:
    return "passes" if ok else "FAILS"


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default=str(engine.DEFAULT_SYNTHESIS), help="the synthesis weights (default: %(default)s)")
    p.add_argument("--hands", default=str(HUMAN_LINES), help="a human-lines file (default: the article's)")
    p.add_argument("--only", nargs="+", choices=["follow", "ocr"], default=["follow", "ocr"])
    p.add_argument("--seeds", type=int, default=2, help="lines written per text and hand for follow (seeds 0..N-1)")
    p.add_argument("--bias", type=float, default=FOLLOW_BIAS, help="bias (Neatness) for follow")
    p.add_argument("--ocr-hands", type=int, nargs="+", default=[2, 4, 1],
                   help="the human lines (1-based) ocr primes with (default: the first of three writers' sets)")
    p.add_argument("--pages", default=str(Path(tempfile.gettempdir()) / "priming-ocr"), help="where the rendered lines go")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    a = p.parse_args(argv)
    hands = load_hands(Path(a.hands))
    if a.seeds < 1:
        p.error("--seeds must be at least 1")
    if any(not 1 <= k <= len(hands) for k in a.ocr_hands):
        p.error(f"--ocr-hands are human lines 1 to {len(hands)}")
    synth = engine.load_synthesis(a.weights)
    print("python -m analysis.priming " + " ".join(argv if argv is not None else sys.argv[1:]), flush=True)
    result = {}
    if "follow" in a.only:
        print(f"follow: {len(hands)} hands, {len(FOLLOW_TEXTS)} texts × {a.seeds} seeds, bias {a.bias:g}", flush=True)
        result["follow"] = r = measure_follow(synth, hands, FOLLOW_TEXTS, a.seeds, a.bias)
        for name in MEASURES:
            m = r[name]
            bar = f"  bar ≥ {CORRELATION_BAR}: {verdict(m['correlation'] >= CORRELATION_BAR)}" if name in BARRED else ""
            print(f"{name:20s} correlation {m['correlation']:+.3f} over {len(hands)} hands, slope {m['slope']:+.3f} "
                  f"(hands {m['hands_range'][0]:g} to {m['hands_range'][1]:g}){bar}")
    if "ocr" in a.only:
        print(f"ocr: {len(OCR_TEXTS)} texts, bias {OCR_BIAS:g}, Tesseract", flush=True)
        result["ocr"] = r = measure_ocr(synth, hands, a.ocr_hands, OCR_TEXTS, Path(a.pages))
        print(f"unprimed CER {r['cer']['unprimed']:.3f}")
        for name, ok in r["passes"].items():
            times = f"{r['cer'][name] / r['cer']['unprimed']:.2f} × unprimed" if r["cer"]["unprimed"] else "unprimed 0"
            print(f"primed with {name}: CER {r['cer'][name]:.3f} ({times})  bar ≤ {OCR_BAR} × unprimed: {verdict(ok)}")
    if a.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
