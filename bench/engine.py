"""Engine speed: a full sampling step (update + mixture + sample) and nll throughput, for the
unconditional model and the synthesis model (``write`` of a 40-character text, ``nll`` given a text).

    OPENBLAS_NUM_THREADS=1 python bench/engine.py [--weights PATH] [--synthesis PATH] [--repeat 7]

Prints medians over ``--repeat`` runs. Uses the default weights, or the 2016 file when given, or
random weights of the same size when neither exists (speed does not depend on the values); the
same for the synthesis model (random: 2 × 256 cells, K = 10, an 80-character alphabet).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import engine  # noqa: E402
from engine import weights as W  # noqa: E402
from engine.sampling import sample_next  # noqa: E402


def model_for(path, dtype):
    if path:
        return engine.load_model(path, dtype=dtype)
    if engine.DEFAULT_WEIGHTS.exists():
        return engine.load_model(None, dtype=dtype)
    rng = np.random.default_rng(0)
    w = W.Weights(rng.normal(0, 0.1, (503, 2000)), np.zeros(2000), rng.normal(0, 0.1, (500, 121)), np.zeros(121))
    return engine.Model(w, dtype=dtype)


def step_time(model, batch, n=300, repeat=7):
    rng = np.random.default_rng(0)
    times = []
    for _ in range(repeat):
        state = model.zero_state(batch)
        x = np.zeros((batch, 3))
        t0 = time.perf_counter()
        for _ in range(n):
            state = model.step(x, state)
            x = sample_next(model, state.h, 0.5, rng)
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times)


def nll_rate(model, repeat=3):
    lines, _ = engine.generate(model, 4000, 0.6, seed=0)
    batch = [lines[i:i + 400] for i in range(0, 4000, 400)]  # 10 lines of 400 points
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        engine.nll(model, batch)
        times.append(time.perf_counter() - t0)
    return sum(len(x) - 1 for x in batch) / statistics.median(times)


TEXT_40 = "the quick brown fox writes a short line."  # 40 characters


def synthesis_for(path, dtype):
    from engine import synthesis as S
    if path or engine.DEFAULT_SYNTHESIS.exists():
        return engine.load_synthesis(path, dtype=dtype)
    rng = np.random.default_rng(0)
    H, K, L, alphabet = 256, 10, 2, "".join(chr(c) for c in range(32, 112))
    A = len(alphabet) + 1
    t = {"window.W": rng.normal(0, 0.05, (H, 3 * K)), "window.b": np.r_[np.zeros(2 * K), np.full(K, -3.0)],
         "W_out": rng.normal(0, 0.1, (L * H, 121)), "b_out": np.zeros(121)}
    for layer in range(1, L + 1):
        t[f"layer{layer}.W"] = rng.normal(0, 0.1, ((3 + A if layer == 1 else 3 + H + A) + H, 4 * H))
        t[f"layer{layer}.b"] = np.zeros(4 * H)
    meta = {"kind": S.KIND, "alphabet": alphabet, "layers": L, "window": K}
    return S.load(S.dumps(meta, t, encoding="f4"), dtype=dtype)


def synthesis_rates(synth, repeat=3):
    """(write points/s of a 40-character text, nll points/s) — write's points are its own."""
    from engine import synthesis as S
    w, n, points = [], [], 0
    for i in range(repeat):
        t0 = time.perf_counter()
        strokes, _ = S.write(synth, TEXT_40, bias=1.0, seed=i, max_points=400)  # a fixed length to time
        w.append(len(strokes) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        engine.nll(synth, strokes, text=TEXT_40)
        n.append((len(strokes) - 1) / (time.perf_counter() - t0))
    return statistics.median(w), statistics.median(n)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--weights")
    p.add_argument("--synthesis")
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, medians of {args.repeat}")
    for dtype in (np.float32, np.float64):
        model = model_for(args.weights, dtype)
        b1, b50 = step_time(model, 1, repeat=args.repeat), step_time(model, 50, repeat=args.repeat)
        print(f"{np.dtype(dtype).name}: sampling step batch 1 {b1 * 1e3:.3f} ms, batch 50 {b50 * 1e3:.3f} ms; "
              f"nll {nll_rate(model):,.0f} points/s")
    for dtype in (np.float32, np.float64):
        synth = synthesis_for(args.synthesis, dtype)
        w, n = synthesis_rates(synth, repeat=args.repeat)
        print(f"{np.dtype(dtype).name}: synthesis {synth.n_layers} × {synth.hidden}: write {w:,.0f} points/s "
              f"(40 characters), nll given the text {n:,.0f} points/s")


if __name__ == "__main__":
    main()
