"""An optional backend for :class:`engine.model.Model`: the LSTM update and the output layer in the
WebAssembly SIMD kernel of ``kernel/lstm.c``, which the browser's worker hands in.

Pyodide's numpy has no BLAS and no SIMD, so in the browser the product [x, h]·W is most of every
step; the kernel does the whole recurrent update (product, gates, cell) and the output layer's
product in one call (docs/design.md has the measurements). Sampling and the temperature rule stay
in :mod:`engine.sampling`, one implementation for both paths. CPython never uses this module;
nothing here imports ``js``: ``kernel`` is the JS object ``LstmKernel.create()`` gave, as Python
sees it (any object with the same methods will do, which is how the tests drive it).

    backend = attach(model, kernel)   # model.step, branch, states, outputs, mixture, run use it
    backend.sync()                    # re-send the weights if they changed (the console calls it)

Arrays cross by copies into views of the kernel's I/O buffers (``assign`` / ``assign_to``, one
memcpy each), not as call arguments, which would wrap each array in a proxy first.
"""
from __future__ import annotations

import zlib

import numpy as np

from .model import Model, State

BLOCK = 256  # rows of the output layer per kernel call when a whole line's outputs are asked for


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


class Backend:
    """Routes one model's step, branch, outputs and run through one kernel."""

    def __init__(self, model: Model, kernel):
        if model.dtype != np.float32:
            raise ValueError("the kernel computes in float32")
        self.model, self.kernel = model, kernel
        self._views: dict[tuple[int, int], tuple] = {}
        self._capacity = 0
        self._fingerprint = None
        self._last = (None, None)  # (h, y): the outputs the last step computed with its h
        self.sync()
        model.branch, model.outputs, model.states = self.branch, self.outputs, self.states

    def _weights(self):
        m = self.model
        return m.W, m.b, m.W_out, m.b_out

    def sync(self) -> bool:
        """Load the model's weights into the kernel if they changed since the last load (an edit in
        the console, in place or by assignment); True when they were loaded."""
        crc = 0
        for a in self._weights():
            crc = zlib.crc32(a.T if a.flags.f_contiguous and not a.flags.c_contiguous else _f32(a), crc)
        fingerprint = (crc, tuple(a.shape for a in self._weights()))
        if fingerprint == self._fingerprint:
            return False
        m = self.model
        m.Wx, m.Wh = m.W[:3], m.W[3:]  # the NumPy path's views follow a replaced W too
        self.kernel.load(*(_f32(a) for a in self._weights()), m.hidden, len(m.b_out))
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

    def branch(self, x, h, c) -> State:
        """As :meth:`Model.branch`: h, c of B rows, or one row shared by all B points of x."""
        B, rows, H = len(x), len(h), self.model.hidden
        if rows not in (B, 1) or len(c) != rows:
            raise ValueError("branch: h and c need one row per point of x, or a single row")
        vx, vh, vc, vh2, vc2, vy = self._views_for(B, rows)
        vx.assign(_f32(x))
        vh.assign(_f32(h))
        vc.assign(_f32(c))
        self.kernel.run(B, rows != B, True)  # the outputs too: sampling asks for them next
        h2, c2 = np.empty((B, H), np.float32), np.empty((B, H), np.float32)
        y = np.empty((B, len(self.model.b_out)), np.float32)
        vh2.assign_to(h2)
        vc2.assign_to(c2)
        vy.assign_to(y)
        self._last = (h2, y)
        return State(h2, c2)

    def outputs(self, h) -> np.ndarray:
        """As :meth:`Model.outputs`: hidden outputs (..., H) → the head's raw outputs (..., 1 + 6M);
        for the h the last step returned, the outputs that step computed with it."""
        if h is self._last[0]:
            return self._last[1]
        h = _f32(h)
        H, n_out = self.model.hidden, len(self.model.b_out)
        rows = h.reshape(-1, H)
        y = np.empty((len(rows), n_out), np.float32)
        for at in range(0, len(rows), BLOCK):
            block = rows[at:at + BLOCK]
            _, vh, _, _, _, vy = self._views_for(len(block), len(block))
            vh.assign(block)
            self.kernel.runOutputs(len(block))
            vy.assign_to(y[at:at + len(block)])
        return y.reshape(*h.shape[:-1], n_out)

    def states(self, strokes, state: State | None = None) -> State:
        """As :meth:`Model.states`: a line teacher-forced in one kernel call."""
        x = _f32(strokes).reshape(-1, 3)
        h0, c0 = state if state is not None else self.model.zero_state(1)
        res = self.kernel.sequence(x, _f32(h0).ravel(), _f32(c0).ravel(), len(x))
        H = self.model.hidden
        hs = np.asarray(res.h.to_py(), dtype=np.float32).reshape(len(x), H)
        cs = np.asarray(res.c.to_py(), dtype=np.float32).reshape(len(x), H)
        return State(hs, cs)


def attach(model: Model, kernel) -> Backend:
    """Route ``model`` through ``kernel`` (see the module docstring); one kernel serves one model."""
    return Backend(model, kernel)
