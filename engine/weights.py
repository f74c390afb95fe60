"""Weight files: the 2016 article's ``b64_weights.json`` and the project's own compact format.

Both load into one in-memory form, :class:`Weights`. The project format (``.hwlstm``):

    8 bytes   magic b"HWLSTM\\r\\n"
    4 bytes   header length N, uint32 little-endian
    N bytes   JSON header: {"format": "hwlstm", "version": 1, "meta": {...},
              "tensors": [{"name", "shape", "encoding", "offset", "nbytes"}, ...]}
    payload   tensors at their offsets. Encodings: "f4" float32, "f2" float16, "q8" int8 values
              followed by one float32 scale per column (value = int8 × scale[column]).

``meta`` holds ``gate_order`` ("igfo"), ``forget_bias`` (added to the forget gate's
pre-activation), ``input_scale`` ([sx, sy]: the model sees dx / sx, dy / sy) and ``provenance``.
The synthesis model (:mod:`engine.synthesis`) uses the same container with its own tensors and
``meta.kind`` = "synthesis"; :func:`read_container` and :func:`write_container` serve both.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from dataclasses import dataclass, field

import numpy as np

MAGIC = b"HWLSTM\r\n"
VERSION = 1
GATE_ORDER = "igfo"  # input, candidate g (tanh), forget, output: the 2016 model's order
# What a weights file's ``meta`` means when it leaves a key out (the 2016 model's conventions).
DEFAULT_META = {"gate_order": GATE_ORDER, "forget_bias": 1.0, "input_scale": [1.0, 1.0]}
# The 2016 file: 5 tensors in this order, int8 stored as (value / scale × 127 + 127) bytes.
LEGACY_TENSORS = (("W_out", 1.5), ("b_out", 2.5), ("Wxh", 2.0), ("Whh", 0.8), ("b", 1.5))


@dataclass
class Weights:
    """W (I+H, 4H) = [Wxh; Whh], gates i, g, f, o; b (4H,); W_out (H, 1+6M); b_out (1+6M,)."""

    W: np.ndarray
    b: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.meta = {**DEFAULT_META, **self.meta}

    @property
    def hidden(self) -> int:
        return self.W.shape[-1] // 4  # four gates per cell

    @property
    def mixtures(self) -> int:
        return (self.W_out.shape[1] - 1) // 6

    def check(self) -> "Weights":
        """ValueError naming the tensor whose shape or values do not fit the others."""
        if self.W.ndim != 2 or self.W.shape[1] % 4:
            raise ValueError(f"weights: tensor W has shape {self.W.shape}, expected (3 + H, 4H)")
        H = self.hidden
        n_out = self.W_out.shape[1] if self.W_out.ndim == 2 else -1
        check_tensors({"W_out": (H, n_out), "b_out": (n_out,), "W": (3 + H, 4 * H), "b": (4 * H,)},
                      {name: getattr(self, name) for name in ("W_out", "b_out", "W", "b")})
        meta = self.meta
        if meta["gate_order"] != GATE_ORDER:
            raise ValueError(f"weights: meta.gate_order {meta['gate_order']!r} unsupported, expected {GATE_ORDER!r}")
        scale = np.asarray(meta["input_scale"], dtype=np.float64)
        if scale.shape != (2,) or not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise ValueError(f"weights: meta.input_scale must be two positive numbers, got {meta['input_scale']!r}")
        if not np.isfinite(float(meta["forget_bias"])):
            raise ValueError("weights: meta.forget_bias must be a finite number")
        return self


def check_tensors(expect: dict, tensors: dict) -> None:
    """ValueError naming the first tensor whose shape is not ``expect[name]`` or that holds a
    non-finite value, or an output width (``W_out``'s columns) that is not 1 + 6 × mixtures."""
    for name, shape in expect.items():
        arr = tensors[name]
        if arr.shape != shape:
            raise ValueError(f"weights: tensor {name} has shape {arr.shape}, expected {shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"weights: tensor {name} holds non-finite values")
    n_out = expect["W_out"][1]
    if n_out < 7 or (n_out - 1) % 6:
        raise ValueError(f"weights: output width {n_out} is not 1 + 6 × mixtures")


def read_source(source) -> bytes:
    """A weights path or the file's bytes → the bytes; TypeError for anything else, ValueError
    for a file that cannot be read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"weights: expected a path or bytes, got {type(source).__name__}")
    return _read(source)


def load(source) -> Weights:
    """A path or the file's bytes, in either format (auto-detected) → checked :class:`Weights`
    (the one check a loaded model gets: :class:`engine.model.Model` trusts what it is given)."""
    data = read_source(source)
    if data.startswith(MAGIC):
        return _load_project(data).check()
    if data.lstrip()[:1] == b"[":
        return _load_2016(data).check()
    raise ValueError("weights: unknown format (neither the project's .hwlstm nor the 2016 JSON list)")


def _read(path) -> bytes:
    try:
        with open(os.fspath(path), "rb") as f:
            return f.read()
    except OSError as exc:
        raise ValueError(f"weights: cannot read {path}: {exc.strerror}") from None


def _load_2016(data: bytes) -> Weights:
    try:
        entries = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"weights: 2016 file is not valid JSON ({exc})") from None
    if not isinstance(entries, list) or len(entries) != len(LEGACY_TENSORS):
        raise ValueError(f"weights: 2016 file must be a list of {len(LEGACY_TENSORS)} tensors "
                         f"({', '.join(n for n, _ in LEGACY_TENSORS)})")
    t = {name: _decode_legacy(name, entry, scale) for (name, scale), entry in zip(LEGACY_TENSORS, entries)}
    if t["Wxh"].ndim != 2 or t["Whh"].ndim != 2 or t["Wxh"].shape[1] != t["Whh"].shape[1]:
        raise ValueError(f"weights: tensors Wxh {t['Wxh'].shape} and Whh {t['Whh'].shape} do not stack")
    meta = {"provenance": "Carter, Ha, Johnson & Olah (2016), Distill: b64_weights.json"}
    return Weights(np.vstack([t["Wxh"], t["Whh"]]), t["b"], t["W_out"], t["b_out"], meta)


def _decode_legacy(name: str, entry, scale: float) -> np.ndarray:
    rows = entry if isinstance(entry, list) else [entry]
    if not rows or not all(isinstance(r, str) for r in rows):
        raise ValueError(f"weights: tensor {name} must be a Base64 string or a list of them")
    try:
        raw = [base64.b64decode(r, validate=True) for r in rows]
    except (binascii.Error, ValueError):
        raise ValueError(f"weights: tensor {name} holds invalid Base64") from None
    if len({len(r) for r in raw}) != 1:
        raise ValueError(f"weights: tensor {name} has rows of different lengths")
    arr = np.frombuffer(b"".join(raw), dtype=np.uint8).astype(np.float64).reshape(len(raw), -1)
    arr = (arr - 127.0) / 127.0 * scale
    return arr if isinstance(entry, list) else arr[0]


def _load_project(data: bytes) -> Weights:
    meta, tensors = read_container(data, ("W", "b", "W_out", "b_out"))
    return Weights(**tensors, meta=meta)


def read_container(data: bytes, names) -> tuple[dict, dict[str, np.ndarray]]:
    """The project container's ``meta`` and the tensors ``names`` (float64); ValueError naming
    what is missing, corrupt or of another version. Every model kind here uses this container."""
    if not bytes(data[:len(MAGIC)]) == MAGIC:
        raise ValueError("weights: not a .hwlstm file")
    try:
        (n,) = struct.unpack_from("<I", data, len(MAGIC))
        header = json.loads(bytes(data[len(MAGIC) + 4:len(MAGIC) + 4 + n]))
    except (struct.error, json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError("weights: corrupt header") from None
    if not isinstance(header, dict) or header.get("version") != VERSION:
        raise ValueError(f"weights: format version {header.get('version') if isinstance(header, dict) else None!r} "
                         f"unsupported, this engine reads version {VERSION}")
    payload = memoryview(data)[len(MAGIC) + 4 + n:]
    specs = {t.get("name"): t for t in header.get("tensors", []) if isinstance(t, dict)}
    arrays = {}
    for name in names:
        if name not in specs:
            raise ValueError(f"weights: tensor {name} missing")
        arrays[name] = _decode_tensor(specs[name], payload)
    meta = header.get("meta", {})
    return (dict(meta) if isinstance(meta, dict) else {}), arrays


def _decode_tensor(spec: dict, payload: memoryview) -> np.ndarray:
    name = spec["name"]
    try:
        shape = tuple(int(s) for s in spec["shape"])
        off, nbytes, enc = int(spec["offset"]), int(spec["nbytes"]), spec["encoding"]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"weights: tensor {name} has an incomplete description") from None
    count = int(np.prod(shape))
    cols = shape[-1] if shape else 1
    need = {"f4": 4 * count, "f2": 2 * count, "q8": count + 4 * cols}.get(enc)
    if need is None:
        raise ValueError(f"weights: tensor {name} has unknown encoding {enc!r} (f4, f2, q8)")
    if nbytes != need or off < 0 or off + nbytes > len(payload):
        raise ValueError(f"weights: tensor {name} is truncated or its size does not match shape {shape}")
    buf = payload[off:off + nbytes]
    if enc == "q8":
        q = np.frombuffer(buf[:count], dtype=np.int8).reshape(shape)
        return q * np.frombuffer(buf[count:], dtype="<f4").astype(np.float64)
    return np.frombuffer(buf, dtype="<f4" if enc == "f4" else "<f2").astype(np.float64).reshape(shape)


def dumps(weights: Weights, encoding: str = "q8") -> bytes:
    """:class:`Weights` → the project format. ``encoding``: "q8" (compact), "f2" or "f4" (exact)."""
    weights.check()
    return write_container(weights.meta, {name: getattr(weights, name) for name in ("W", "b", "W_out", "b_out")}, encoding)


def write_container(meta: dict, tensors: dict, encoding: str = "q8") -> bytes:
    """``meta`` and named tensors → the project container: matrices in ``encoding`` ("q8"
    compact, "f2" or "f4" exact), vectors always "f4" (biases are tiny: kept exact)."""
    if encoding not in ("q8", "f2", "f4"):
        raise ValueError(f"encoding must be one of 'q8', 'f2', 'f4', got {encoding!r}")
    specs, blobs, off = [], [], 0
    for name, arr in tensors.items():
        arr = np.asarray(arr, dtype=np.float64)
        enc = encoding if arr.ndim == 2 else "f4"
        blob = _encode(arr, enc)
        specs.append({"name": name, "shape": list(arr.shape), "encoding": enc, "offset": off, "nbytes": len(blob)})
        blobs.append(blob)
        off += len(blob)
    header = json.dumps({"format": "hwlstm", "version": VERSION, "meta": meta, "tensors": specs},
                        sort_keys=True).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(blobs)


def _encode(arr: np.ndarray, enc: str) -> bytes:
    if enc == "f4":
        return arr.astype("<f4").tobytes()
    if enc == "f2":
        return arr.astype("<f2").tobytes()
    scale = np.abs(arr).max(axis=0) / 127.0  # one scale per column (per gate unit / output)
    scale = np.where(scale > 0, scale, 1.0).astype("<f4")
    q = np.clip(np.rint(arr / scale), -127, 127).astype(np.int8)
    return q.tobytes() + scale.tobytes()
