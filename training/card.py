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
import numpy as np  # noqa: E402

import engine  # noqa: E402
from engine import strokes as S  # noqa: E402

from .train import ROOT  # noqa: E402

WEIGHTS = ROOT / "weights"
REFERENCE_2016 = -1.730  # the 2016 model on the same 857 validation lines (ORIGINAL.md)


def plot_curve(card: dict, path: Path) -> None:
    curve = card["curve"]
    hours = [c["seconds"] / 3600 for c in curve]
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=120)
    ax.plot(hours, [c["train_nll"] for c in curve], "o-", label="training (running mean)", color="#999")
    ax.plot(hours, [c["val_nll"] for c in curve], "o-", label="validation (857 lines)", color="#d62728")
    ax.axhline(REFERENCE_2016, color="#1f77b4", ls="--", lw=1, label="2016 model, same lines")
    ax.set_xlabel("training time (hours, 2 CPU threads)")
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


def main():
    card = json.loads((WEIGHTS / "card.json").read_text())
    plot_curve(card, WEIGHTS / "curve.png")
    plot_samples(engine.load_model(), WEIGHTS / "samples.png")
    print(f"wrote {WEIGHTS / 'curve.png'} and {WEIGHTS / 'samples.png'}")


if __name__ == "__main__":
    main()
