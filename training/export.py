"""Export a trained checkpoint to the project weights format.

    python -m training.export                     # training/checkpoint.pt → weights/model.hwlstm (q8)
    python -m training.export --encoding f4 --out /tmp/exact.hwlstm

With ``--evaluate`` it also measures the validation NLL of the float and the quantized weights
(the cost of quantization) and records it, with the training curve, in ``weights/card.json``.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np

from engine import weights as W

from corpora import CACHE, SHARED_DATA
from corpora.iam import DEFAULT_ARCHIVE, load_split, split_file
from .checkpoints import COMPACT, ROOT, read_compact

CARD = ROOT / "weights" / "card.json"
REFERENCE_2016 = SHARED_DATA.parent / "reference" / "distill-2016" / "b64_weights.json"
# torch.nn.LSTM stacks its gates i, f, g, o; the engine (and the 2016 model) use i, g, f, o.
TORCH_TO_ENGINE = (0, 2, 1, 3)


def to_weights(state_dict: dict, meta: dict | None = None) -> W.Weights:
    """A HandwritingModel state dict → engine :class:`Weights` (gates reordered, +1 forget bias moved)."""
    sd = {k: v.detach().double().cpu().numpy() for k, v in state_dict.items()}
    H = sd["lstm.weight_hh_l0"].shape[1]
    blocks = lambda a: np.concatenate([a[g * H:(g + 1) * H] for g in TORCH_TO_ENGINE])  # noqa: E731
    W_in = blocks(sd["lstm.weight_ih_l0"]).T  # (3, 4H)
    W_h = blocks(sd["lstm.weight_hh_l0"]).T  # (H, 4H)
    b = blocks(sd["lstm.bias_ih_l0"] + sd["lstm.bias_hh_l0"])
    b[2 * H:3 * H] -= 1.0  # the engine adds forget_bias = +1 itself
    return W.Weights(np.vstack([W_in, W_h]), b, sd["head.weight"].T.copy(), sd["head.bias"].copy(), meta or {}).check()


def load_checkpoint(path: Path):
    ck = read_compact(path)
    state = ck.get("state_dict") or ck.get("model")
    return {k: v.float() for k, v in state.items()}, ck["meta"]


def provenance(meta: dict) -> dict:
    args = meta.get("args", {})
    return {"trained_by": "training/train.py (this repository)",
            "data": "IAM-OnDB line strokes (Liwicki & Bunke 2005), Graves' training split",
            "epochs": meta.get("epoch"), "steps": meta.get("step"), "train_seconds": round(meta.get("seconds", 0)),
            "hyperparameters": {k: args.get(k) for k in ("batch", "window", "lr", "min_lr", "warmup", "clip",
                                                          "epochs", "seed", "hidden", "mixtures")},
            "phases": meta.get("phases", []), "exported": datetime.date.today().isoformat()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=str(COMPACT))
    p.add_argument("--out", default=str(ROOT / "weights" / "model.hwlstm"))
    p.add_argument("--encoding", default="q8", choices=["q8", "f2", "f4"])
    p.add_argument("--evaluate", action="store_true", help="measure float and quantized NLL, write weights/card.json")
    p.add_argument("--data", default=str(DEFAULT_ARCHIVE))
    p.add_argument("--split", default=str(split_file("validation")))
    p.add_argument("--reference", default=str(REFERENCE_2016),
                   help="the 2016 article's weights, measured the same way for the card ('' = skip)")
    args = p.parse_args(argv)
    state, meta = load_checkpoint(Path(args.checkpoint))
    weights = to_weights(state, {"provenance": provenance(meta)})
    data = W.dumps(weights, args.encoding)
    Path(args.out).write_bytes(data)
    print(f"wrote {args.out}: {len(data):,} bytes ({args.encoding}), epoch {meta.get('epoch')}, step {meta.get('step')}")
    if args.evaluate:
        write_card(weights, data, meta, args)


STALL_STEP = 0.05  # article units (2 tablet units): a pen that barely moves; 3.5 % of IAM-OnDB's steps


STALL_LINES, STALL_POINTS = 60, 300  # fixed-seed lines per Variation: 10 lines proved too noisy (one stuck line = 10 %)


def stall_rates(weights, temperatures=(0.35, 0.5, 0.65), lines=STALL_LINES, points=STALL_POINTS) -> tuple[dict, dict]:
    """Per temperature: the share of sampled steps shorter than STALL_STEP, and how many of the
    fixed-seed lines are mostly (over half) such steps.

    Likelihood does not see it, but a model can learn to stall at low temperature (the pen
    hovering in place for hundreds of points), which ruins the figures that sample at 0.35–0.5.
    """
    import engine
    model = engine.Model(weights)
    rates, stuck = {}, {}
    for t in temperatures:
        short = [np.hypot(*engine.generate(model, points, t, seed=700 + s)[0][:, :2].T) < STALL_STEP
                 for s in range(lines)]
        rates[str(t)] = round(float(np.mean(short)), 3)
        stuck[str(t)] = int(sum(x.mean() > 0.5 for x in short))
    return rates, stuck


def write_card(weights, data: bytes, meta: dict, args) -> None:
    from .evaluate import SUBSET, evaluate_weights
    exact = W.dumps(weights, "f4")
    print("evaluating float and quantized weights on the validation split ...", flush=True)
    full_f, n = evaluate_weights(exact, args.data, args.split)
    full_q, _, kinds_q = evaluate_weights(data, args.data, args.split, kinds=True)
    deq_q, _ = evaluate_weights(data, args.data, args.split, dequantize=True)
    stalls, stuck = stall_rates(W.load(data))
    reference = None
    if args.reference and Path(args.reference).is_file():
        ref = Path(args.reference).read_bytes()
        ref_nll, _, ref_kinds = evaluate_weights(ref, args.data, args.split, kinds=True)
        ref_deq, _ = evaluate_weights(ref, args.data, args.split, dequantize=True)
        ref_stalls, ref_stuck = stall_rates(W.load(ref))
        reference = {"nll": round(ref_nll, 4), "nll_dequantized": round(ref_deq, 4), "breakdown": ref_kinds,
                     "stalls": ref_stalls, "stalled_lines": ref_stuck}
    sub_q, n_sub = evaluate_weights(data, args.data, args.split, limit=SUBSET)
    lines = {name: len(load_split(args.data, Path(args.split).with_name(f"{name}_set.txt"), cache_dir=CACHE,
                                  progress=False).lines) for name in ("training", "validation")}
    card = {"train_lines": lines["training"], "validation_lines": lines["validation"], "validation_points": n,
            "nll_float": round(full_f, 4), "nll_quantized": round(full_q, 4),
            "quantization_cost": round(full_q - full_f, 4), "nll_dequantized": round(deq_q, 4),
            "breakdown": kinds_q, "reference_2016": reference, "subset_lines": SUBSET, "subset_points": n_sub,
            "subset_nll_quantized": round(sub_q, 5), "bytes": len(data), "encoding": args.encoding,
            "stalls": stalls, "stalled_lines": stuck, "stall_sample": [STALL_LINES, STALL_POINTS],
            "curve": meta.get("curve", []), "provenance": weights.meta["provenance"]}
    CARD.write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps({k: v for k, v in card.items() if k not in ("curve", "provenance")}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
