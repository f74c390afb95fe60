"""NLL of any weights (ours or the 2016 file) on IAM-OnDB lines, with the engine's convention.

    python -m training.evaluate --weights weights/model.hwlstm \\
        --data ../shared/data/iam-ondb/lineStrokes-all.tar.xz \\
        --split ../shared/data/iam-ondb/splits/validation_set.txt

Prints nats per predicted point: zero start state, each line's first offset input only, (dx, dy)
density in article units (raw / 40) plus log P(pen_lift). Needs only numpy (the engine).
``--breakdown`` also splits it by kind of point (see ``KINDS``): where a model's nats come from.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import engine

from corpora import CACHE
from corpora.iam import DEFAULT_ARCHIVE, load_split, split_file
from engine.strokes import RAW_UNITS

SUBSET = 60  # the first lines of the validation split: the fixed subset the weights test re-measures


# Kinds of predicted point. IAM-OnDB offsets are whole tablet units (1/40 article unit), so the
# exact-zero offset (the pen resting, 1.4 % of points) is one value a continuous density can
# reward without bound by shrinking a component onto it; so is one axis at exactly 0 (a vertical or
# horizontal step, 9 % of points). They are reported on their own.
KINDS = {"stroke start": "the jump after a pen lift",
         "pen resting": "dx = dy = 0 exactly",
         "one axis still": "dx = 0 or dy = 0 exactly, not both",
         "pen moving": "every other point"}


def kinds_of(line) -> np.ndarray:
    """Index into ``KINDS`` of each predicted point (1..T-1) of a line."""
    after_lift = line[:-1, 2] == 1
    still = (line[1:, :2] == 0).sum(axis=1)
    return np.where(after_lift, 0, np.where(still == 2, 1, np.where(still == 1, 2, 3)))


def breakdown(lines, per_line) -> dict:
    """Per kind: share of points, mean NLL, and its contribution (share × NLL; they sum to the NLL)."""
    kinds = np.concatenate([kinds_of(x) for x in lines])
    lp = np.concatenate(per_line)
    out = {}
    for k, name in enumerate(KINDS):
        sel = kinds == k
        out[name] = {"share": round(float(sel.mean()), 4),
                     "nll": round(float(-lp[sel].mean()), 3) if sel.any() else None,
                     "contribution": round(float(-lp[sel].sum() / len(lp)), 4)}
    return out


def dequantized(lines, seed=0) -> list:
    """Lines with uniform noise of one tablet unit added to every (dx, dy) (Theis et al. 2016):
    the data become continuous, so a density can no longer gain by spiking on whole-unit values.
    ``seed``: an int or a numpy Generator (drawn from)."""
    rng = np.random.default_rng(seed)
    out = []
    for x in lines:
        x = x.copy()
        x[:, :2] += (rng.random((len(x), 2)) - 0.5) / RAW_UNITS
        out.append(x)
    return out


def evaluate_weights(weights, data, split, limit: int = 0, batch: int = 128, progress: bool = True,
                     kinds: bool = False, dequantize: bool = False):
    """(NLL in nats per point, predicted points) of ``weights`` (path or bytes) on a split;
    with ``kinds``, a third item: the :func:`breakdown` by kind of point (of the data as recorded);
    with ``dequantize``, on :func:`dequantized` lines."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ds = load_split(data, split, cache_dir=CACHE, progress=progress)
    lines = ds.lines[:limit] if limit else ds.lines
    model = engine.load_model(weights)
    order = sorted((x for x in lines if len(x) > 1), key=len)
    scored = dequantized(order) if dequantize else order
    per_line, points, t0 = [], 0, time.time()
    for i in range(0, len(scored), batch):
        per_line += engine.point_log_densities(model, scored[i:i + batch])
        points += sum(len(x) - 1 for x in scored[i:i + batch])
        if progress:
            print(f"\r  {min(i + batch, len(scored))}/{len(scored)} lines, {points / (time.time() - t0):,.0f} pts/s",
                  end="", flush=True, file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    value = -float(sum(float(a.sum()) for a in per_line)) / points
    return (value, points, breakdown(order, per_line)) if kinds else (value, points)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default=None, help="weights file (default: weights/model.hwlstm)")
    p.add_argument("--data", default=str(DEFAULT_ARCHIVE))
    p.add_argument("--split", default=str(split_file("validation")))
    p.add_argument("--limit", type=int, default=0, help="only the first N lines of the split")
    p.add_argument("--breakdown", action="store_true", help="also split the NLL by kind of point")
    p.add_argument("--dequantize", action="store_true", help="add uniform noise of one tablet unit to the offsets")
    args = p.parse_args(argv)
    nll, n, *parts = evaluate_weights(args.weights or engine.DEFAULT_WEIGHTS, args.data, args.split, args.limit,
                                      kinds=args.breakdown, dequantize=args.dequantize)
    print(f"{nll:.4f} nats per point over {n:,} predicted points")
    for name, row in (parts[0] if parts else {}).items():
        print(f"  {name:14s} ({KINDS[name]}): {row['share']:6.1%} of points, {row['nll']:7.3f} nats each, "
              f"contributes {row['contribution']:+.4f}")


if __name__ == "__main__":
    main()
