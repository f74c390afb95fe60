"""The WebAssembly SIMD kernel of ``kernel/lstm.c`` as a backend (:mod:`engine.backend`): an LSTM
layer's update and the output layer's product, which the browser's worker hands in.

Pyodide's numpy has no BLAS and no SIMD, so in the browser the product [x, h]·W is most of every
step; the kernel does the whole recurrent update (product, gates, cell) and the output layer's
product in one call (docs/design.md has the measurements). Sampling and the temperature rule stay
in :mod:`engine.sampling`, one implementation for both paths. CPython never uses this module;
nothing here imports ``js``: ``kernel`` is the JS object ``LstmKernel.create()`` gave, as Python
sees it (any object with the same methods will do, which is how the tests drive it).

    backend = attach(model, kernel)   # model.backend: its step, states, outputs run on the kernel
    backend.sync()                    # re-send the weights if they changed (the console calls it)

One kernel holds one LSTM layer of 3 inputs (the point) and one output layer that reads its h: the
handwriting model's two layers. A layer with other inputs is refused (``ValueError``), never run
on NumPy behind the caller's back; a model of several layers needs a kernel that takes them.

Arrays cross by copies into views of the kernel's I/O buffers (``assign`` / ``assign_to``, one
memcpy each), not as call arguments, which would wrap each array in a proxy first.
"""
from __future__ import annotations

import zlib

import numpy as np

from .backend import Linear, Lstm, State

BLOCK = 256  # rows of the output layer per kernel call when a whole line's outputs are asked for
INPUTS = 3  # the kernel's LSTM input: (dx, dy, pen_lift)


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


class KernelBackend:
    """The :class:`engine.backend.Backend` methods on one kernel, for the layers ``lstm`` and
    ``head`` it holds."""

    def __init__(self, kernel, lstm: Lstm, head: Linear):
        if lstm.dtype != np.float32 or head.dtype != np.float32:
            raise ValueError("the kernel computes in float32")
        if lstm.inputs != INPUTS or head.W.shape[0] != lstm.hidden:
            raise ValueError(f"the kernel holds an LSTM layer of {INPUTS} inputs and an output layer that reads "
                             f"its h; got {lstm.inputs} inputs and an output layer of {head.W.shape[0]}")
        self.kernel, self.lstm, self.head = kernel, lstm, head
        self._views: dict[tuple[int, int], tuple] = {}
        self._capacity = 0
        self._fingerprint = None
        self._last = (None, None)  # (h, y): the outputs the last step computed with its h
        self.sync()

    def _weights(self):
        return self.lstm.W, self.lstm.b, self.head.W, self.head.b

    def sync(self) -> bool:
        """Load the layers' weights into the kernel if they changed since the last load (an edit in
        the console, in place or by assignment); True when they were loaded."""
        crc = 0
        for a in self._weights():
            crc = zlib.crc32(a.T if a.flags.f_contiguous and not a.flags.c_contiguous else _f32(a), crc)
        fingerprint = (crc, tuple(a.shape for a in self._weights()))
        if fingerprint == self._fingerprint:
            return False
        self.kernel.load(*(_f32(a) for a in self._weights()), self.lstm.hidden, len(self.head.b))
        self._views.clear()  # loading detaches the views made before
        self._capacity = 0
        self._last = (None, None)
        self._fingerprint = fingerprint
        return True

    def _views_for(self, B: int, rows: int) -> tuple:
        if B > self._capacity:  # the kernel's memory may grow: every view made before is detached
            self._capacity = max(B, 2 * self._capacity)
            self.kernel.reserve(self._capacity)
            self._views.clear()
        v = self._views.get((B, rows))
        if v is None:
            v = self._views[B, rows] = tuple(self.kernel.views(B, rows))  # x, h, c, h2, c2, y
        return v

    def _check(self, layer, held, what: str) -> None:
        if layer is not held:
            raise ValueError(f"this kernel holds another {what}: a layer runs on the kernel that loaded it")

    def step(self, lstm: Lstm, x, h, c) -> State:
        """h, c of B rows, or one row shared by all B points of x; the output layer's product of the
        new h is computed in the same call (sampling asks for it next)."""
        self._check(lstm, self.lstm, "LSTM layer")
        B, rows, H = len(x), len(h), lstm.hidden
        if rows not in (B, 1) or len(c) != rows:
            raise ValueError("step: h and c need one row per point of x, or a single row")
        vx, vh, vc, vh2, vc2, vy = self._views_for(B, rows)
        vx.assign(_f32(x))
        vh.assign(_f32(h))
        vc.assign(_f32(c))
        self.kernel.run(B, rows != B, True)
        h2, c2 = np.empty((B, H), np.float32), np.empty((B, H), np.float32)
        y = np.empty((B, len(self.head.b)), np.float32)
        vh2.assign_to(h2)
        vc2.assign_to(c2)
        vy.assign_to(y)
        self._last = (h2, y)
        return State(h2, c2)

    def linear(self, layer: Linear, a) -> np.ndarray:
        """The output layer's product of hidden outputs (..., H); for the h the last step returned,
        the outputs that step computed with it."""
        self._check(layer, self.head, "output layer")
        if a is self._last[0]:
            return self._last[1]
        h = _f32(a)
        H, n_out = self.lstm.hidden, len(self.head.b)
        rows = h.reshape(-1, H)
        y = np.empty((len(rows), n_out), np.float32)
        for at in range(0, len(rows), BLOCK):
            block = rows[at:at + BLOCK]
            _, vh, _, _, _, vy = self._views_for(len(block), len(block))
            vh.assign(block)
            self.kernel.runOutputs(len(block))
            vy.assign_to(y[at:at + len(block)])
        return y.reshape(*h.shape[:-1], n_out)

    def sequence(self, lstm: Lstm, x, state: State) -> State:
        """A line teacher-forced in one kernel call."""
        self._check(lstm, self.lstm, "LSTM layer")
        x = _f32(x).reshape(-1, INPUTS)
        h0, c0 = state
        res = self.kernel.sequence(x, _f32(h0).ravel(), _f32(c0).ravel(), len(x))
        H = lstm.hidden
        hs = np.asarray(res.h.to_py(), dtype=np.float32).reshape(len(x), H)
        cs = np.asarray(res.c.to_py(), dtype=np.float32).reshape(len(x), H)
        return State(hs, cs)


def attach(model, kernel) -> KernelBackend:
    """Put ``model`` (its ``lstm`` and ``head``) on ``kernel``: ``model.backend`` becomes the kernel's
    backend once the weights are loaded (if loading fails, the model stays as it was). One kernel
    serves one model."""
    backend = KernelBackend(kernel, model.lstm, model.head)
    model.backend = backend
    return backend
