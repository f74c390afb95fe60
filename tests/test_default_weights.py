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


def test_the_articles_comparison_with_the_2016_model_holds(iam_dir, reference_dir):
    """The article says the 2016 model's lead is all on exact-zero offsets and that ours is ahead
    once the data are dequantized: true in the card (all 857 lines) and re-measured on the subset."""
    from training.evaluate import evaluate_weights
    card = json.loads(CARD.read_text())
    ours, ref = card["breakdown"], card["reference_2016"]["breakdown"]
    exact_zeros = ("pen resting", "one axis still")
    assert all(ref[k]["nll"] < ours[k]["nll"] for k in exact_zeros)
    assert all(ours[k]["nll"] < ref[k]["nll"] for k in ours if k not in exact_zeros)
    assert card["nll_dequantized"] < card["reference_2016"]["nll_dequantized"]
    args = (iam_dir / "lineStrokes-all.tar.xz", iam_dir / "splits" / "validation_set.txt")
    kw = dict(limit=card["subset_lines"], progress=False)
    old = reference_dir / "b64_weights.json"
    (_, _, a), (_, _, b) = (evaluate_weights(w, *args, kinds=True, **kw) for w in (WEIGHTS, old))
    assert a["pen moving"]["nll"] < b["pen moving"]["nll"] and b["pen resting"]["nll"] < a["pen resting"]["nll"]
    deq_ours, deq_old = (evaluate_weights(w, *args, dequantize=True, **kw)[0] for w in (WEIGHTS, old))
    assert deq_ours < deq_old


def test_synthesis_record_describes_the_committed_weights(iam_dir):
    """weights/synthesis.json's quick subset, re-measured on weights/synthesis.hwlstm: NLL on the
    first 60 validation lines given their texts, and the ending faults of 20 texts."""
    import argparse

    import numpy as np
    from training import evaluate_synthesis as E
    record = json.loads(E.RECORD.read_text())
    check = record["measured"]["check"]
    a = argparse.Namespace(data=str(iam_dir / "lineStrokes-all.tar.xz"), texts=str(iam_dir / "ascii-all.tar.xz"),
                           val_split=str(iam_dir / "splits" / "validation_set.txt"))
    synth = engine.load_synthesis(dtype=np.float64)
    got = E.measure_check(synth, E.validation(a), check["hold"])
    assert got["nll"] == pytest.approx(check["nll"], abs=1e-4)
    assert got["faults_per_text"] == check["faults_per_text"]
    assert engine.DEFAULT_SYNTHESIS.stat().st_size <= 2_500_000  # the bound on int8 weights
