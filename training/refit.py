"""Refit the output layer (the mixture head) on the frozen cells' outputs.

    python -m training.refit                  # training/checkpoint.pt → the same file, head refit
    python -m training.refit --passes 1 --limit 200 --checkpoint /tmp/c.pt   # a quick try

The network is trained with dropout on the cells' output before the head, and the head learns
to read that noisy, rescaled signal; the engine never drops anything. This step runs the trained
LSTM once over every training line, exactly as it is evaluated (whole lines from a zero state, no
dropout), keeps each step's cell output h (float16, 1 KB a point: 6.8 GB for IAM-OnDB's training
split), then fits only the 500 × 121 head to those fixed inputs with Adam (CUDA when present):
a pass over the 6.65 M points takes about 50 s on 2 CPU threads, a pass of the whole network
~16 min on one. The model card (weights/README.md) records what the refit gained on the default
model: a better validation score, and fewer stalls at low Variation.

Targets where the pen rests (dx = dy = 0 without a lift) are left out of the fit by default, as
in training with ``--drop-rests``: a head fitted to them too scored the same but got stuck in
place on 4–7 of 60 sampled lines. The validation lines keep every point. The best pass by
validation is kept; the checkpoint's curve and stretches (the model card's table) record it.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from corpora.iam import DEFAULT_ARCHIVE, Dataset, split_file
from .model import HandwritingModel, log_density
from .checkpoints import COMPACT, device_name, read_compact, save_compact
from .train import load_data, pad, resting


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=str(COMPACT), help="compact checkpoint to read")
    p.add_argument("--out", default="", help="compact checkpoint to write (default: --checkpoint)")
    p.add_argument("--data", default=str(DEFAULT_ARCHIVE), help="lineStrokes folder or tar archive")
    p.add_argument("--train-split", default=str(split_file("training")))
    p.add_argument("--val-split", default=str(split_file("validation")))
    p.add_argument("--passes", type=int, default=3, help="passes over the training points (cosine over them)")
    p.add_argument("--batch", type=int, default=4096, help="points per step")
    p.add_argument("--lr", type=float, default=3e-3, help="peak Adam learning rate")
    p.add_argument("--clip", type=float, default=10.0, help="gradient-norm clipping")
    p.add_argument("--keep-rests", action="store_true", help="fit the resting targets too (stalls more)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    p.add_argument("--limit", type=int, default=0, help="use only the first N lines of each split")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    args.drop_rests = False  # the loader's option: targets are masked here instead, the inputs stay whole
    return args


@torch.no_grad()
def cell_outputs(model: HandwritingModel, ds: Dataset, keep_rests: bool = True, dtype=np.float16,
                 progress: bool = True, batch: int = 64):
    """Every predicted point's cell output h (N, hidden) and target (N, 3), lines run whole from a
    zero state, on the model's device; kept in (CPU) memory. With ``keep_rests`` False, the points
    whose target is a rest are left out."""
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(ds.lines)), key=lambda j: len(ds.lines[j]))
    keep = [np.ones(len(x) - 1, bool) if keep_rests else ~resting(x[1:]) for x in ds.lines]
    n = int(sum(k.sum() for k in keep))
    H, T = np.empty((n, model.hidden), dtype), np.empty((n, 3), np.float32)
    at, t0 = 0, time.time()
    for i in range(0, len(order), batch):
        idx = [j for j in order[i:i + batch] if len(ds.lines[j]) > 1]
        if not idx:
            continue
        inp, tgt, _ = pad([ds.lines[j] for j in idx])
        _, _, hs = model(inp.to(device))
        hs = hs.float().cpu()
        for b, j in enumerate(idx):
            k = keep[j]
            m = int(k.sum())
            H[at:at + m] = hs[b, :len(k)].numpy()[k]
            T[at:at + m] = tgt[b, :len(k)].numpy()[k]
            at += m
        if progress:
            print(f"\r  cell outputs: {at:,}/{n:,} points, {at / (time.time() - t0):,.0f} pts/s", end="",
                  flush=True, file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return H, T


def on(head: torch.nn.Linear, a: np.ndarray) -> torch.Tensor:
    """Rows of cell outputs or targets as float32 on the head's device."""
    return torch.from_numpy(np.ascontiguousarray(a, np.float32)).to(head.weight.device)


def head_nll(head: torch.nn.Linear, H: np.ndarray, T: np.ndarray, chunk: int = 65536) -> float:
    """Mean NLL (nats per point) of the head on fixed cell outputs."""
    with torch.no_grad():
        total = sum(float(log_density(head(on(head, H[i:i + chunk])), on(head, T[i:i + chunk])).sum())
                    for i in range(0, len(T), chunk))
    return -total / len(T)


def fit_head(head: torch.nn.Linear, H, T, Hv, Tv, args) -> tuple[dict, list]:
    """Adam with cosine decay over ``args.passes`` passes; → (best head state, per-pass records)."""
    opt = torch.optim.Adam(head.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    per_pass = math.ceil(len(T) / args.batch)
    total, step = args.passes * per_pass, 0
    best, best_state, records = head_nll(head, Hv, Tv), None, []
    if not args.quiet:
        print(f"head before the refit: validation {best:.4f} nats/pt", flush=True)
    for p in range(args.passes):
        order, run, t0 = rng.permutation(len(T)), None, time.time()
        for i in range(per_pass):
            idx = np.sort(order[i * args.batch:(i + 1) * args.batch])
            for g in opt.param_groups:
                g["lr"] = 0.5 * args.lr * (1 + math.cos(math.pi * step / total))
            loss = -log_density(head(on(head, H[idx])), on(head, T[idx])).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(head.parameters(), args.clip)
            if torch.isfinite(norm):
                opt.step()
            step += 1
            run = loss.item() if run is None else 0.98 * run + 0.02 * loss.item()
            if not args.quiet:
                print(f"\r  pass {p + 1}/{args.passes} [{i + 1}/{per_pass}] loss {run:.3f} "
                      f"{(i + 1) * args.batch / (time.time() - t0):,.0f} pts/s", end="", flush=True, file=sys.stderr)
        v = head_nll(head, Hv, Tv)
        records.append({"train_nll": run, "val_nll": v, "seconds": time.time() - t0})
        if not args.quiet:
            print(f"\rpass {p + 1}/{args.passes} train {run:.4f} val {v:.4f} nats/pt ({time.time() - t0:.0f} s)"
                  + " " * 20, flush=True)
        if v < best:
            best, best_state = v, {k: t.detach().cpu().clone() for k, t in head.state_dict().items()}
    return best_state, records


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.time()
    ck = read_compact(Path(args.checkpoint))
    meta = ck["meta"]
    state = {k: v.float() for k, v in ck["state_dict"].items()}
    hidden, outputs = state["lstm.weight_hh_l0"].shape[1], state["head.bias"].shape[0]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = HandwritingModel(hidden, (outputs - 1) // 6)
    model.load_state_dict(state)
    model.to(device)
    train, val = load_data(args)
    progress = not args.quiet
    H, T = cell_outputs(model, train, keep_rests=args.keep_rests, progress=progress)
    Hv, Tv = cell_outputs(model, val, dtype=np.float32, progress=progress)
    best_state, records = fit_head(model.head, H, T, Hv, Tv, args)
    out = Path(args.out or args.checkpoint)
    if best_state is None:
        print("no pass beat the head as it was: checkpoint left unchanged", flush=True)
        return meta
    model.head.load_state_dict(best_state)
    model.cpu()
    first, seconds = meta["epoch"] + 1, time.time() - t_start
    kept = min(range(len(records)), key=lambda i: records[i]["val_nll"])
    curve = list(meta.get("curve", []))
    for i, r in enumerate(records[:kept + 1]):
        curve.append({"epoch": first + i, "step": meta.get("step", 0), "train_nll": r["train_nll"],
                      "val_nll": r["val_nll"], "seconds": round(meta.get("seconds", 0) + seconds, 1)})
    phase = {"device": device_name(device, args.threads), "epochs": [first, first + kept],
             "seconds": round(seconds, 1), "torch": str(torch.__version__), "head_only": True,
             "hyperparameters": {"batch": args.batch, "lr": args.lr, "epochs": args.passes, "clip": args.clip,
                                 "drop_rests": not args.keep_rests, "seed": args.seed}}
    meta = {**meta, "epoch": first + kept, "seconds": meta.get("seconds", 0) + seconds, "curve": curve,
            "phases": list(meta.get("phases", [])) + [phase]}
    save_compact(out, model, meta)
    print(f"kept pass {kept + 1}: validation {records[kept]['val_nll']:.4f} nats/pt → {out}", flush=True)
    return meta


if __name__ == "__main__":
    main()
