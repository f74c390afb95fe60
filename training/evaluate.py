"""NLL of any weights (ours or the 2016 file) on IAM-OnDB lines, with the engine's convention.

    python -m training.evaluate --weights weights/model.hwlstm \\
        --data ../shared/data/iam-ondb/lineStrokes-all.tar.xz \\
        --split ../shared/data/iam-ondb/splits/validation_set.txt

Prints nats per predicted point: zero start state, each line's first offset input only, (dx, dy)
density in article units (raw / 40) plus log P(pen_lift). Needs only numpy (the engine).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import engine

from .data import DEFAULT_DATA, load_split

SUBSET = 60  # the first lines of the validation split: the fixed subset the weights test re-measures
CACHE = Path.home() / ".cache" / "handwriting"


def evaluate_weights(weights, data, split, limit: int = 0, batch: int = 128, progress: bool = True):
    """(NLL in nats per point, predicted points) of ``weights`` (path or bytes) on a split."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ds = load_split(data, split, cache_dir=CACHE, progress=progress)
    lines = ds.lines[:limit] if limit else ds.lines
    model = engine.load_model(weights)
    total = points = 0.0
    order = sorted(lines, key=len)
    t0 = time.time()
    for i in range(0, len(order), batch):
        chunk = order[i:i + batch]
        n = sum(len(x) - 1 for x in chunk)
        total += engine.nll(model, chunk) * n
        points += n
        if progress:
            print(f"\r  {min(i + batch, len(order))}/{len(order)} lines, {points / (time.time() - t0):,.0f} pts/s",
                  end="", flush=True, file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return total / points, int(points)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default=None, help="weights file (default: weights/model.hwlstm)")
    p.add_argument("--data", default=str(DEFAULT_DATA / "lineStrokes-all.tar.xz"))
    p.add_argument("--split", default=str(DEFAULT_DATA / "splits" / "validation_set.txt"))
    p.add_argument("--limit", type=int, default=0, help="only the first N lines of the split")
    args = p.parse_args(argv)
    nll, n = evaluate_weights(args.weights or engine.DEFAULT_WEIGHTS, args.data, args.split, args.limit)
    print(f"{nll:.4f} nats per point over {n:,} predicted points")


if __name__ == "__main__":
    main()
