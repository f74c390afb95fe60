"""Measure the synthesis model against its bars, on the IAM-OnDB validation lines (numpy engine, the
exported int8 weights, so what is measured is what ships). Writes ``weights/synthesis.json``'s
``measured`` entry (with the command), which the model card and the build read.

    python -m training.evaluate_synthesis                 # every measure (~15 min on 2 cores)
    python -m training.evaluate_synthesis --only text endings
    python -m training.evaluate_synthesis --weights PATH --record ''   # print only

Measures (lines whose text holds '#' are left out of all of them):
- ``check``: a small subset (``measure_check``) that tests/test_default_weights.py re-measures, so
  the record always describes the committed weights.
- ``text``: NLL given each line's own text against given another validation line's text of similar
  length (lines sorted by text length, each paired with a neighbour); the unconditional default
  model's NLL on the same lines beside them.
- ``endings``: ``ENDING_TEXTS`` validation texts (10 single words, 80 whole lines, 10 made of two
  lines joined, 51–64 characters: the validation texts stop at 42) written once each (first draws,
  seed = index) at every bias of ``BIASES``; a line fails if the window's argmax goes back by more
  than one character, skips a non-space character, holds one character longer than
  ``HOLD_FACTOR`` × the data's points per character, or the line ends on the point budget rather
  than past the text with the pen up.
  Beside them, the same hold rule on the validation lines themselves (``real_lines``: each fed to
  the model, the argmax of φ at each point), for scale.
- ``priming``: for each validation form with two or more lines, its second line's NLL primed with
  its first line, primed with another writer's line of similar length, and unprimed.
- ``ocr``: the first ``OCR_LINES`` validation lines whose text is only letters, spaces and ,.'- and at
  most 40 characters; the model writes each text at bias 1.0 (seed = index); both it and the real
  line are rendered as ink on white (``render``) and read by Tesseract (``--psm 7 -l eng``); mean
  character error rate of each. Needs Debian's ``tesseract-ocr``. The rendered pages go to
  ``--pages`` (never committed: the texts are IAM-OnDB's).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import engine
from corpora import CACHE
from corpora.iam import DEFAULT_ARCHIVE, DEFAULT_DATA, DEFAULT_TEXTS, load_split, load_texts, split_file
from engine import synthesis as S

from analysis.ocr import PX_PER_UNIT, cer, ocr, render

from .checkpoints import ROOT
from .train_synthesis import line_key, text_partners

RECORD = ROOT / "weights" / "synthesis.json"
BIASES = (0.0, 0.5, 1.0, S.TOP_BIAS)  # up to the figure's top bias
ENDING_TEXTS = 100
HOLD_FACTOR = 3.0
OCR_LINES = 30
OCR_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,.'-")


def validation(args) -> list[tuple[str, np.ndarray, str]]:
    """(name, strokes, text) of the validation lines with a usable text, in the split's order."""
    ds = load_split(args.data, args.val_split, cache_dir=CACHE, progress=False)
    texts = load_texts(args.texts, ds.names)
    return [(n, x, texts[n]) for n, x in zip(ds.names, ds.lines) if texts.get(n) and "#" not in texts[n]]


def points_per_char(args) -> float:
    ds = load_split(args.data, args.train_split, cache_dir=CACHE, progress=False)
    texts = load_texts(args.texts, ds.names)
    keep = [i for i, n in enumerate(ds.names) if texts.get(n) and "#" not in texts[n]]
    return sum(len(ds.lines[i]) for i in keep) / sum(len(texts[ds.names[i]]) for i in keep)


def _mean_nll(per_line) -> float:
    return -float(sum(a.sum() for a in per_line) / sum(len(a) for a in per_line))


def measure_text(synth, val) -> dict:
    partner = text_partners([t for _, _, t in val])
    lines = [x for _, x, _ in val]
    own = _mean_nll(S.lines_log_densities(synth, lines, [t for _, _, t in val]))
    swapped = _mean_nll(S.lines_log_densities(synth, lines, [val[j][2] for j in partner]))
    uncond = engine.nll(engine.load_model(), lines)
    return {"lines": len(val), "points": int(sum(len(x) - 1 for x in lines)), "own_text": round(own, 4),
            "other_text": round(swapped, 4), "gain": round(swapped - own, 4), "unconditional": round(uncond, 4),
            "bar": "gain >= 0.05"}


def ending_texts(val, n: int = ENDING_TEXTS) -> list[str]:
    rng = np.random.default_rng(0)
    texts = [t for _, _, t in val]
    words = sorted({w for t in texts for w in t.split() if w.isalpha()})
    picked = [words[i] for i in rng.choice(len(words), 10, replace=False)]
    picked += [texts[i] for i in rng.choice(len(texts), n - 20, replace=False)]
    while len(picked) < n:
        a, b = (texts[i] for i in rng.choice(len(texts), 2, replace=False))
        joined = f"{a} {b}"
        if 50 < len(joined) <= 64:
            picked.append(joined)
    return picked


CHECK_LINES, CHECK_TEXTS, CHECK_BIAS = 60, 20, 1.0


def measure_check(synth, val, hold: float) -> dict:
    """A quick subset a test re-measures against the record, so the record cannot drift from the
    weights: NLL given the text on the first CHECK_LINES validation lines, and the ending faults
    of the first CHECK_TEXTS ending texts at CHECK_BIAS (``hold``: the most points a character
    may hold the window)."""
    lines = val[:CHECK_LINES]
    nll = _mean_nll(S.lines_log_densities(synth, [x for _, x, _ in lines], [t for _, _, t in lines]))
    faults = []
    for i, text in enumerate(ending_texts(val)[:CHECK_TEXTS]):
        strokes, window = S.write(synth, text, bias=CHECK_BIAS, seed=i)
        faults.append(len(ending_faults(text, window, len(strokes), S.POINTS_PER_CHAR * len(text), hold)))
    return {"nll_lines": len(lines), "nll": round(nll, 6), "ending_texts": CHECK_TEXTS, "bias": CHECK_BIAS,
            "hold": hold, "faults_per_text": faults}


def char_holds(arg: np.ndarray, n_chars: int) -> np.ndarray:
    """Per character of a text of ``n_chars``, the points at which the argmax of φ (``arg``, with
    ``n_chars`` = past the end) is on it."""
    return np.bincount(arg, minlength=n_chars + 1)[:n_chars]


def ending_faults(text: str, window: np.ndarray, points: int, budget: int, hold: float) -> list[str]:
    """What is wrong with one written line's ending and alignment ([] = nothing)."""
    faults = []
    arg = window.argmax(axis=1)  # U = past the end
    if np.any(np.diff(arg) < -1):
        faults.append("went back")
    seen = set(arg.tolist())
    skipped = [u for u, ch in enumerate(text) if not ch.isspace() and u not in seen]
    if skipped:
        faults.append(f"skipped {''.join(text[u] for u in skipped)!r}")
    counts = char_holds(arg, len(text))
    if counts.max(initial=0) > hold:
        faults.append(f"held {text[int(counts.argmax())]!r} for {int(counts.max())} points")
    if points >= budget:
        faults.append("ran out of points")
    return faults


def window_holds(synth, lines, texts) -> list[np.ndarray]:
    """Per line, the points the argmax of φ stays on each of its characters when the line is fed
    to the model (teacher-forced, batched, read as training fed them: Synthesis.read): the hold rule
    of :func:`ending_faults` applied to the writers' own lines."""
    lines = [synth.read(x) for x in lines]
    X, onehot = S.padded_batch(synth, lines, texts)
    beyond = np.arange(onehot.shape[1] + 1) > np.array([len(t) for t in texts])[:, None]  # past each text's end + 1
    state, arg = synth.zero_state(len(lines)), np.zeros(X.shape[:2], dtype=np.int64)
    for t in range(X.shape[1]):
        step = synth.step(X[:, t], state, onehot)
        state, arg[:, t] = step.state, np.where(beyond, -np.inf, step.phi).argmax(axis=1)
    return [char_holds(arg[b, :len(x)], len(t)) for b, (x, t) in enumerate(zip(lines, texts))]


# The faults of ending_faults by kind: a line counts once in each kind it shows.
FAULT_KINDS = {"held": ("held",), "out of order": ("went back", "skipped"), "ran out": ("ran out",)}


def fault_kinds(faults: list[str]) -> dict[str, bool]:
    """Which kinds of FAULT_KINDS one line's faults (ending_faults) show."""
    return {kind: any(f.startswith(starts) for f in faults) for kind, starts in FAULT_KINDS.items()}


def _pace(lines, texts) -> dict:
    """How fast lines are written: points per character, and the pen's path per character and per
    point (article units) — a line written in shorter steps holds the window longer on each letter."""
    chars, points = sum(map(len, texts)), sum(map(len, lines))
    path = sum(float(np.hypot(x[:, 0], x[:, 1]).sum()) for x in lines)
    return {"points_per_char": round(points / chars, 2), "path_per_char": round(path / chars, 2),
            "path_per_point": round(path / points, 3)}


def measure_endings(synth, val, ppc: float) -> dict:
    texts = ending_texts(val)
    out = {"texts": len(texts), "over_50": sum(len(t) > 50 for t in texts), "points_per_char": round(ppc, 2),
           "hold_limit": round(HOLD_FACTOR * ppc, 1), "failures": {}, "examples": {}}
    holds = window_holds(synth, [x for _, x, _ in val], [t for _, _, t in val])
    out["real_lines"] = {"lines": len(val), "over_hold": int(sum(h.max() > HOLD_FACTOR * ppc for h in holds))}
    print(f"  validation lines fed: {out['real_lines']['over_hold']} of {len(val)} hold a character longer", flush=True)
    out["pace"] = {"validation lines": _pace([synth.read(x) for _, x, _ in val], [t for _, _, t in val])}
    out["kinds"] = {}
    for bias in BIASES:
        bad, kinds, written = [], dict.fromkeys(FAULT_KINDS, 0), []
        for i, text in enumerate(texts):
            strokes, window = S.write(synth, text, bias=bias, seed=i)
            written.append(strokes)
            faults = ending_faults(text, window, len(strokes), S.POINTS_PER_CHAR * len(text), HOLD_FACTOR * ppc)
            if faults:
                bad.append(f"{len(text)} chars: {'; '.join(faults)}")
            for kind, shown in fault_kinds(faults).items():
                kinds[kind] += shown
        out["failures"][str(bias)] = len(bad)
        out["kinds"][str(bias)] = kinds
        out["examples"][str(bias)] = bad[:5]  # faults and lengths only: the texts are IAM-OnDB's
        out["pace"][f"bias {bias}"] = _pace(written, texts)
        print(f"  endings at bias {bias}: {len(bad)} of {len(texts)} fail {kinds}; pace {out['pace'][f'bias {bias}']}", flush=True)
    out["bar"] = "0 failures at bias >= 0.5"
    return out


def measure_priming(synth, val, writers: dict) -> dict:
    by_form: dict[str, list] = {}
    for name, x, text in val:
        by_form.setdefault(line_key(name)[0], []).append((name, x, text))
    forms = [f for f, lines in by_form.items() if len(lines) >= 2 and f in writers]
    sums = {"own": [0.0, 0], "other": [0.0, 0], "none": [0.0, 0]}
    for f in forms:
        (_, x1, t1), (_, x2, t2) = by_form[f][:2]
        others = [(abs(len(x) - len(x1)), n, x, t) for g in forms if writers[g] != writers[f] for n, x, t in by_form[g][:1]]
        _, _, xo, to = min(others, key=lambda o: (o[0], o[1]))
        for key, style in (("own", (x1, t1)), ("other", (xo, to)), ("none", None)):
            lp = S.point_log_densities(synth, x2, t2, style=style)
            sums[key][0] -= float(lp.sum())
            sums[key][1] += len(lp)
    res = {k: round(v[0] / v[1], 4) for k, v in sums.items()}
    return {"forms": len(forms), "primed_own_writer": res["own"], "primed_other_writer": res["other"],
            "unprimed": res["none"], "bar": "own < other and own < unprimed"}


def measure_ocr(synth, val, pages: Path) -> dict:
    if shutil.which("tesseract") is None:
        raise SystemExit("the ocr measure needs Tesseract: apt-get install tesseract-ocr")
    chosen = [(n, x, t) for n, x, t in val if len(t) <= 40 and set(t) <= OCR_CHARS][:OCR_LINES]
    pages.mkdir(parents=True, exist_ok=True)
    real, model = [], []
    for i, (_, x, text) in enumerate(chosen):
        strokes, _ = S.write(synth, text, bias=1.0, seed=i)
        real.append(cer(ocr(render(x), pages, f"{i:02d}-real"), text))
        model.append(cer(ocr(render(strokes), pages, f"{i:02d}-model"), text))
    return {"lines": len(chosen), "cer_real": round(float(np.mean(real)), 3), "cer_model": round(float(np.mean(model)), 3),
            "bar": "cer_model <= cer_real", "render": f"ink on white, {PX_PER_UNIT:g} px per article unit, pen 3 px"}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default=str(engine.DEFAULT_SYNTHESIS))
    p.add_argument("--data", default=str(DEFAULT_ARCHIVE))
    p.add_argument("--texts", default=str(DEFAULT_TEXTS))
    p.add_argument("--train-split", default=str(split_file("training")))
    p.add_argument("--val-split", default=str(split_file("validation")))
    p.add_argument("--writers", default=str(DEFAULT_DATA / "writers.json"))
    p.add_argument("--only", nargs="+", choices=["check", "text", "endings", "priming", "ocr"],
                   default=["check", "text", "endings", "priming", "ocr"])
    p.add_argument("--pages", default=str(Path(tempfile.gettempdir()) / "synthesis-ocr"), help="rendered OCR pages (never commit)")
    p.add_argument("--record", default=str(RECORD), help="the JSON record to update ('' = print only)")
    a = p.parse_args(argv)
    synth = engine.load_synthesis(a.weights, dtype=np.float64)
    val = validation(a)
    measured = {}
    for name in a.only:
        t0 = time.time()
        print(f"{name} …", flush=True)
        if name == "check":
            measured[name] = measure_check(synth, val, round(HOLD_FACTOR * points_per_char(a), 1))
        elif name == "text":
            measured[name] = measure_text(synth, val)
        elif name == "endings":
            measured[name] = measure_endings(synth, val, points_per_char(a))
        elif name == "priming":
            measured[name] = measure_priming(synth, val, json.loads(Path(a.writers).read_text()))
        else:
            measured[name] = measure_ocr(synth, val, Path(a.pages))
        measured[name]["seconds"] = round(time.time() - t0, 1)
        print(json.dumps(measured[name], indent=1), flush=True)
    if a.record:
        path = Path(a.record)
        record = json.loads(path.read_text()) if path.exists() else {}
        record.setdefault("measured", {}).update(measured)
        record["measured_with"] = "python -m training.evaluate_synthesis " + " ".join(argv if argv is not None else sys.argv[1:])
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return measured


if __name__ == "__main__":
    main()
