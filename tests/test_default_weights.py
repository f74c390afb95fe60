"""The committed default weights: small, and as good as their model card says."""
import json
from pathlib import Path

import pytest

import engine

WEIGHTS = Path(engine.DEFAULT_WEIGHTS)
CARD = WEIGHTS.parent / "card.json"


def test_weights_file_is_small_and_loads():
    assert WEIGHTS.stat().st_size <= 1_500_000
    model = engine.load_model()
    assert (model.hidden, model.mixtures) == (500, 20)
    assert model.meta["provenance"]["data"].startswith("IAM-OnDB")


def test_nll_on_fixed_subset_matches_the_card(iam_dir):
    from training.evaluate import evaluate_weights
    card = json.loads(CARD.read_text())
    nll, points = evaluate_weights(WEIGHTS, iam_dir / "lineStrokes-all.tar.xz",
                                   iam_dir / "splits" / "validation_set.txt", limit=card["subset_lines"], progress=False)
    assert points == card["subset_points"]
    assert nll == pytest.approx(card["subset_nll_quantized"], abs=0.01)
