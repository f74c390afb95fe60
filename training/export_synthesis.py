"""Export the synthesis network to the engine's weights container.

    python -m training.export_synthesis                      # training/synthesis-checkpoint.pt → weights/synthesis.hwlstm
    python -m training.export_synthesis --checkpoint PATH --out PATH --encoding f4

Each LSTM layer goes out as the unconditional export writes its one layer: torch's gates i, f, g, o
reordered to the file's i, g, f, o, the two biases summed and the engine's fixed forget bias (+1)
taken out of the forget gate's. Input rows keep torch's order ([x, w] for the first layer, [x, h
below, w] for the others), then the recurrent rows.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from engine import synthesis as engine_synthesis

from .checkpoints import ROOT, read_compact
from .synthesis import SynthesisModel
from .train_synthesis import COMPACT, build_model

FORGET_BIAS = 1.0
OUT = ROOT / "weights" / "synthesis.hwlstm"


def _gates(w: np.ndarray) -> np.ndarray:
    """Torch's row blocks i, f, g, o → the file's i, g, f, o (along the first axis)."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, g, f, o], axis=0)


def _layer(w_ih, w_hh, b_ih, b_hh) -> tuple[np.ndarray, np.ndarray]:
    W = _gates(np.concatenate([w_ih, w_hh], axis=1)).T  # (inputs + H, 4H)
    b = _gates(b_ih + b_hh)
    H = W.shape[1] // 4
    b[2 * H:3 * H] -= FORGET_BIAS
    return W, b


def _torch_gates(w: np.ndarray) -> np.ndarray:
    """The file's gate blocks i, g, f, o → torch's i, f, g, o (along the first axis)."""
    i, g, f, o = np.split(w, 4, axis=0)
    return np.concatenate([i, f, g, o], axis=0)


def model_from(meta: dict, tensors: dict) -> SynthesisModel:
    """The inverse of :func:`tensors_from`: a float64 PyTorch network holding a weights file's
    values (the forget bias back in the learned bias, all of it in ``bias_ih``)."""
    H = tensors["layer1.W"].shape[1] // 4
    model = SynthesisModel(meta["alphabet"], H, int(meta["layers"]), int(meta["window"]),
                           (tensors["W_out"].shape[1] - 1) // 6).double()
    sd = {}
    for layer in range(1, int(meta["layers"]) + 1):
        W, b = np.array(tensors[f"layer{layer}.W"]), np.array(tensors[f"layer{layer}.b"])
        b[2 * H:3 * H] += float(meta.get("forget_bias", FORGET_BIAS))
        W, b = _torch_gates(W.T), _torch_gates(b)
        n_in = W.shape[1] - H
        names = ("cell1.weight_ih", "cell1.weight_hh", "cell1.bias_ih", "cell1.bias_hh") if layer == 1 else \
            tuple(f"upper.{layer - 2}.{n}_l0" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        for name, value in zip(names, (W[:, :n_in], W[:, n_in:], b, np.zeros_like(b))):
            sd[name] = torch.from_numpy(np.ascontiguousarray(value))
    sd["window.weight"], sd["window.bias"] = torch.from_numpy(tensors["window.W"].T.copy()), torch.from_numpy(tensors["window.b"])
    sd["head.weight"], sd["head.bias"] = torch.from_numpy(tensors["W_out"].T.copy()), torch.from_numpy(tensors["b_out"])
    model.load_state_dict(sd)
    return model.eval()


def tensors_from(model: SynthesisModel) -> tuple[dict, dict]:
    """The network → (meta, tensors) for :func:`engine.synthesis.dumps`, float64."""
    sd = {k: v.detach().double().cpu().numpy() for k, v in model.state_dict().items()}
    t = {}
    t["layer1.W"], t["layer1.b"] = _layer(sd["cell1.weight_ih"], sd["cell1.weight_hh"], sd["cell1.bias_ih"], sd["cell1.bias_hh"])
    for i in range(model.layers - 1):
        p = f"upper.{i}."
        t[f"layer{i + 2}.W"], t[f"layer{i + 2}.b"] = _layer(sd[p + "weight_ih_l0"], sd[p + "weight_hh_l0"],
                                                            sd[p + "bias_ih_l0"], sd[p + "bias_hh_l0"])
    t["window.W"], t["window.b"] = sd["window.weight"].T, sd["window.bias"]
    t["W_out"], t["b_out"] = sd["head.weight"].T, sd["head.bias"]
    meta = {"kind": engine_synthesis.KIND, "alphabet": model.alphabet, "layers": model.layers, "window": model.K,
            "gate_order": "igfo", "forget_bias": FORGET_BIAS, "input_scale": [1.0, 1.0],
            "provenance": "trained on IAM-OnDB by this repository's training/train_synthesis.py; see weights/synthesis.md"}
    return meta, t


def load_checkpoint(path: Path) -> tuple[SynthesisModel, dict]:
    ck = read_compact(path)
    state = ck.get("state_dict", ck.get("model"))
    model = build_model(ck["meta"], torch.device("cpu"))
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.eval(), ck["meta"]


def main(argv=None) -> Path:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=str(COMPACT))
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--encoding", default="q8", choices=["q8", "f2", "f4"])
    a = p.parse_args(argv)
    model, meta = load_checkpoint(Path(a.checkpoint))
    out = Path(a.out)
    meta_out, tensors = tensors_from(model)
    # how the last stretch fed its lines, so the engine reads a style's strokes the same way
    meta_out["min_step"] = float(meta.get("phases", [{}])[-1].get("hyperparameters", {}).get("min_step", 0.0))
    out.write_bytes(engine_synthesis.dumps(meta_out, tensors, encoding=a.encoding))
    print(f"wrote {out} ({out.stat().st_size:,} bytes) from epoch {meta['epoch']} batch {meta['batch']}")
    return out


if __name__ == "__main__":
    main()
