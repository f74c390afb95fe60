"""The WebAssembly SIMD kernel of ``kernel/lstm.c`` as a backend (:mod:`engine.backend`): the LSTM
and linear layers of a model's step, which the browser's worker hands in.

Pyodide's numpy has no BLAS and no SIMD, so in the browser the products with the weights are most
of every step; the kernel does an LSTM layer's whole update (product, gates, cell) in one call, and
the linear layer that reads its new h in the same call (docs/design.md has the measurements).
Sampling, the temperature rule and the synthesis model's window arithmetic stay in NumPy, one
implementation for both paths. CPython never uses this module; nothing here imports ``js``:
``kernel`` is the JS object ``LstmKernel.create()`` gave, as Python sees it (any object with the
same methods will do, which is how the tests drive it).

    backend = attach(model, kernel)   # model.backend: every layer of model.layers() on the kernel
    backend.sync()                    # re-send the weights of layers that changed (the console calls it)

One kernel holds every layer of one model (``model.layers()``: the handwriting model's LSTM and
output layer; the synthesis model's LSTM layers, window and head), each with its own sizes. A
layer it does not hold is refused (``ValueError``), never run on NumPy behind the caller's back.
A linear layer listed right after an LSTM layer and reading its h (n_in = H) is computed in the
same kernel call as that layer's step; ``linear`` returns that result when asked for the h the
step returned (an identity check, so a linear layer that reads something else is still computed).

Arrays cross by copies into views of the kernel's I/O buffers (``assign`` / ``assign_to``, one
memcpy each), not as call arguments, which would wrap each array in a proxy first.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

from .backend import Linear, Lstm, State

BLOCK = 256  # rows of a linear layer per kernel call when a whole line's outputs are asked for


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _checksum(layer) -> int:
    crc = 0
    for a in (layer.W, layer.b):
        crc = zlib.crc32(a.T if a.flags.f_contiguous and not a.flags.c_contiguous else _f32(a), crc)
    return crc


class KernelBackend:
    """The :class:`engine.backend.Backend` methods on one kernel, for the layers ``layers`` (an
    :class:`Lstm` or :class:`Linear` each, in the order a step computes them) it holds."""

    def __init__(self, kernel, layers: Iterable[Lstm | Linear]):
        self.layers = tuple(layers)
        for layer in self.layers:
            if not isinstance(layer, (Lstm, Linear)):
                raise ValueError(f"the kernel holds LSTM and linear layers, not {type(layer).__name__}")
            if layer.dtype != np.float32:
                raise ValueError("the kernel computes in float32")
        if not self.layers:
            raise ValueError("the kernel needs at least one layer")
        self.kernel = kernel
        self._index = {layer: i for i, layer in enumerate(self.layers)}
        self._shapes = [(layer.W.shape, layer.b.shape) for layer in self.layers]
        self._follow = {i: i + 1 for i, (a, b) in enumerate(zip(self.layers, self.layers[1:]))
                        if isinstance(a, Lstm) and isinstance(b, Linear) and b.W.shape[0] == a.hidden}
        self._views: dict[tuple[int, int, int], tuple] = {}
        self._capacity = 0
        self._last: dict[int, tuple] = {}  # linear layer → (h, y): its outputs the last step computed with h
        kernel.clear()
        for layer in self.layers:
            W, b = _f32(layer.W), _f32(layer.b)
            if isinstance(layer, Lstm):
                kernel.addLstm(W, b, layer.inputs, layer.hidden)
            else:
                kernel.addLinear(W, b, *layer.W.shape)
        self._checksums = [_checksum(layer) for layer in self.layers]

    def sync(self) -> bool:
        """Re-send the weights of every layer that changed since it was loaded (an edit in the
        console, in place or by assignment); True when any was."""
        sent = False
        for i, layer in enumerate(self.layers):
            crc = _checksum(layer)
            if crc == self._checksums[i]:
                continue
            if (layer.W.shape, layer.b.shape) != self._shapes[i]:
                raise ValueError(f"layer {i}'s weights are now {layer.W.shape} and {layer.b.shape}; the kernel holds "
                                 f"it as {self._shapes[i][0]} and {self._shapes[i][1]}")
            self.kernel.update(i, _f32(layer.W), _f32(layer.b))
            self._checksums[i] = crc
            sent = True
        if sent:
            self._last.clear()
        return sent

    def compact(self, layer) -> tuple[bool, ...]:
        """For an LSTM layer, per block of its rows (its input rows, its recurrent rows): whether the
        kernel also holds them as integers × a unit per column (quantized weights); () for a linear
        layer (float panels only)."""
        return tuple(bool(v) for v in self.kernel.layers[self._held(layer, type(layer), "layer")].compact)

    def _views_for(self, i: int, B: int, rows: int) -> tuple:
        if B > self._capacity:  # the kernel's memory may grow: every view made before is detached
            self._capacity = max(B, 2 * self._capacity)
            self.kernel.reserve(self._capacity)
            self._views.clear()
        v = self._views.get((i, B, rows))
        if v is None:  # an LSTM's x, h, c, h2, c2; a linear layer's a, y
            v = self._views[i, B, rows] = tuple(self.kernel.views(i, B, rows))
        return v

    def _held(self, layer, kind, what: str) -> int:
        i = self._index.get(layer)
        if i is None or not isinstance(layer, kind):
            raise ValueError(f"this kernel does not hold this {what}: a layer runs on the kernel that loaded it")
        return i

    def step(self, lstm: Lstm, x, h, c) -> State:
        """h, c of B rows, or one row shared by all B points of x; the linear layer that follows
        ``lstm`` (if any) is computed on the new h in the same call."""
        i = self._held(lstm, Lstm, "LSTM layer")
        B, rows, H = len(x), len(h), lstm.hidden
        if rows not in (B, 1) or len(c) != rows:
            raise ValueError("step: h and c need one row per point of x, or a single row")
        x = _f32(x)
        if x.shape != (B, lstm.inputs):
            raise ValueError(f"step: x must be (B, {lstm.inputs}), got {x.shape}")
        vx, vh, vc, vh2, vc2 = self._views_for(i, B, rows)
        vx.assign(x)
        vh.assign(_f32(h))
        vc.assign(_f32(c))
        f = self._follow.get(i, -1)
        self.kernel.run(i, B, rows != B, f)
        h2, c2 = np.empty((B, H), np.float32), np.empty((B, H), np.float32)
        vh2.assign_to(h2)
        vc2.assign_to(c2)
        if f >= 0:
            y = np.empty((B, len(self.layers[f].b)), np.float32)
            self._views_for(f, B, B)[1].assign_to(y)
            self._last[f] = (h2, y)
        return State(h2, c2)

    def linear(self, layer: Linear, a) -> np.ndarray:
        """a (..., n_in) · W + b; for the h the last step of the LSTM layer before it returned, the
        outputs that step computed with it."""
        i = self._held(layer, Linear, "linear layer")
        last = self._last.get(i)
        if last is not None and a is last[0]:
            return last[1]
        a = _f32(a)
        n_in, n_out = layer.W.shape
        if a.shape[-1:] != (n_in,):
            raise ValueError(f"linear: a must end in {n_in} values, got {a.shape}")
        rows = a.reshape(-1, n_in)
        y = np.empty((len(rows), n_out), np.float32)
        for at in range(0, len(rows), BLOCK):
            block = rows[at:at + BLOCK]
            va, vy = self._views_for(i, len(block), len(block))
            va.assign(block)
            self.kernel.runLinear(i, len(block))
            vy.assign_to(y[at:at + len(block)])
        return y.reshape(*a.shape[:-1], n_out)

    def sequence(self, lstm: Lstm, x, state: State) -> State:
        """A line teacher-forced in one kernel call."""
        i = self._held(lstm, Lstm, "LSTM layer")
        x = _f32(x).reshape(-1, lstm.inputs)
        h0, c0 = state
        res = self.kernel.sequence(i, x, _f32(h0).ravel(), _f32(c0).ravel(), len(x))
        H = lstm.hidden
        hs = np.asarray(res.h.to_py(), dtype=np.float32).reshape(len(x), H)
        cs = np.asarray(res.c.to_py(), dtype=np.float32).reshape(len(x), H)
        return State(hs, cs)


def attach(model, kernel) -> KernelBackend:
    """Put ``model`` on ``kernel``: every layer of ``model.layers()`` (the handwriting model's or the
    synthesis model's) is loaded, then ``model.backend`` becomes the kernel's backend (if loading
    fails, the model stays as it was). One kernel serves one model."""
    backend = KernelBackend(kernel, model.layers())
    model.backend = backend
    return backend
