"""The build-time cell ordering: faithful to the 2016 method, measurably better than no order, cached."""
import json

import numpy as np
import pytest

pytest.importorskip("openTSNE")

import engine  # noqa: E402
from builder import cells  # noqa: E402
from tests.helpers import random_line, random_weights  # noqa: E402


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return np.corrcoef(ra, rb)[0, 1]


def neighbour_correlation(acts: np.ndarray, order) -> float:
    """Mean correlation between the activation series of cells adjacent in ``order``."""
    a = acts[:, order]
    a = (a - a.mean(0)) / (a.std(0) + 1e-12)
    return float((a[:, :-1] * a[:, 1:]).mean(0).mean())


def test_2016_order_reproduced(reference_dir, capsys):
    model = engine.load_model(reference_dir / "b64_weights.json", dtype=np.float64)
    line = np.array(json.loads((reference_dir / "article-samples" / "0.json").read_text()))
    meta = json.loads((reference_dir / "metadata.json").read_text())
    acts = engine.activations(model, np.vstack([np.zeros((1, 3)), line])[:cells.PARAMS["max_steps"]])
    signs = cells.canonical_signs(acts)
    order, _ = cells.tsne_order(cells.cell_features(acts * signs), seed=0)
    rank, ref = np.empty(500), np.empty(500)
    rank[order], ref[np.array(meta["sortOrder"])] = np.arange(500), np.arange(500)
    rho = abs(spearman(rank, ref))
    sorted_corr = neighbour_correlation(acts * signs, order)
    plain_corr = neighbour_correlation(acts * signs, np.arange(500))
    with capsys.disabled():
        print(f"\n2016 weights: |Spearman| vs published sortOrder {rho:.3f}; "
              f"neighbour correlation sorted {sorted_corr:.3f}, unsorted {plain_corr:.3f}")
    assert rho >= 0.8
    assert sorted_corr > plain_corr + 0.1
    assert np.mean((signs < 0) == (np.array(meta["flipCell"]) < 0)) > 0.95


def test_deterministic_and_cached(tmp_path, monkeypatch):
    model = engine.Model(random_weights(hidden=60, mixtures=2), dtype=np.float64)
    lines = [random_line(80, seed=s) for s in range(2)]
    a = cells.cell_order(model, b"w", lines, seed=3, cache=tmp_path)
    b = cells.cell_order(model, b"w", lines, seed=3, cache=None)
    assert a["order"] == b["order"] and sorted(a["order"]) == list(range(60))
    monkeypatch.setattr(cells, "tsne_order", lambda *a, **k: pytest.fail("recomputed despite the cache"))
    assert cells.cell_order(model, b"w", lines, seed=3, cache=tmp_path) == a
