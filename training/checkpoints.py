"""Checkpoints and the record of each stretch of training.

The compact checkpoint ``training/checkpoint.pt`` (float16 weights, gzip, ~2 MB) is committed and
replaced whenever validation improves, so training can go on from it (``--resume``); its ``meta``
carries the step, the schedule position, the validation curve and ``phases``: one record per
stretch of training (where it ran, how long, with which settings), which the model card prints.
"""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
COMPACT = ROOT / "training" / "checkpoint.pt"


def save_compact(path: Path, model, meta: dict) -> None:
    """Float16 weights + schedule position: small enough to commit, replaced when validation improves."""
    state = {k: v.detach().cpu().half() for k, v in model.state_dict().items()}
    write_compact(path, {"state_dict": state, "meta": meta})


def write_compact(path: Path, checkpoint: dict) -> None:
    """torch.save, gzip-compressed (float16 weights: 2.15 → ~2.0 MB, under 2 MiB), atomically."""
    buf = io.BytesIO()
    torch.save(checkpoint, buf)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(buf.getvalue(), mtime=0))
    tmp.replace(path)


def read_compact(path: Path) -> dict:
    """A compact (gzip) or full (plain torch.save) checkpoint."""
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return torch.load(io.BytesIO(data), map_location="cpu")


def note_ran_to(path: Path, meta: dict) -> None:
    """The compact checkpoint keeps the best epoch; record in its last stretch how far the run
    went past it and what validation did there (the model card says so)."""
    ck = read_compact(path)
    last = meta["curve"][-1]
    ck["meta"]["phases"][-1]["ran_to"] = {"epoch": meta["epoch"], "val_nll": last["val_nll"],
                                          "train_nll": last["train_nll"]}
    write_compact(path, ck)


HYPER = ("batch", "window", "lr", "min_lr", "warmup", "clip", "epochs", "time_schedule", "max_minutes",
         "dropout", "augment", "drop_rests", "seed", "hidden", "mixtures")


def device_name(device, threads: int) -> str:
    """Where a stretch ran, as the model card names it: the GPU's name, or "CPU, N threads"."""
    return torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {threads} thread{'s' * (threads != 1)}"


def phase_record(args, device, first_epoch: int, meta: dict, seconds0: float) -> dict:
    """One stretch of training (one invocation) for the model card: where, how long, how."""
    return {"device": device_name(device, args.threads), "epochs": [first_epoch, meta["epoch"]], "seconds": round(meta["seconds"] - seconds0, 1),
            "torch": str(torch.__version__), "hyperparameters": {k: getattr(args, k) for k in HYPER}}
