"""Weight files: round trips, quantization error, and one test per kind of malformed file."""
import base64
import json
import struct

import numpy as np
import pytest

import engine
from engine import weights as W
from tests.helpers import random_line, random_weights


def test_round_trip_exact_in_f4_and_close_in_q8():
    w = random_weights(hidden=16, mixtures=4, input_scale=[1.5, 2.0], provenance={"run": "test"})
    back = W.load(W.dumps(w, "f4"))
    for name in ("W", "b", "W_out", "b_out"):
        np.testing.assert_allclose(getattr(back, name), getattr(w, name), rtol=1e-6, atol=1e-7)
    assert back.meta["input_scale"] == [1.5, 2.0] and back.meta["provenance"] == {"run": "test"}
    q = W.load(W.dumps(w, "q8"))
    step = np.abs(w.W).max(axis=0) / 127  # per-column quantization step
    assert np.all(np.abs(q.W - w.W) <= step / 2 + 1e-7)
    np.testing.assert_array_equal(q.b, back.b)  # biases stay float32
    line = random_line()
    assert abs(engine.nll(engine.Model(q), line) - engine.nll(engine.Model(back), line)) < 0.05


def test_2016_format_reads(reference_dir):
    w = W.load(reference_dir / "b64_weights.json")
    assert (w.hidden, w.mixtures, w.W.shape) == (500, 20, (503, 2000))
    assert np.abs(w.W[3:]).max() <= 0.8 + 1e-12  # Whh scale


def legacy(hidden=4, mixtures=1):
    rng = np.random.default_rng(0)
    def rows(r, c):
        return [base64.b64encode(rng.integers(0, 255, c, dtype=np.uint8).tobytes()).decode() for _ in range(r)]
    n_out = 1 + 6 * mixtures
    return [rows(hidden, n_out), rows(1, n_out)[0], rows(3, 4 * hidden), rows(hidden, 4 * hidden), rows(1, 4 * hidden)[0]]


def test_small_legacy_file_loads():
    w = W.load(json.dumps(legacy()).encode())
    assert w.hidden == 4 and w.W.shape == (7, 16)


@pytest.mark.parametrize("mutate,match", [
    (lambda e: e.__setitem__(3, ["!!not base64!!"] * 4), "Whh holds invalid Base64"),
    (lambda e: e.__setitem__(0, e[0][:3]), "W_out has shape"),
    (lambda e: e.pop(), "list of 5 tensors"),
    (lambda e: e.__setitem__(4, 17), "tensor b must be"),
    (lambda e: e.__setitem__(2, e[2][:2] + [e[2][2][:8]]), "Wxh has rows of different lengths"),
])
def test_malformed_2016_file(mutate, match):
    entries = legacy()
    mutate(entries)
    with pytest.raises(ValueError, match=match):
        W.load(json.dumps(entries).encode())


def _project(**header_changes):
    data = W.dumps(random_weights(), "q8")
    (n,) = struct.unpack_from("<I", data, 8)
    header = json.loads(data[12:12 + n])
    payload = data[12 + n:]
    for key, fn in header_changes.items():
        fn(header) if callable(fn) else header.__setitem__(key, fn)
    h = json.dumps(header).encode()
    return W.MAGIC + struct.pack("<I", len(h)) + h + payload


@pytest.mark.parametrize("data,match", [
    (_project(version=2), "version 2 unsupported"),
    (_project(drop=lambda h: h["tensors"].pop(0)), "tensor W missing"),
    (_project(shape=lambda h: h["tensors"][2].__setitem__("shape", [9, 19])), "W_out is truncated or its size"),
    (_project(enc=lambda h: h["tensors"][0].__setitem__("encoding", "q4")), "unknown encoding"),
    (_project(gate=lambda h: h["meta"].__setitem__("gate_order", "ifgo")), "gate_order"),
    (_project(scale=lambda h: h["meta"].__setitem__("input_scale", [0, 1])), "input_scale"),
    (W.dumps(random_weights())[:-40], "b_out is truncated"),
    (W.MAGIC + b"\xff\xff", "corrupt header"),
    (b"PK\x03\x04 something else", "unknown format"),
    (b"[1, 2", "not valid JSON"),
])
def test_malformed_project_file(data, match):
    with pytest.raises(ValueError, match=match):
        W.load(data)


def test_non_finite_tensor_named():
    w = random_weights()
    w.W_out[0, 0] = np.nan
    with pytest.raises(ValueError, match="W_out holds non-finite"):
        W.dumps(w, "f4")


def test_unreadable_path():
    with pytest.raises(ValueError, match="cannot read"):
        W.load("/nonexistent/weights.hwlstm")
