"""Helpers several test files use: small random models and lines, IAM-OnDB-like XML, readers of
the 2016 article's data formats (only the tests read those; the engine reads the 2016 weights), and
the article's figures as the build finds them, from their folders."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from engine import strokes as S
from engine import weights as W


def random_weights(hidden=8, mixtures=3, seed=0, **meta) -> W.Weights:
    rng = np.random.default_rng(seed)
    return W.Weights(rng.normal(0, 0.5, (3 + hidden, 4 * hidden)), rng.normal(0, 0.1, 4 * hidden),
                     rng.normal(0, 0.5, (hidden, 1 + 6 * mixtures)), rng.normal(0, 0.1, 1 + 6 * mixtures),
                     dict(meta))


PASSING_MEASURES = {  # measurements whose every bar passes (engine.bars)
    "text": {"own_text": -2.1, "other_text": -1.9, "gain": 0.2, "unconditional": -1.95},
    "endings": {"texts": 100, "failures": {"0.0": 3, "0.5": 0, "1.0": 0, "2.0": 0}},
    "priming": {"forms": 40, "primed_own_writer": -2.2, "primed_other_writer": -2.0, "unprimed": -2.1},
    "ocr": {"lines": 30, "cer_real": 0.44, "cer_model": 0.4},
}


def passing_record() -> dict:
    """The committed weights/synthesis.json with :data:`PASSING_MEASURES` over its measurements: a
    record that passes every bar and holds everything else the article's prose cites of it."""
    import json
    record = json.loads((Path(__file__).resolve().parents[1] / "weights" / "synthesis.json").read_text())
    measured = record.setdefault("measured", {})
    for name, values in PASSING_MEASURES.items():
        measured[name] = {**measured.get(name, {}), **values}
    return record


PASSING_RECORD = passing_record()


def synthesis_folder(folder: Path, record: dict | None = PASSING_RECORD) -> Path:
    """A copy of the committed synthesis weights in ``folder`` with ``record`` beside them as their
    measured record (None: no record) → the weights' path, for ``build.py --synthesis``. With the
    default, a build places fig-write whatever the committed weights' own record says (the browser
    tests and bench/browser.py build such a site)."""
    import json
    import shutil

    import engine
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / "synthesis.hwlstm"
    shutil.copyfile(engine.DEFAULT_SYNTHESIS, weights)
    if record is not None:
        (folder / "synthesis.json").write_text(json.dumps(record))
    return weights


def random_line(n=40, seed=1):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 3))
    x[:, :2] = rng.normal(0, 1, (n, 2))
    x[rng.random(n) < 0.1, 2] = 1
    return x


def from_2016_raw(rows) -> np.ndarray:
    """The 2016 article's raw line form (integer tablet offsets, first row the absolute start) → strokes."""
    arr = S.validate(rows, max_points=None, name="2016 raw strokes")
    if len(arr) < 2:
        raise ValueError("2016 raw strokes: need the start row and at least one offset")
    out = arr[1:].copy()
    out[:, :2] /= S.RAW_UNITS
    return S.validate(out, max_points=None)


def line_xml(strokes) -> bytes:
    """An IAM-OnDB lineStrokes document holding ``strokes`` (lists of raw (x, y) points)."""
    body = "".join("<Stroke>" + "".join(f'<Point x="{x}" y="{y}" time="0"/>' for x, y in s) + "</Stroke>"
                   for s in strokes)
    return f'<?xml version="1.0"?><WhiteboardCaptureSession><StrokeSet>{body}</StrokeSet></WhiteboardCaptureSession>'.encode()


def wavy(seed, n=60):
    """Two strokes of a wavy line in raw tablet units."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x, y = 1000 + 12 * t, 500 + 60 * np.sin(t / 3 + seed) + rng.normal(0, 2, n)
    return [list(zip(x[:n // 2].astype(int), y[:n // 2].astype(int))), list(zip(x[n // 2:].astype(int), y[n // 2:].astype(int)))]


CORPUS_TEXTS = [f"line {i + 1} , it 's ( the {'ab'[i % 2]} )" for i in range(12)]  # as IAM transcribes


def make_corpus(folder: Path) -> Path:
    """A lineStrokes folder of 12 good lines, one truncated and one empty file, plus split lists
    train.txt (10 good, 2 bad) and val.txt (2 good), and the form's transcription in
    ascii/ (CSR line k is the text of line file -k, as in IAM-OnDB)."""
    names = []
    ascii_file = folder / "ascii/a01/a01-000/a01-000u.txt"
    ascii_file.parent.mkdir(parents=True, exist_ok=True)
    ascii_file.write_text("OCR:\n\nnot this\n\nCSR:\n\n" + "\n".join(CORPUS_TEXTS) + "\n")
    for i in range(12):
        name = f"lineStrokes/a01/a01-000/a01-000u-{i + 1:02d}.xml"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(line_xml(wavy(i)))
        names.append(name)
    (folder / "lineStrokes/a01/a01-000/bad-truncated.xml").write_bytes(line_xml(wavy(99))[:150])
    (folder / "lineStrokes/a01/a01-000/bad-empty.xml").write_bytes(b"")
    bad = ["lineStrokes/a01/a01-000/bad-truncated.xml", "lineStrokes/a01/a01-000/bad-empty.xml"]
    (folder / "train.txt").write_text("\n".join(names[:10] + bad) + "\n")
    (folder / "val.txt").write_text("\n".join(names[10:]) + "\n")
    return folder


FIXTURES = Path(__file__).resolve().parent / "fixtures"


class Placed(NamedTuple):
    id: str  # the <figure>'s id in the page
    kind: str  # its folder's name under article/figures/
    live: bool  # its folder has the JS the page mounts


def placed_figures(article: Path | None = None) -> list[Placed]:
    """Every figure the article (default: article/) places, in reading order, as build.py finds it:
    from the shortcodes and the figure folders. Tests that must cover every figure go over these."""
    import build
    source = build.read_article(article or build.ARTICLE)
    return [Placed(f.id, f.kind, source.figures[f.kind].live) for f in source.article.figures]


def live_figures(article: Path | None = None) -> list[str]:
    """The ids of the placed figures the page mounts (those with JS)."""
    return [f.id for f in placed_figures(article) if f.live]


def figure_module(name: str):
    """The frame.py of article/figures/<name>/, as the build loads it."""
    import build
    from builder import figures
    return figures.load(build.ARTICLE / "figures" / name).module


def random_synthesis(hidden=13, layers=2, window=3, mixtures=4, alphabet=" abcdehilnorstw,.", seed=0,
                     encoding="f4") -> bytes:
    """A synthesis weights file of random weights (``encoding`` "q8": quantized as a trained one is
    stored), lively enough that every term matters: products of order one, and a window that moves
    about a character every seven steps."""
    from engine import synthesis

    rng = np.random.default_rng(seed)
    A, H = len(alphabet) + 1, hidden
    meta = {"alphabet": alphabet, "layers": layers, "window": window, "forget_bias": 1.0}
    tensors = {}
    for layer in range(1, layers + 1):
        rows = 3 + A + H if layer == 1 else 3 + H + A + H
        tensors[f"layer{layer}.W"] = rng.normal(0, 1.5 / np.sqrt(rows), (rows, 4 * H))
        tensors[f"layer{layer}.b"] = rng.normal(0, 0.1, 4 * H)
    tensors["window.W"] = rng.normal(0, 0.3 / np.sqrt(H), (H, 3 * window))
    tensors["window.b"] = np.concatenate([np.zeros(2 * window), np.full(window, -2.0)])
    tensors["W_out"] = rng.normal(0, 1 / np.sqrt(layers * H), (layers * H, 1 + 6 * mixtures))
    tensors["b_out"] = rng.normal(0, 0.1, 1 + 6 * mixtures)
    return synthesis.dumps(meta, tensors, encoding)
