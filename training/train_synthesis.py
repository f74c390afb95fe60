"""Train the handwriting synthesis network (``training/synthesis.py``) on IAM-OnDB lines and texts.

    python -m training.train_synthesis                    # CPU (CUDA when present), 2 threads
    python -m training.train_synthesis --resume           # go on from the last checkpoint
    python -m training.train_synthesis --epochs 1 --limit 16 --run-dir /tmp/tiny --compact /tmp/tiny/c.pt

Lines whose transcription holds ``#`` (a word the transcriber could not read) are left out of
training and validation. The alphabet is every character of the training texts, sorted; anything
else maps to one unknown symbol. Lines are batched by similar length and fed in windows of
``--window`` points with the whole state (both LSTMs, κ and w) carried between windows, as in
``training.train``. Each epoch, ``--pairs`` of the lines that follow another line of their form
are fed after that line, as one sequence over both texts joined by a space: priming (§5.5) feeds
a style line and then writes a new line, and single lines alone never show the network a line
that starts after another has ended. Every ``--checkpoint-minutes`` and at each epoch's end the
run folder gets a full checkpoint (optimizer included, the position inside the epoch too) and ``--compact`` a
float16 one (~2 MB) to commit, from which ``--resume`` goes on when the run folder is gone
(fresh optimizer moments). Validation NLL is measured at each epoch's end.
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
from corpora.iam import DEFAULT_ARCHIVE, DEFAULT_TEXTS, Dataset, load_split, load_texts, split_file
from engine.synthesis import read_line

from .checkpoints import ROOT, device_name, read_compact, write_compact
from .clock import RunClock
from .synthesis import SynthesisModel, detach, encode
from .evaluate import dequantized
from .train import batches, lr_at, pad, run_windows
from .train import evaluate as train_evaluate

COMPACT = ROOT / "training" / "synthesis-checkpoint.pt"
GAIN_LINES = 200  # validation lines text_gain is measured on at each epoch's end
HYPER = ("hidden", "layers", "window_k", "mixtures", "batch", "window", "lr", "min_lr", "warmup", "clip",
         "epochs", "time_schedule", "max_minutes", "dropout", "min_step", "dequantize", "pairs", "seed")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_ARCHIVE), help="lineStrokes folder, tar archive, or a pack (.npz)")
    p.add_argument("--texts", default=str(DEFAULT_TEXTS), help="ascii folder, tar archive, or the same pack")
    p.add_argument("--train-split", default=str(split_file("training")))
    p.add_argument("--val-split", default=str(split_file("validation")))
    p.add_argument("--run-dir", default=str(ROOT / "training" / "runs" / "synthesis"))
    p.add_argument("--compact", default=str(COMPACT), help="float16 checkpoint to commit ('' = none)")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--window-k", type=int, default=10, help="Gaussians in the attention window")
    p.add_argument("--mixtures", type=int, default=20)
    p.add_argument("--epochs", type=int, default=30, help="length of the learning-rate schedule")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--window", type=int, default=300, help="points per backpropagation window")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-5)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--clip", type=float, default=3.0, help="gradient-norm clipping")
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--min-step", type=float, default=0.3,
                   help="article units: in the training lines, a pen-down point closer than this to the last "
                        "point kept is merged into the next (its offset carried on; stroke ends and every "
                        "position reached stay). Removes the resting and creeping points, and sets the pace: "
                        "Graves' bias writes in shorter steps than the lines have, and at 0.3 a biased line "
                        "takes fewer points per letter than the lines as recorded (training/README.md, The "
                        "pace under the bias; 0 = off)")
    p.add_argument("--dequantize", action=argparse.BooleanOptionalAction, default=True,
                   help="fresh uniform noise of one tablet unit on every training offset, each batch "
                        "(training.evaluate.dequantized): the offsets are whole tablet units, and a density "
                        "that spikes on the small ones turns, under Graves' bias, into a pen that creeps and "
                        "a window that stalls")
    p.add_argument("--pairs", type=float, default=0.5,
                   help="each epoch, this share of the training lines that follow another line of their form "
                        "is fed after it as one sequence (texts joined by a space), as priming feeds a style "
                        "line before the text (0 = single lines only)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="only the first N usable lines of each split (smoke runs)")
    p.add_argument("--checkpoint-minutes", type=float, default=15.0)
    p.add_argument("--max-minutes", type=float, default=0,
                   help="stop (with a checkpoint) after this wall time, less the time the process was stopped")
    p.add_argument("--max-steps", type=int, default=0, help="stop (with a checkpoint) after this many optimizer steps")
    p.add_argument("--time-schedule", action="store_true",
                   help="the cosine spans --max-minutes (as counted there) instead of --epochs (a run of fixed length)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


class TextLines:
    """Lines with their texts: strokes (T, 3) float32 and the text's character indices."""

    def __init__(self, ds: Dataset, texts: dict[str, str], alphabet: str):
        keep = [i for i, n in enumerate(ds.names) if texts.get(n) and "#" not in texts[n]]
        self.names = [ds.names[i] for i in keep]
        self.lines = [ds.lines[i] for i in keep]
        self.texts = [texts[n] for n in self.names]
        self.chars = [encode(t, alphabet) for t in self.texts]

    @property
    def n_points(self) -> int:
        return sum(len(x) for x in self.lines)

    def subset(self, which: slice) -> "TextLines":
        """The lines ``which`` selects, in new lists (the line arrays themselves are shared)."""
        out = TextLines.__new__(TextLines)
        for k in ("names", "lines", "texts", "chars"):
            setattr(out, k, getattr(self, k)[which])
        return out

    def previous(self) -> list[int]:
        """For each line, the index of the line written just before it on the same form (line
        number one less), or -1 when that line is not among these."""
        index = {line_key(n): i for i, n in enumerate(self.names)}
        return [index.get((form, k - 1), -1) for form, k in map(line_key, self.names)]

    def with_pairs(self, rng: np.random.Generator, share: float, space: int) -> "TextLines":
        """These lines, where ``share`` of those with a line before them (drawn by ``rng``) are
        that line and then this one as one sequence, their texts joined by a space: what the
        network reads when it is primed with a style line (engine.synthesis._priming)."""
        out = self.subset(slice(None))
        if share <= 0:
            return out
        for i, p in enumerate(self.previous()):
            if p >= 0 and rng.random() < share:
                out.lines[i] = np.concatenate([self.lines[p], self.lines[i]])
                out.texts[i] = self.texts[p] + " " + self.texts[i]
                out.chars[i] = self.chars[p] + [space] + self.chars[i]
        return out


def line_key(name: str) -> tuple[str, int]:
    """A line's form and line number: 'lineStrokes/a01/a01-000/a01-000u-03.xml' → ('a01-000u', 3)
    (IAM-OnDB's form ids are unique, and writers.json is keyed by them)."""
    form, k = Path(name).stem.rsplit("-", 1)
    return form, int(k)


def alphabet_of(texts) -> str:
    return "".join(sorted(set("".join(texts))))


def load_data(args):
    kw = dict(cache_dir=CACHE, progress=not args.quiet)
    train, val = load_split(args.data, args.train_split, **kw), load_split(args.data, args.val_split, **kw)
    texts = load_texts(args.texts, train.names + val.names)
    usable = [texts[n] for n in train.names if texts.get(n) and "#" not in texts[n]]
    alphabet = alphabet_of(usable)
    train, val = TextLines(train, texts, alphabet), TextLines(val, texts, alphabet)
    if args.limit:
        train, val = train.subset(slice(args.limit)), val.subset(slice(args.limit))
    if not train.lines or not val.lines:
        raise SystemExit("no usable training or validation lines with texts: check --data, --texts and the splits")
    return train, val, alphabet


def text_partners(texts: list[str]) -> list[int]:
    """For each line, the line whose text it is scored with to see whether the model reads its own:
    lines sorted by text length, neighbours swap (the last of an odd count takes its neighbour's)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    partner = list(range(len(texts)))
    for k in range(0, len(order) - 1, 2):
        partner[order[k]], partner[order[k + 1]] = order[k + 1], order[k]
    if len(order) % 2 and len(order) > 1:
        partner[order[-1]] = order[-2]
    return partner


def text_gain(model, ds: TextLines, device, n: int) -> float:
    """NLL of the first ``n`` lines given another line's text (``text_partners``) minus given their
    own: nats per point the text is worth, ~0 until the window has learnt to read it."""
    sub = ds.subset(slice(n))
    own = evaluate(model, sub, device)
    sub.chars = [sub.chars[j] for j in text_partners(sub.texts)]
    return evaluate(model, sub, device) - own


def text_batch(ds: TextLines, idx, device):
    U = max(len(ds.chars[j]) for j in idx)
    chars = torch.zeros(len(idx), U, dtype=torch.long)
    for b, j in enumerate(idx):
        chars[b, :len(ds.chars[j])] = torch.tensor(ds.chars[j])
    lengths = torch.tensor([len(ds.chars[j]) for j in idx])
    return chars.to(device), lengths.to(device)


def run_batch(model, ds: TextLines, idx, window, device, opt=None, clip=0.0, noise=None):
    """Feed lines in windows with the whole state carried; train if ``opt``; ``noise`` (a numpy
    Generator) dequantizes the lines first. → (sum log p, points)."""
    lines = [ds.lines[j] for j in idx]
    inp, tgt, mask = (t.to(device) for t in pad(dequantized(lines, noise) if noise is not None else lines))
    onehot = model.one_hot(*text_batch(ds, idx, device))
    return run_windows(lambda x, state: model(x, onehot, state)[:2], model, inp, tgt, mask, window, opt, clip, detach)


def evaluate(model, ds: TextLines, device, batch=64) -> float:
    """Mean NLL, nats per predicted point, given each line's text (zero start)."""
    return train_evaluate(model, ds, device, batch, run=lambda m, idx, dev: run_batch(m, ds, idx, 10 ** 9, dev))


def build_model(meta: dict, device):
    a = meta["model"]
    return SynthesisModel(a["alphabet"], a["hidden"], a["layers"], a["window_k"], a["mixtures"], a.get("dropout", 0.0)).to(device)


def save(args, model, opt, meta: dict, run_dir: Path) -> None:
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "meta": meta}, run_dir / "full.pt")
    (run_dir / "curve.json").write_text(json.dumps(meta["curve"], indent=0))
    if args.compact:
        state = {k: v.detach().cpu().half() for k, v in model.state_dict().items()}
        write_compact(Path(args.compact), {"state_dict": state, "meta": meta})


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train, val, alphabet = load_data(args)
    train.lines = [read_line(x, args.min_step) for x in train.lines]
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    meta = {"step": 0, "epoch": 0, "batch": 0, "seconds": 0.0, "curve": [], "phases": [],
            "model": {"alphabet": alphabet, "hidden": args.hidden, "layers": args.layers,
                      "window_k": args.window_k, "mixtures": args.mixtures, "dropout": args.dropout}}
    state_dict, opt_state = None, None
    if args.resume:
        state_dict, opt_state, meta = _resume(run_dir, Path(args.compact) if args.compact else None)
        if meta["model"]["alphabet"] != alphabet:
            raise SystemExit("--resume: the checkpoint's alphabet differs from these training texts")
    model = build_model(meta, device)
    if state_dict is not None:
        model.load_state_dict({k: v.float() for k, v in state_dict.items()})
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    if opt_state is not None:
        opt.load_state_dict(opt_state)
    per_epoch = len(batches(train, args.batch, np.random.default_rng(0)))
    if args.resume:
        meta["batch"] = batch_in_epoch(meta, per_epoch)
    space = encode(" ", alphabet)[0]
    paired = sum(p >= 0 for p in train.previous())
    m = meta["model"]
    print(f"{len(train.lines)} training lines ({train.n_points:,} points), {len(val.lines)} validation; "
          f"alphabet of {len(alphabet)} + unknown; {m['layers']} × {m['hidden']} cells, K = {m['window_k']}; "
          f"{per_epoch} batches per epoch, cosine over {args.epochs} epochs; {args.pairs:.0%} of the {paired:,} lines "
          f"with a line before them fed after it; device {device}", flush=True)
    if args.time_schedule and not args.max_minutes:
        raise SystemExit("--time-schedule needs --max-minutes")
    clock, last_save, seconds0, first_step = RunClock(), time.time(), meta["seconds"], meta["step"]
    phase = {"device": device_name(device, args.threads), "from_epoch": meta["epoch"] + meta["batch"] / per_epoch,
             "torch": str(torch.__version__), "hyperparameters": {k: getattr(args, k) for k in HYPER}}
    phases = list(meta["phases"])

    def checkpoint():
        nonlocal last_save
        done = {**phase, "to_epoch": round(meta["epoch"] + meta["batch"] / per_epoch, 3),
                "seconds": round(meta["seconds"] - seconds0, 1)}
        meta["phases"] = phases + [done]
        save(args, model, opt, meta, run_dir)
        last_save = time.time()

    while meta["epoch"] < args.epochs:
        rng = np.random.default_rng([args.seed, meta["epoch"]])  # same seed + epoch → same batches
        fed = train.with_pairs(np.random.default_rng([args.seed, meta["epoch"], 1]), args.pairs, space)
        bs = batches(fed, args.batch, rng)
        t0, pts, run_loss = time.time(), 0.0, None
        while meta["batch"] < len(bs):
            out_of_time = args.max_minutes and clock.share(args.max_minutes) > 1
            if out_of_time or (args.max_steps and meta["step"] >= args.max_steps):
                checkpoint()
                print(f"\nstopping at step {meta['step']}: {'--max-minutes' if out_of_time else '--max-steps'} reached "
                      "(checkpoint written)", flush=True)
                return meta
            idx = bs[meta["batch"]]
            # the cosine's position: in the run's time (training.clock: pauses left out), or in epochs
            # done (batches of any length count alike)
            if args.time_schedule:
                step, fraction = meta["step"] - first_step, clock.share(args.max_minutes)
            else:
                step, fraction = meta["step"], (meta["epoch"] + meta["batch"] / len(bs)) / args.epochs
            for g in opt.param_groups:
                g["lr"] = lr_at(step, 0, args, fraction)
            t1 = time.time()
            noise = np.random.default_rng([args.seed, meta["epoch"], meta["batch"]]) if args.dequantize else None
            lp, n = run_batch(model, fed, idx, args.window, device, opt, args.clip, noise)
            meta["seconds"] += time.time() - t1
            meta["step"] += math.ceil(max(len(fed.lines[j]) for j in idx) / args.window)
            meta["batch"] += 1
            pts += n
            run_loss = -lp / n if run_loss is None else 0.98 * run_loss - 0.02 * lp / n
            if not args.quiet:
                print(f"\repoch {meta['epoch'] + 1}/{args.epochs} [{meta['batch']}/{len(bs)}] loss {run_loss:.3f} "
                      f"lr {opt.param_groups[0]['lr']:.2e} {pts / (time.time() - t0):,.0f} pts/s", end="", flush=True)
            if time.time() - last_save > 60 * args.checkpoint_minutes:
                checkpoint()
        v, gain = evaluate(model, val, device), text_gain(model, val, device, GAIN_LINES)
        meta["epoch"], meta["batch"] = meta["epoch"] + 1, 0
        meta["curve"] = meta["curve"] + [{"epoch": meta["epoch"], "step": meta["step"], "train_nll": run_loss,
                                          "val_nll": v, "text_gain": gain, "seconds": round(meta["seconds"], 1)}]
        print(f"\repoch {meta['epoch']}/{args.epochs} train {run_loss:.4f} val {v:.4f} nats/pt, text gain "
              f"{gain:.4f} on {min(GAIN_LINES, len(val.lines))} lines ({pts / (time.time() - t0):,.0f} pts/s)" + " " * 30, flush=True)
        checkpoint()
    return meta


def batch_in_epoch(meta: dict, per_epoch: int) -> int:
    """Where in its epoch a resumed run goes on, in batches of this run's size: the last stretch's
    end (``to_epoch``) holds the fraction of the epoch done, whatever batch size counted it."""
    if not meta["phases"] or not meta["batch"]:
        return meta["batch"]
    done = meta["phases"][-1]["to_epoch"] - meta["epoch"]
    return min(per_epoch - 1, max(0, round(done * per_epoch)))


def _resume(run_dir: Path, compact: Path | None):
    full = run_dir / "full.pt"
    if full.exists():
        ck = torch.load(full, map_location="cpu")
        print(f"resumed from {full} at epoch {ck['meta']['epoch']} batch {ck['meta']['batch']}", flush=True)
        return ck["model"], ck["opt"], ck["meta"]
    if compact is not None and compact.exists():
        ck = read_compact(compact)
        print(f"resumed from {compact} at epoch {ck['meta']['epoch']} batch {ck['meta']['batch']} "
              "(fresh optimizer moments)", flush=True)
        return ck["state_dict"], None, ck["meta"]
    raise SystemExit(f"--resume: neither {full} nor {compact} exists")


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
