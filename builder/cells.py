"""The 1-D t-SNE ordering of the model's cells, computed by the build (the 2016 order was pasted in).

Method (after the 2016 article's bin/sort): cell states c over one or more lines → canonical sign
(flip a cell whose activations sum below zero; the LSTM is symmetric under that flip) → per cell,
over sliding windows of 5 steps, the 5 sorted values as 5 series, plus those series blurred with
[0.2, 0.4, 1, 0.4, 0.2] → exact affinities on squared Euclidean distances (perplexity 50) → 1-D
t-SNE with openTSNE (learning rate 10, early exaggeration 4 for 100 iterations) → order by the
coordinate. Cached by a hash of (weights, lines, parameters).
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

import engine
from corpora import CACHE

WINDOW = 5
BLUR = np.array([0.2, 0.4, 1.0, 0.4, 0.2])
PARAMS = {"window": WINDOW, "blur": BLUR.tolist(), "perplexity": 50, "learning_rate": 10,
          "early_exaggeration": 4, "early_exaggeration_iter": 100, "n_iter": 750, "max_steps": 370}


def canonical_signs(acts: np.ndarray) -> np.ndarray:
    """(T, H) activations → (H,) of ±1: flip cells whose activations sum below zero."""
    return np.where(acts.sum(axis=0) < 0, -1.0, 1.0)


def cell_features(acts: np.ndarray) -> np.ndarray:
    """(T, H) sign-canonical activations → (H, F) features: sorted sliding windows, raw and blurred."""
    T, H = acts.shape
    if T < WINDOW + len(BLUR):
        raise ValueError(f"need at least {WINDOW + len(BLUR)} steps of activations, got {T}")
    windows = np.lib.stride_tricks.sliding_window_view(acts, WINDOW, axis=0)  # (T-4, H, 5)
    series = np.sort(windows, axis=-1).transpose(1, 2, 0)  # (H, 5, T-4): the k-th smallest per window
    kernel = BLUR / BLUR.sum()
    blurred = np.apply_along_axis(lambda s: np.convolve(s, kernel, mode="same"), -1, series)
    return np.concatenate([series, blurred], axis=1).reshape(H, -1)


def tsne_order(features: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(H, F) features → (order (H,) of cell ids, 1-D coordinate per cell)."""
    from openTSNE import TSNEEmbedding, affinity, initialization
    p = PARAMS
    aff = affinity.PerplexityBasedNN(features, perplexity=p["perplexity"], method="exact", metric="euclidean",
                                     random_state=seed, n_jobs=1, verbose=False)
    init = initialization.random(features, n_components=1, random_state=seed)
    emb = TSNEEmbedding(init, aff, negative_gradient_method="bh", random_state=seed, n_jobs=1, verbose=False)
    emb = emb.optimize(n_iter=p["early_exaggeration_iter"], exaggeration=p["early_exaggeration"],
                       learning_rate=p["learning_rate"], momentum=0.5)
    emb = emb.optimize(n_iter=p["n_iter"], exaggeration=1, learning_rate=p["learning_rate"], momentum=0.8)
    coord = np.asarray(emb)[:, 0]
    return np.argsort(coord, kind="stable"), coord


def line_activations(model, lines) -> np.ndarray:
    """Concatenated cell states of the lines (each from a zero state, first ``max_steps`` points)."""
    return np.concatenate([engine.activations(model, x[:PARAMS["max_steps"]]) for x in lines]).astype(np.float64)


def cell_order(model, weights_bytes: bytes, lines, seed: int = 0, cache: Path | None = CACHE) -> dict:
    """{"order", "signs", "coord"} for the model on the lines, from the cache when it is there."""
    key = hashlib.sha256(weights_bytes + json.dumps([np.round(np.asarray(x), 5).tolist() for x in lines]).encode()
                         + json.dumps({**PARAMS, "seed": seed}, sort_keys=True).encode()).hexdigest()[:20]
    path = cache / f"cells-{key}.json" if cache else None
    if path and path.exists():
        return json.loads(path.read_text())
    t0 = time.time()
    print(f"  ordering {model.hidden} cells with 1-D t-SNE (openTSNE) ...", flush=True)
    acts = line_activations(model, lines)
    signs = canonical_signs(acts)
    order, coord = tsne_order(cell_features(acts * signs), seed)
    result = {"order": order.tolist(), "signs": signs.astype(int).tolist(), "coord": np.round(coord, 4).tolist()}
    print(f"  cell order done in {time.time() - t0:.1f} s", flush=True)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result))
    return result

