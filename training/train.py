"""Train the handwriting model on IAM-OnDB.

    python -m training.train                      # default schedule, CPU (CUDA when present)
    python -m training.train --resume             # continue from the last checkpoint
    python -m training.train --epochs 2 --limit 20 --run-dir /tmp/tiny   # a quick smoke run

Whole lines, batched by similar length, are fed in windows of ``--window`` points with the
LSTM state carried from one window to the next (truncated backpropagation through time), so
every line is seen from a zero state exactly as ``engine.nll`` evaluates it. Adam, gradient-norm
clipping, linear warm-up then cosine decay over ``--epochs`` (or, with ``--time-schedule``, over
the time ``--max-minutes``: the schedule a GPU run of fixed length needs, where throughput is not
known in advance; a timed run is not bit-reproducible; wall time less the time the process was
stopped, ``training.clock``). A full checkpoint (optimizer included) is
written to the run folder each evaluation, and a compact one (float16 weights + schedule position,
~2 MB) to ``training/checkpoint.pt`` whenever validation improves: the one to commit, so that
training can go on from it (``--resume``).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from corpora import CACHE
from corpora.iam import DEFAULT_ARCHIVE, Dataset, load_split, split_file

from .checkpoints import COMPACT, ROOT, note_ran_to, phase_record, read_compact, save_compact
from .clock import RunClock
from .model import HandwritingModel, log_density



def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_ARCHIVE), help="lineStrokes folder or tar archive")
    p.add_argument("--train-split", default=str(split_file("training")))
    p.add_argument("--val-split", default=str(split_file("validation")))
    p.add_argument("--run-dir", default=str(ROOT / "training" / "runs" / "default"), help="full checkpoints and the log")
    p.add_argument("--compact", default=str(COMPACT), help="compact checkpoint to write each epoch ('' = none)")
    p.add_argument("--epochs", type=int, default=30, help="length of the schedule")
    p.add_argument("--batch", type=int, default=32, help="lines per batch")
    p.add_argument("--window", type=int, default=300, help="points per backpropagation window")
    p.add_argument("--lr", type=float, default=1e-3, help="peak Adam learning rate")
    p.add_argument("--min-lr", type=float, default=1e-5, help="learning rate at the end of the cosine")
    p.add_argument("--warmup", type=int, default=300, help="linear warm-up steps")
    p.add_argument("--clip", type=float, default=3.0, help="gradient-norm clipping")
    p.add_argument("--hidden", type=int, default=500)
    p.add_argument("--mixtures", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    p.add_argument("--limit", type=int, default=0, help="use only the first N lines of each split (smoke runs)")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (0 = schedule end)")
    p.add_argument("--max-minutes", type=float, default=0, help="stop after the epoch that passes this wall time (less the time the process was stopped)")
    p.add_argument("--time-schedule", action="store_true",
                   help="cosine over --max-minutes of wall time instead of --epochs; stops mid-epoch when time is up (that last, partial epoch is counted and evaluated)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout on the cells' output before the head (training only)")
    p.add_argument("--augment", type=float, default=0.0,
                   help="random per-line scale exp(±a) in x and y and slant ±a, training lines only (0 = off)")
    p.add_argument("--drop-rests", action="store_true",
                   help="leave out of the training lines the points where the pen rests (dx = dy = 0, no lift); "
                        "validation keeps them. An experiment against stalling at low Variation")
    p.add_argument("--eval-every", type=int, default=1, help="evaluate (and checkpoint) every N epochs")
    p.add_argument("--resume", action="store_true", help="continue from run-dir/full.pt, else from the compact checkpoint")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def lr_at(step: int, total: int, args, fraction: float | None = None) -> float:
    """Linear warm-up to ``args.lr``, then cosine decay to ``args.min_lr`` at ``total`` steps
    (or at ``fraction`` = 1 of the time budget, when given)."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    t = min(1.0, (step - args.warmup) / max(1, total - args.warmup)) if fraction is None else min(1.0, fraction)
    return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * t))


def batches(ds: Dataset, batch: int, rng: np.random.Generator):
    """Shuffled batches of line indices, each of lines of similar length (less padding)."""
    order = rng.permutation(len(ds.lines))
    pool = 50 * batch
    out = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i:i + pool], key=lambda j: len(ds.lines[j]))
        out += [chunk[k:k + batch] for k in range(0, len(chunk), batch)]
    return [out[i] for i in rng.permutation(len(out))]


def augment(line: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """A random affine change of one line's offsets: scale exp(±amount) per axis, slant ±amount.

    dx' = sx (dx + k dy), dy' = sy dy; pen lifts unchanged. Validation never sees it.
    """
    if amount <= 0:
        return line
    sx, sy = np.exp(rng.uniform(-amount, amount, 2))
    k = rng.uniform(-amount, amount)
    out = line.copy()
    out[:, 0] = sx * (line[:, 0] + k * line[:, 1])
    out[:, 1] = sy * line[:, 1]
    return out


def pad(lines: list[np.ndarray]):
    """Lines → inputs (B, L, 3) = points 0..T-2, targets (B, L, 3) = points 1..T-1, mask (B, L)."""
    L = max(len(x) for x in lines) - 1
    inp = np.zeros((len(lines), L, 3), np.float32)
    tgt = np.zeros((len(lines), L, 3), np.float32)
    mask = np.zeros((len(lines), L), np.float32)
    for b, x in enumerate(lines):
        n = len(x) - 1
        inp[b, :n], tgt[b, :n], mask[b, :n] = x[:-1], x[1:], 1.0
    return torch.from_numpy(inp), torch.from_numpy(tgt), torch.from_numpy(mask)


def run_batch(model, lines, window, device, opt=None, clip=0.0):
    """Feed lines in windows with the state carried; train if ``opt``. → (sum log p, points)."""
    inp, tgt, mask = (t.to(device) for t in pad(lines))
    return run_windows(lambda x, state: model(x, state)[:2], model, inp, tgt, mask, window, opt, clip,
                       lambda state: tuple(t.detach() for t in state))


def run_windows(forward, model, inp, tgt, mask, window, opt=None, clip=0.0, detach=None):
    """The loop both models train and score with: ``forward(x, state) → (y, state)`` over windows
    of ``window`` points with the state carried; if ``opt``, one optimizer step per window
    (gradient-norm clipping; a rare non-finite gradient skips the update, never poisons Adam) and
    the state's history cut by ``detach``. → (sum of log p over the masked points, their count)."""
    state, total, count = None, 0.0, 0.0
    for s in range(0, inp.shape[1], window):
        y, state = forward(inp[:, s:s + window], state)
        lp = log_density(y, tgt[:, s:s + window])
        m = mask[:, s:s + window]
        n = m.sum()
        if opt is not None:
            loss = -(lp * m).sum() / n
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip or float("inf"))
            if torch.isfinite(norm):
                opt.step()
            state = detach(state)
        total += float((lp.detach() * m).sum())
        count += float(n)
    return total, count


@torch.no_grad()
def evaluate(model, ds: Dataset, device, batch=64, run=None) -> float:
    """Mean NLL in nats per predicted point over the lines (zero start, first point input only),
    shortest lines batched together; ``run(model, indices, device) → (sum log p, points)``
    scores a batch (default: the unconditional model on ``ds.lines``)."""
    run = run or (lambda m, idx, dev: run_batch(m, [ds.lines[j] for j in idx], 10 ** 9, dev))
    model.eval()
    order = sorted(range(len(ds.lines)), key=lambda j: len(ds.lines[j]))
    total = count = 0.0
    for i in range(0, len(order), batch):
        t, n = run(model, order[i:i + batch], device)
        total, count = total + t, count + n
    model.train()
    return -total / count


def load_data(args):
    kw = dict(cache_dir=CACHE, progress=not args.quiet)
    train, val = load_split(args.data, args.train_split, **kw), load_split(args.data, args.val_split, **kw)
    for name, ds in (("training", train), ("validation", val)):
        if ds.skipped:
            print(f"skipped {len(ds.skipped)} {name} files, e.g. {ds.skipped[0]}", file=sys.stderr)
    if args.limit:
        train = Dataset(train.names[:args.limit], train.lines[:args.limit], train.skipped)
        val = Dataset(val.names[:args.limit], val.lines[:args.limit], val.skipped)
    if not train.lines or not val.lines:
        raise SystemExit("no usable training or validation lines: check --data and the split lists")
    if args.drop_rests:
        train = Dataset(train.names, [without_rests(x) for x in train.lines], train.skipped)
    return train, val


def resting(points: np.ndarray) -> np.ndarray:
    """Rows where the pen rests: dx = dy = 0 and no lift."""
    return (points[:, 0] == 0) & (points[:, 1] == 0) & (points[:, 2] == 0)


def without_rests(line: np.ndarray) -> np.ndarray:
    """The line without its resting points (a zero offset that ends no stroke): every position and
    pen lift stays where it was, only the repeats of a position go. The first row is kept."""
    rest = resting(line)
    rest[0] = False
    return line[~rest]


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train, val = load_data(args)
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    model = HandwritingModel(args.hidden, args.mixtures, args.dropout).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    meta = {"step": 0, "epoch": 0, "seconds": 0.0, "curve": [], "args": vars(args)}
    if args.resume:
        meta = _resume(model, opt, run_dir, Path(args.compact) if args.compact else None, meta)
    steps_per_epoch = len(batches(train, args.batch, np.random.default_rng(0)))
    n_windows = sum(math.ceil((len(x) - 1) / args.window) for x in train.lines) / len(train.lines)
    total = args.epochs * steps_per_epoch * max(1, round(n_windows))
    print(f"{len(train.lines)} training lines ({train.n_points:,} points), {len(val.lines)} validation; "
          f"{steps_per_epoch} batches per epoch, schedule {total} steps, device {device}", flush=True)
    if args.time_schedule and not args.max_minutes:
        raise SystemExit("--time-schedule needs --max-minutes")
    if args.eval_every < 1:
        raise SystemExit("--eval-every must be ≥ 1")
    clock = {"time": RunClock(), "minutes": args.max_minutes, "first_step": meta["step"]}
    phases, first_epoch, seconds0 = meta.get("phases", []), meta["epoch"] + 1, meta["seconds"]
    best, kept = min((c["val_nll"] for c in meta["curve"]), default=math.inf), 0
    if phases and phases[-1].get("head_only"):
        # an output layer refit to dropout-free cell outputs (training.refit) scores better than any
        # epoch trained with dropout will before its own refit: compare this run's epochs only
        best = math.inf
    while meta["epoch"] < args.epochs and not (args.max_steps and meta["step"] >= args.max_steps):
        if args.max_minutes and _elapsed(clock) >= 1:
            print(f"stopping: --max-minutes {args.max_minutes} reached", flush=True)
            break
        meta = _epoch(model, opt, train, val, args, device, meta, total, clock)
        if not meta["curve"] or meta["curve"][-1]["epoch"] != meta["epoch"]:
            continue  # not an evaluation epoch
        meta["phases"] = phases + [phase_record(args, device, first_epoch, meta, seconds0)]
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "meta": meta}, run_dir / "full.pt")
        if args.compact and meta["curve"][-1]["val_nll"] < best:
            best, kept = meta["curve"][-1]["val_nll"], meta["epoch"]
            save_compact(Path(args.compact), model, meta)
        (run_dir / "curve.json").write_text(json.dumps(meta["curve"], indent=0))
    if args.compact and kept and meta["epoch"] > kept:
        note_ran_to(Path(args.compact), meta)
    return meta


def _resume(model, opt, run_dir: Path, compact: Path | None, meta: dict) -> dict:
    full = run_dir / "full.pt"
    if full.exists():
        ck = torch.load(full, map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        print(f"resumed from {full} at epoch {ck['meta']['epoch']}, step {ck['meta']['step']}")
        return {**ck["meta"], "args": meta["args"]}
    if compact is not None and compact.exists():
        ck = read_compact(compact)
        model.load_state_dict({k: v.float() for k, v in ck["state_dict"].items()})
        print(f"resumed from compact {compact} at epoch {ck['meta']['epoch']} (fresh optimizer moments)")
        return {**ck["meta"], "args": meta["args"]}
    raise SystemExit(f"--resume: neither {full} nor {compact} exists")


def _elapsed(clock: dict) -> float:
    """The share of the --max-minutes budget used so far (≥ 1: time is up), in the run's time
    (training.clock: the time the process was stopped left out)."""
    return clock["time"].share(clock["minutes"])


def _epoch(model, opt, train, val, args, device, meta, total, clock) -> dict:
    rng = np.random.default_rng([args.seed, meta["epoch"]])  # same seed + epoch → same batches
    bs = batches(train, args.batch, rng)
    t0, pts, run_loss = time.time(), 0.0, None
    for i, idx in enumerate(bs):
        if args.max_steps and meta["step"] >= args.max_steps:
            break
        if args.time_schedule:
            fraction = _elapsed(clock)
            if fraction >= 1:
                break
            lr = lr_at(meta["step"] - clock["first_step"], total, args, fraction)
        else:
            lr = lr_at(meta["step"], total, args)
        for g in opt.param_groups:
            g["lr"] = lr
        lines = [augment(train.lines[j], rng, args.augment) for j in idx]
        lp, n = run_batch(model, lines, args.window, device, opt, args.clip)
        meta["step"] += math.ceil(max(len(train.lines[j]) for j in idx) / args.window)
        pts += n
        run_loss = -lp / n if run_loss is None else 0.98 * run_loss - 0.02 * lp / n
        if not args.quiet:
            el = time.time() - t0
            print(f"\repoch {meta['epoch'] + 1}/{args.epochs} [{i + 1}/{len(bs)}] loss {run_loss:.3f} "
                  f"lr {opt.param_groups[0]['lr']:.2e} {pts / el:,.0f} pts/s", end="", flush=True)
    el, run_loss = time.time() - t0, math.nan if run_loss is None else run_loss
    meta = {**meta, "epoch": meta["epoch"] + 1, "seconds": meta["seconds"] + el}
    last = ((args.max_minutes and _elapsed(clock) >= 1) or meta["epoch"] >= args.epochs
            or (args.max_steps and meta["step"] >= args.max_steps))  # the run ends here: always evaluate it
    if meta["epoch"] % args.eval_every and not last:
        print(f"\repoch {meta['epoch']} train {run_loss:.4f} lr {opt.param_groups[0]['lr']:.2e} "
              f"({pts / el:,.0f} pts/s)" + " " * 30, flush=True)
        return meta
    v = evaluate(model, val, device)
    meta["curve"] = meta["curve"] + [{"epoch": meta["epoch"], "step": meta["step"], "train_nll": run_loss,
                                      "val_nll": v, "seconds": round(meta["seconds"], 1)}]
    print(f"\repoch {meta['epoch']}/{args.epochs} train {run_loss:.4f} val {v:.4f} nats/pt "
          f"({pts / el:,.0f} pts/s, {el / 60:.1f} min)" + " " * 20, flush=True)
    return meta


if __name__ == "__main__":
    main()
