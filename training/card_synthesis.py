"""The synthesis model's card: ``weights/synthesis.md`` and its samples picture, from the weights,
the checkpoint's record of training and ``weights/synthesis.json`` (what
``python -m training.evaluate_synthesis`` measured).

    python -m training.card_synthesis          # also records the data's character counts (needs the data)

The samples are sentences of our own (IAM-OnDB's texts never leave the data folder).
"""
from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import engine  # noqa: E402
from engine import synthesis as S  # noqa: E402
from engine.bars import bars  # noqa: E402
from engine.strokes import to_polylines  # noqa: E402

from .checkpoints import read_compact  # noqa: E402
from .evaluate_synthesis import RECORD  # noqa: E402
from .train_synthesis import COMPACT  # noqa: E402

WEIGHTS = RECORD.parent
SENTENCES = ("Handwriting, one point at a time.", "A window reads the text as it writes.")
SAMPLE_BIASES = (0.5, S.TOP_BIAS)
RARE = 25  # characters seen fewer times than this in the training texts are listed as rare


def data_counts(args) -> dict:
    """Lines, points and character counts of the training texts (as train_synthesis uses them)."""
    from corpora import CACHE
    from corpora.iam import load_split, load_texts
    ds = load_split(args.data, args.train_split, cache_dir=CACHE, progress=False)
    texts = load_texts(args.texts, ds.names)
    keep = [i for i, n in enumerate(ds.names) if texts.get(n) and "#" not in texts[n]]
    chars = collections.Counter("".join(texts[ds.names[i]] for i in keep))
    points = sum(len(ds.lines[i]) for i in keep)
    return {"train_lines": len(keep), "train_lines_left_out": len(ds.names) - len(keep), "train_points": points,
            "points_per_char": round(points / sum(chars.values()), 2), "char_counts": dict(sorted(chars.items()))}


def plot_samples(synth, path: Path) -> None:
    fig, axes = plt.subplots(2 * len(SENTENCES), len(SAMPLE_BIASES), figsize=(6 * len(SAMPLE_BIASES), 2.2 * len(SENTENCES)),
                             dpi=110, gridspec_kw={"height_ratios": [2, 1] * len(SENTENCES)})
    for col, bias in enumerate(SAMPLE_BIASES):
        for row, text in enumerate(SENTENCES):
            strokes, window = S.write(synth, text, bias=bias, seed=row)
            ink, heat = axes[2 * row, col], axes[2 * row + 1, col]
            for line in to_polylines(strokes):
                ink.plot(line[:, 0], -line[:, 1], color="black", lw=1.1, solid_capstyle="round")
            ink.set_aspect("equal")
            ink.axis("off")
            ink.set_title(f"bias {bias}: “{text}”", fontsize=8)
            heat.imshow(window.T, aspect="auto", cmap="Greys", interpolation="nearest")
            heat.set_yticks(range(0, len(text) + 1, 4), [(text + "→")[i] for i in range(0, len(text) + 1, 4)], fontsize=6)
            heat.set_xticks([])
            heat.set_ylabel("φ", fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _bar_rows(measured: dict) -> list[str]:
    """The card's table rows of the recorded bars, passed or failed by engine.bars (the rule the
    build gates fig-write on)."""
    return [f"| {b.label} | {b.measured} | {b.bar} | {'pass' if b.passed else 'fail'} |" for b in bars(measured)]


def _fed(h: dict) -> str:
    """How a stretch fed its training lines (train_synthesis --min-step, --dequantize; older stretches: drop_rests)."""
    said = ["resting points left out"] if h.get("drop_rests") else []
    said += [f"steps under {h['min_step']:g} merged"] if h.get("min_step") else []
    said += ["dequantized"] if h.get("dequantize") else []
    said += [f"{h['pairs']:.0%} of those with a line before them fed after it"] if h.get("pairs") else []
    return ", ".join(said) or "as recorded"


def _cosine(h: dict) -> str:
    """What a stretch's cosine schedule spanned: --epochs, or with --time-schedule its wall time."""
    return f"its {h['max_minutes']:g} minutes" if h.get("time_schedule") else str(h["epochs"])


def card(record: dict, synth, meta: dict, size: int) -> str:
    m, d = meta["model"], record.get("data", {})
    counts = d.get("char_counts", {})
    rare = ", ".join(f"{c!r} {n}" for c, n in sorted(counts.items(), key=lambda kv: kv[1]) if n < RARE)
    stretches = "\n".join(
        f"| {ph['from_epoch']:.2f}–{ph['to_epoch']:.2f} | {ph['device']} | {ph['seconds'] / 60:.0f} min | "
        f"{ph['hyperparameters']['batch']} | {ph['hyperparameters']['lr']} | {_cosine(ph['hyperparameters'])} | "
        f"{_fed(ph['hyperparameters'])} |" for ph in meta.get("phases", []))
    curve = "\n".join(f"| {c['epoch']} | {c['train_nll']:.4f} | {c['val_nll']:.4f} | "
                      f"{c['text_gain']:.4f} |" if "text_gain" in c else
                      f"| {c['epoch']} | {c['train_nll']:.4f} | {c['val_nll']:.4f} | |" for c in meta.get("curve", []))
    bars = "\n".join(_bar_rows(record.get("measured", {}))) or "| (not measured yet) | | | |"
    return f"""# Model card: the handwriting synthesis model

`synthesis.hwlstm` — the model that writes a given text (Graves 2013, §5), trained by this
repository's pipeline. Written by `python -m training.card_synthesis` from `synthesis.json` and the
checkpoint; edit `training/card_synthesis.py`, not this file.

## Model
{m['layers']} LSTM layers of {m['hidden']} cells, a window of K = {m['window_k']} Gaussians over the text's
characters, and the unconditional model's output: a {m['mixtures']}-component bivariate mixture and a pen
lift. Layer 1 reads the point and the last window vector; layer 2 reads the point, layer 1's
output and the window; the output layer reads both layers. Alphabet: the {len(synth.alphabet)}
characters of the training texts plus one symbol for any other (the engine lists the characters
it does not know). int8 per-column weights, {size:,} bytes. A text of up to {S.MAX_CHARS} characters
per call; writing stops when the window has passed the last character and the pen lifts, or at
{S.POINTS_PER_CHAR} points per character.

## Data
IAM On-Line Handwriting Database (IAM-OnDB; Liwicki & Bunke, ICDAR 2005): line strokes and their
transcriptions, Graves' split. **Licence terms of the data:** free for non-commercial research; the
database may not be redistributed: no stroke and no text of it is in this repository or the site.
{d.get('train_lines', '?'):,} training lines ({d.get('train_points', 0):,} points); {d.get('train_lines_left_out', '?')} left out
because their text holds `#` (a word the transcriber could not read); validation lines likewise.
Texts are normalised to what the writer wrote: IAM's transcribers set punctuation apart ("Mr .
Foot ,"), the writers did not. About {d.get('points_per_char', '?')} points per character.
Strokes as for the unconditional model: offsets ÷ 40 (article units), nothing clipped or smoothed.

## Training
`python -m training.train_synthesis` (resumable: `--resume`; on a GPU `bash training/device.sh
synthesis MINUTES`). Adam, gradient-norm clipping 3, linear warm-up then cosine decay, whole lines in
windows of 300 points with every state (both LSTMs, κ, w) carried between windows.

| epochs | machine | wall time | batch | peak lr | cosine over (epochs) | training lines |
|---|---|---|---|---|---|---|
{stretches}

| epoch | training NLL | validation NLL | text gain (200 lines) |
|---|---|---|---|
{curve}

Validation NLL is on the lines as recorded, in whole tablet units. Training lines fed dequantized
(with small steps merged) no longer reward a density for spiking on whole-unit offsets, so
from such a stretch on the training NLL is on other data and the validation NLL can rise while the
written lines improve: under Graves' bias those spikes are a pen that creeps on the spot for
hundreds of points while the window stays on one letter. Writing keeps to the lines' support:
a pen-down step shorter than the merge's {synth.min_step:g} units is drawn again
(`engine.synthesis.draw_point`). The bars score each line as the model reads it, its steps under
{synth.min_step:g} units merged (`Synthesis.read`); the unconditional model beside them scores the
lines as recorded, on more points.

## Bars (`python -m training.evaluate_synthesis`, int8 weights, validation lines without `#`)
| measure | measured | bar | |
|---|---|---|---|
{bars}

## Samples
Sentences of our own, first draws, the window φ under each line (one row per character, the last
row past the end).

![samples](synthesis-samples.png)

## Limits
- Characters rare in the training texts are written poorly or not at all: {rare or 'none listed'}.
- The hand is IAM-OnDB's writers' (English, whiteboard, 2005); priming with a hand unlike theirs
  copies its slant, size and spacing more than its letter shapes.
"""


def main(argv=None) -> Path:
    from corpora.iam import DEFAULT_ARCHIVE, DEFAULT_TEXTS, split_file
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default=str(engine.DEFAULT_SYNTHESIS))
    p.add_argument("--checkpoint", default=str(COMPACT))
    p.add_argument("--data", default=str(DEFAULT_ARCHIVE))
    p.add_argument("--texts", default=str(DEFAULT_TEXTS))
    p.add_argument("--train-split", default=str(split_file("training")))
    p.add_argument("--no-data", action="store_true", help="keep the recorded data counts (no data here)")
    a = p.parse_args(argv)
    record = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    if not a.no_data:
        record["data"] = data_counts(a)
    meta = read_compact(Path(a.checkpoint))["meta"]
    record["training"] = {"epoch": meta["epoch"], "batch": meta["batch"], "curve": meta["curve"], "phases": meta["phases"]}
    RECORD.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    synth = engine.load_synthesis(a.weights)
    plot_samples(synth, WEIGHTS / "synthesis-samples.png")
    out = WEIGHTS / "synthesis.md"
    out.write_text(card(record, synth, meta, Path(a.weights).stat().st_size))
    print(f"wrote {out}, {RECORD.name} and synthesis-samples.png")
    return out


if __name__ == "__main__":
    main()
