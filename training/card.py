"""Model card pictures: the training curve and a sheet of samples at Variation 0.5 and 0.65.

    python -m training.card        # reads weights/card.json and weights/model.hwlstm,
                                   # writes weights/curve.png and weights/samples.png
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import engine  # noqa: E402
from engine import strokes as S  # noqa: E402


WEIGHTS = Path(__file__).resolve().parent.parent / "weights"


def plot_curve(card: dict, path: Path) -> None:
    curve = card["curve"]
    epochs = [c["epoch"] for c in curve]
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=120)
    ax.plot(epochs, [c["train_nll"] for c in curve], "o-", ms=3, label="training (running mean)", color="#999")
    ax.plot(epochs, [c["val_nll"] for c in curve], "o-", ms=3, label="validation (857 lines)", color="#d62728")
    if "reference_2016" in card:  # the 2016 model on the same lines (training.export --evaluate)
        ax.axhline(card["reference_2016"]["nll"], color="#1f77b4", ls="--", lw=1, label="2016 model, same lines")
    for i, ph in enumerate(card["provenance"].get("phases", [])):
        lo, hi = ph["epochs"]
        ax.axvspan(lo - 0.5, hi + 0.5, color="#000", alpha=0.04 * (1 + i % 2), lw=0)
        label = "output\nlayer" if ph.get("head_only") else machine(ph).replace("NVIDIA ", "")
        ax.text((lo + hi) / 2, 0.02, label, fontsize=7, ha="center",
                transform=ax.get_xaxis_transform(), color="#555")
    ax.set_xlabel("epoch")
    ax.set_ylabel("NLL (nats per point)")
    ax.set_ylim(min(-2.0, min(c["val_nll"] for c in curve) - 0.05), max(0.0, curve[0]["val_nll"] + 0.1))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_samples(model, path: Path, n_lines: int = 4, points: int = 500) -> None:
    fig, axes = plt.subplots(n_lines, 2, figsize=(12, 1.3 * n_lines), dpi=110)
    for col, t in enumerate((0.5, 0.65)):
        for row in range(n_lines):
            ax = axes[row, col]
            pts, _ = engine.generate(model, points, t, seed=1000 * col + row)
            for line in S.to_polylines(pts):
                ax.plot(line[:, 0], -line[:, 1], color="black", lw=1.2, solid_capstyle="round")
            ax.set_aspect("equal")
            ax.axis("off")
            if row == 0:
                ax.set_title(f"Variation {t}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


CARD = """# Model card: the article's handwriting model

`model.hwlstm` — the default weights of the article, trained by this repository's own pipeline.
This file is written by `python -m training.card` from `card.json` (which `python -m training.export
--evaluate` measures); edit the template in `training/card.py`, not this file.

## Model
Graves (2013) §4.2, unconditional handwriting: one LSTM layer of {hidden} cells (gates i, g, f, o;
+1 forget bias, no peepholes) and a {mixtures}-component bivariate Gaussian mixture density head plus
a Bernoulli pen-lift output (121 outputs). Input and output in article units (raw IAM-OnDB tablet
units / 40); `input_scale` = 1, so no rescaling is applied inside the engine.

## Data
IAM On-Line Handwriting Database (IAM-OnDB; Liwicki & Bunke, ICDAR 2005), line strokes, with Graves'
split: {train_lines:,} training lines (6,754,853 points), evaluated on the {validation_lines} lines of
`splits/validation_set.txt` ({validation_points:,} predicted points). **Licence terms of the data:** IAM-OnDB is
free for non-commercial research; the database itself may not be redistributed. These weights are
derived from it; no line of it is in this repository or the built site.

Preprocessing: each `<Stroke>`'s points in file order, concatenated; offsets between consecutive
points ÷ 40; `pen_lift = 1` on the offset reaching a stroke's last point; the first point's
absolute position dropped. Nothing is clipped or smoothed, in training or in evaluation.

## Training
{epochs} epochs in all, {hours:.1f} hours of wall time, in these stretches (each one
`python -m training.train` call, or `python -m training.refit` for a stretch marked "output layer
only"; the kept weights are those of the best validation score):

{phases}

Adam, gradient-norm clipping, linear warm-up then cosine decay (over the epochs, or over the wall
time of a GPU run of fixed length with `--time-schedule`). Whole lines are fed in windows with the LSTM state
carried between windows (truncated BPTT), so the model trains from a zero state exactly as it is
evaluated. The network learns with dropout on its cells' output, which the engine never applies, so
the last stretch refits only the output layer (500 × 121 weights) to the cells' exact outputs on
every training point, the LSTM frozen: a pass over the training set in about a minute on CPU.
`training/checkpoint.pt` holds the float16 weights and the schedule position to resume
from (`python -m training.train --resume`; on a GPU, `training/device.sh`).

![training curve](curve.png)

## Likelihood (nats per predicted point; zero start, first point input only, lower is better)
| weights | validation NLL (857 lines) |
|---|---|
| float32 (exported `f4`) | {nll_float:.4f} |
| int8 per-column (`model.hwlstm`, {bytes:,} bytes) | {nll_quantized:.4f} |
| cost of quantization | {quantization_cost:+.4f} |
{reference_row}
{kinds_text}

The test suite re-measures the committed weights on the first {subset_lines} validation lines
({subset_points:,} points): {subset_nll_quantized:.4f}, within 0.01.

Reproduce: `python -m training.evaluate --weights weights/model.hwlstm`.

## Samples
Generated from a zero state at Variation (temperature) 0.5 and 0.65, fixed seeds:

![samples](samples.png)

{stall_text}

## File format
`model.hwlstm`: 8-byte magic, a JSON header (metadata: gate order, forget bias, input scale,
provenance; tensor table), then the tensors: the two weight matrices as int8 with one float32 scale
per column, the biases as float32. Described in `engine/weights.py`.
"""


def machine(phase: dict) -> str:
    """The phase's device as recorded ("CPU, 1 threads" in older checkpoints reads "CPU, 1 thread")."""
    return phase["device"].replace(", 1 threads", ", 1 thread")


def phase_table(prov: dict) -> str:
    rows = ["| epochs | machine | wall time | batch | peak lr | schedule | regularisation |", "|---|---|---|---|---|---|---|"]
    for ph in prov.get("phases") or [{"device": "?", "epochs": [1, prov["epochs"]], "seconds": prov["train_seconds"],
                                      "hyperparameters": prov["hyperparameters"]}]:
        hp = ph["hyperparameters"]
        sched = (f"cosine over {hp['max_minutes']:g} min" if hp.get("time_schedule")
                 else f"cosine over {hp['epochs']} epochs")
        reg = ", ".join((["output layer only, refit on the frozen cells' outputs"] if ph.get("head_only") else [])
                        + ([f"dropout {hp['dropout']:g}"] if hp.get("dropout") else [])
                        + ([f"random stretch and slant ±{hp['augment']:g}"] if hp.get("augment") else [])
                        + (["resting points left out"] if hp.get("drop_rests") else [])) or "none"
        minutes = ph["seconds"] / 60
        batch = f"{hp['batch']} points" if ph.get("head_only") else hp["batch"]
        rows.append(f"| {ph['epochs'][0]}–{ph['epochs'][1]} | {machine(ph)} | {minutes:.0f} min | {batch} "
                    f"| {hp['lr']:g} | {sched} | {reg} |")
    notes = [f"The stretch ending at epoch {ph['epochs'][1]} ran on to epoch {ph['ran_to']['epoch']}, where validation "
             f"was {ph['ran_to']['val_nll']:.3f} and training {ph['ran_to']['train_nll']:.3f}: past its best epoch the "
             "model fitted its training lines better and unseen lines worse, so those epochs were not kept."
             for ph in prov.get("phases") or [] if ph.get("ran_to")]
    return "\n".join(rows) + ("\n\n" + "\n".join(notes) if notes else "")


def stall_line(card: dict) -> str:
    if not card.get("stalls"):
        return ""
    lines, points = card.get("stall_sample", [10, 300])

    def rates(c):  # ours (the card) or the 2016 model's entry in it
        stuck = c.get("stalled_lines", {})
        return ", ".join(f"{float(v):.0%} at {t}" + (f" ({stuck[t]} stuck)" if t in stuck else "")
                         for t, v in c["stalls"].items())
    text = (f"Stalling (steps under 2 tablet units, in {lines} fixed-seed lines of {points} points each; "
            f"a line is *stuck* when over half its steps are; the data has 3.5 % such steps): ours {rates(card)}")
    if (card.get("reference_2016") or {}).get("stalls"):
        text += f"; the 2016 model {rates(card['reference_2016'])}"
    return text + (". A model whose likelihood improves can still stall more at low Variation, so this is "
                   "checked before a model replaces the default.")


def kinds_section(card: dict) -> tuple[str, str]:
    """The 2016 model's row of the likelihood table, and where each model's nats come from."""
    ref = card.get("reference_2016")
    if not ref or not card.get("breakdown"):
        return "", ""
    from .evaluate import KINDS
    row = f"| the 2016 article's model, same lines | {ref['nll']:.4f} |"
    rows = ["| kind of point | share | ours | 2016 model |", "|---|---|---|---|"]
    for name, what in KINDS.items():
        a, b = card["breakdown"][name], ref["breakdown"][name]
        rows.append(f"| {name} ({what}) | {a['share']:.1%} | {a['nll']:.3f} | {b['nll']:.3f} |")
    rows.append(f"| all, as recorded | 100 % | {card['nll_quantized']:.4f} | {ref['nll']:.4f} |")
    rows.append(f"| all, dequantized (uniform noise of one tablet unit on dx, dy) | 100 % | "
                f"{card['nll_dequantized']:.4f} | {ref['nll_dequantized']:.4f} |")
    ours_better = [n for n in KINDS if card["breakdown"][n]["nll"] < ref["breakdown"][n]["nll"]]
    ref_better = [n for n in KINDS if n not in ours_better]
    gap = ref["nll_dequantized"] - card["nll_dequantized"]
    lead = (f"As recorded, the 2016 model scores better on {', '.join(ref_better) or 'no kind'} "
            f"({sum(ref['breakdown'][n]['share'] for n in ref_better):.0%} of points), ours on "
            f"{', '.join(ours_better) or 'no kind'}. With the grid removed (`--dequantize`, the standard correction of "
            f"Theis et al. 2016, \"A note on the evaluation of generative models\") ours is "
            f"{'ahead' if gap > 0 else 'behind'} by {abs(gap):.3f} nats per point. ")
    text = f"""
### Where the nats come from
IAM-OnDB records whole tablet units, so offsets sit on a grid of 1/40 article unit. A continuous
density can score without bound on such data by shrinking a mixture component onto one grid value;
the values worth it are the exact zeros: the pen resting, or one axis not moving. Split by kind of
point (`python -m training.evaluate --breakdown`, mean NLL per point of each kind):

{chr(10).join(rows)}

{lead}A model trained to spike on
exact zeros could push the recorded figure past any threshold while writing no better, so we do not
tune for it.
"""
    return row, text


def write_readme(card: dict, path: Path) -> None:
    reference_row, kinds_text = kinds_section(card)
    prov = card["provenance"]
    text = CARD.format(hidden=prov["hyperparameters"]["hidden"], mixtures=prov["hyperparameters"]["mixtures"],
                       phases=phase_table(prov), stall_text=stall_line(card),
                       reference_row=reference_row, kinds_text=kinds_text, epochs=prov["epochs"], hours=prov["train_seconds"] / 3600, **card)
    path.write_text(text)


def main():
    card = json.loads((WEIGHTS / "card.json").read_text())
    plot_curve(card, WEIGHTS / "curve.png")
    plot_samples(engine.load_model(), WEIGHTS / "samples.png")
    write_readme(card, WEIGHTS / "README.md")
    print(f"wrote {WEIGHTS / 'curve.png'}, {WEIGHTS / 'samples.png'} and {WEIGHTS / 'README.md'}")


if __name__ == "__main__":
    main()
