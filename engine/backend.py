"""Where a model's products run: the seam between a model and its arithmetic.

A model holds its weights as layers and asks a backend for every product with them:

    backend.step(lstm, x, h, c)      one LSTM update: x (B, I), h and c (B, H), or one row of each
                                     shared by all B rows of x → State (B, H)
    backend.sequence(lstm, x, state) the update fed T rows of x (T, I) one after another from one
                                     state (one row) → State (T, H), the state after each row
    backend.linear(layer, a)         a (..., n_in) · W + b → (..., n_out)
    backend.sync()                   re-send weights edited since they were loaded; True if it did

:class:`NumpyBackend` is the default and the reference; ``engine.kernel.KernelBackend`` runs the
same methods on the WebAssembly kernel in the browser. A model with several layers (each with its
own inputs: the point, another layer's h, a window) routes each of them through the same methods.
"""
from __future__ import annotations

import sys
from typing import NamedTuple, Protocol

import numpy as np

if sys.platform == "emscripten":  # Pyodide's numpy has no BLAS: einsum measured ~1.6× faster than @,
    def _dot(a, w):               # and ~10–20 % faster again on weights stored column-major (weight_order)
        return np.einsum("...i,ij->...j", a, w)

    weight_order = np.asfortranarray
else:
    _dot = np.matmul
    weight_order = np.ascontiguousarray


class State(NamedTuple):
    h: np.ndarray  # (B, H) hidden output
    c: np.ndarray  # (B, H) cell state


class Lstm:
    """An LSTM layer's weights in the form every backend computes with:

        z  = [x, h] · W + b          W (I + H, 4H): the I input rows, then the H recurrent ones
        t  = tanh(z);  i, f, o = 0.5 + 0.5·t;  g = t      columns i, f, o (halved) | g
        c' = f·c + i·g;  h' = o·tanh(c')

    so one tanh over all gates gives σ(z) = 0.5 + 0.5·tanh(z / 2) for i, f, o. W and b may be
    edited in place or replaced (the reader's console does both); ``inputs``, ``hidden`` and
    ``dtype`` are fixed."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        if W.ndim != 2 or b.shape != (W.shape[1],) or W.shape[1] % 4 or W.shape[0] <= W.shape[1] // 4:
            raise ValueError(f"an LSTM layer needs W (I + H, 4H) and b (4H,), got {W.shape} and {b.shape}")
        self.W, self.b = W, b
        self.hidden = W.shape[1] // 4
        self.inputs = W.shape[0] - self.hidden
        self.dtype = W.dtype

    @classmethod
    def from_file(cls, W, b, forget_bias: float, dtype) -> "Lstm":
        """A layer as weights files store it (gates i, g, f, o; the forget bias apart) → this
        form: columns i, f, o | g, the sigmoid gates' halved (exact in binary), the forget bias in b."""
        W, b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
        H = W.shape[1] // 4
        b[2 * H:3 * H] += forget_bias
        cols = np.concatenate([np.arange(0, H), np.arange(2 * H, 3 * H), np.arange(3 * H, 4 * H), np.arange(H, 2 * H)])
        half = np.concatenate([np.full(3 * H, 0.5), np.ones(H)])
        return cls(weight_order((W[:, cols] * half).astype(dtype)), (b[cols] * half).astype(dtype))

    @property
    def Wx(self) -> np.ndarray:  # noqa: N802 — the weights' names in the equations
        """(I, 4H) the input rows of W (a view)."""
        return self.W[:self.inputs]

    @property
    def Wh(self) -> np.ndarray:  # noqa: N802
        """(H, 4H) the recurrent rows of W (a view)."""
        return self.W[self.inputs:]


class Linear:
    """A layer y = a · W + b: W (n_in, n_out), b (n_out,); edited or replaced as :class:`Lstm`'s."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"a linear layer needs W (n_in, n_out) and b (n_out,), got {W.shape} and {b.shape}")
        self.W, self.b = W, b
        self.dtype = W.dtype


class Backend(Protocol):
    """What a model asks of its backend (the module docstring says what each method computes)."""

    def step(self, lstm: Lstm, x, h, c) -> State: ...

    def sequence(self, lstm: Lstm, x, state: State) -> State: ...

    def linear(self, layer: Linear, a) -> np.ndarray: ...

    def sync(self) -> bool: ...


def _cell(z, c, H: int) -> State:
    """z (B, 4H) pre-activations in the internal order i, f, o (halved) | g → the new state."""
    t = np.tanh(z)
    s = t[:, :3 * H]
    s *= 0.5
    s += 0.5  # σ for i, f, o in place
    c = s[:, H:2 * H] * c + s[:, :H] * t[:, 3 * H:]
    return State(s[:, 2 * H:] * np.tanh(c), c)


class NumpyBackend:
    """Every product in NumPy, in the layers' dtype: BLAS in CPython, einsum in Pyodide."""

    def step(self, lstm: Lstm, x, h, c) -> State:
        if len(h) == len(x):  # one product for [x, h]: fewer numpy calls, which is what batch 1 pays for
            z = _dot(np.concatenate((x, h), axis=1, dtype=lstm.dtype), lstm.W)
        else:  # one row of h for all B rows of x: the recurrent product is done once
            z = _dot(np.asarray(h, dtype=lstm.dtype), lstm.Wh) + _dot(np.asarray(x, dtype=lstm.dtype), lstm.Wx)
        z += lstm.b
        return _cell(z, c, lstm.hidden)

    def sequence(self, lstm: Lstm, x, state: State) -> State:
        x = np.asarray(x, dtype=lstm.dtype)
        xz = _dot(x, lstm.Wx) + lstm.b  # (T, 4H): the input part of every step at once
        Wh = lstm.Wh
        hs = np.empty((len(x), lstm.hidden), dtype=lstm.dtype)
        cs = np.empty_like(hs)
        h, c = state
        for t in range(len(x)):
            h, c = _cell(xz[t:t + 1] + _dot(h, Wh), c, lstm.hidden)
            hs[t], cs[t] = h[0], c[0]
        return State(hs, cs)

    def linear(self, layer: Linear, a) -> np.ndarray:
        return _dot(np.asarray(a, dtype=layer.dtype), layer.W) + layer.b

    def sync(self) -> bool:
        return False  # NumPy reads the layers' arrays as they are at every call


NUMPY = NumpyBackend()  # it keeps no state: every model shares one
