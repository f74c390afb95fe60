"""What the model's cells track: find cells on training lines, confirm them on validation lines.

    python -m analysis.cells [--weights PATH] [--find 150] [--confirm 150] [--write]

For each signal below, the cell whose state c correlates most strongly with it on ``--find``
IAM-OnDB training lines is picked, then the same cell's correlation is measured on ``--confirm``
validation lines it has never seen (so picking the best of 500 cannot pass by chance), and, as a
test of whether it generalises to another pen, tablet and decade, on every text line of the UNIPEN
sample (``../shared/data/unipen``, normalised by engine.hands). ``--write``
records the confirmed claims in article/cell-claims.json, which the article and the tests read.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import engine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "article" / "cell-claims.json"
MIN_CONFIRMED = 0.6  # a claim goes into the article only if the held-out |correlation| reaches this
NEAR_MISS = 0.5  # below the bar but at least this: recorded as a near miss the prose may mention, not claim


def signals(line: np.ndarray) -> dict[str, np.ndarray]:
    """Per point t (the state after feeding points 0..t), the quantities a cell might track."""
    xy = np.cumsum(line[:, :2], axis=0)
    step = np.hypot(line[:, 0], line[:, 1]) + 1e-9
    nxt = np.append(line[1:, 2], 0.0)
    return {
        "pen_lift_next": nxt,  # the next point ends a stroke
        "pen_up": line[:, 2],  # this point ended a stroke: the pen is in the air
        "x_position": xy[:, 0] - xy[:, 0].min(),  # how far along the line
        "y_position": xy[:, 1] - np.median(xy[:, 1]),  # above / below the line's middle
        "direction_x": line[:, 0] / step,  # moving right (+1) or left (−1)
        "direction_y": line[:, 1] / step,  # moving down (+1) or up (−1)
    }


def correlations(model, lines) -> dict[str, np.ndarray]:
    """Signal name → (H,) Pearson correlation of every cell's state with it, over all points.

    Accumulated line by line (sums of products), so hundreds of long lines fit in memory."""
    n, sa, saa, sums = 0, 0.0, 0.0, {}
    for x in lines:
        a = engine.activations(model, x).astype(np.float64)
        n, sa, saa = n + len(a), sa + a.sum(0), saa + (a * a).sum(0)
        for name, s in signals(x).items():
            ss, sss, sas = sums.get(name, (0.0, 0.0, 0.0))
            sums[name] = (ss + s.sum(), sss + (s * s).sum(), sas + s @ a)
    ma, va = sa / n, saa / n - (sa / n) ** 2
    out = {}
    for name, (ss, sss, sas) in sums.items():
        ms, vs = ss / n, sss / n - (ss / n) ** 2
        out[name] = (sas / n - ma * ms) / (np.sqrt(np.maximum(va, 0) * max(vs, 0)) + 1e-12)
    return out


def iam_lines(split: str, count: int):
    from corpora import CACHE
    from corpora.iam import DEFAULT_ARCHIVE, load_split, split_file
    ds = load_split(DEFAULT_ARCHIVE, split_file(split), cache_dir=CACHE, progress=False)
    step = max(1, len(ds.lines) // count)  # spread over writers, deterministic
    return ds.lines[::step][:count]


def unipen_lines():
    """Every text line of the UNIPEN sample, normalised as the article's human lines are."""
    from corpora import unipen
    return [seg.strokes for seg in unipen.load(normalised=True)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights")
    p.add_argument("--find", type=int, default=150)
    p.add_argument("--confirm", type=int, default=150)
    p.add_argument("--write", action="store_true")
    args = p.parse_args(argv)
    model = engine.load_model(args.weights)
    found = correlations(model, iam_lines("training", args.find))
    confirmed = correlations(model, iam_lines("validation", args.confirm))
    human = unipen_lines()
    elsewhere = correlations(model, human)
    claims, misses = {}, {}
    print(f"{'signal':16s} cell   found r   confirmed r   UNIPEN r   (|r| ≥ {MIN_CONFIRMED} on IAM-OnDB validation "
          f"goes in the article)")
    for name, r in found.items():
        cell = int(np.argmax(np.abs(r)))
        rc, ru = float(confirmed[name][cell]), float(elsewhere[name][cell])
        print(f"{name:16s} {cell:4d}   {r[cell]:+.3f}    {rc:+.3f}        {ru:+.3f}")
        record = {"cell": cell, "found_r": round(float(r[cell]), 3), "confirmed_r": round(rc, 3), "unipen_r": round(ru, 3)}
        if abs(rc) >= MIN_CONFIRMED and np.sign(rc) == np.sign(r[cell]):
            claims[name] = record
        elif abs(rc) >= NEAR_MISS and np.sign(rc) == np.sign(r[cell]):
            misses[name] = record
    if args.write:
        CLAIMS.write_text(json.dumps({"min_abs_r": MIN_CONFIRMED, "confirm_lines": args.confirm,
                                      "unipen_lines": len(human), "claims": claims, "near_misses": misses},
                                     indent=1) + "\n")
        print(f"wrote {CLAIMS}")


if __name__ == "__main__":
    main()
