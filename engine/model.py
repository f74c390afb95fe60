"""The handwriting model: one LSTM layer and a mixture density head (Graves 2013, §4.2).

    z  = [x, h] · [Wxh; Whh] + b            (B, 4H), gates in the order i, g, f, o
    i, f, o = σ(z_i), σ(z_f + forget_bias), σ(z_o);   g = tanh(z_g)
    c' = f·c + i·g;   h' = o·tanh(c')
    y  = h' · W_out + b_out                 (B, 1 + 6M), split by LAYOUT

Mixture parameters follow Graves (2013) eqs. 18–23: eos = σ(ê), π = softmax(π̂), μ = μ̂,
σ = exp(σ̂), ρ = tanh(ρ̂). All sizes come from the weights. The weights' ``input_scale`` is folded
into the input and output weights at load time, so every array here speaks article units.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .backend import NUMPY, Backend, Linear, Lstm, State, weight_order
from .weights import Weights

# The 1 + 6M outputs, in order: name → width in units of M (0 = a single value).
LAYOUT = (("eos", 0), ("pi", 1), ("mu_x", 1), ("mu_y", 1), ("log_sigma_x", 1), ("log_sigma_y", 1), ("rho", 1))


def layout(m: int) -> dict[str, slice]:
    """Slices of the output vector for ``m`` mixture components, from ``LAYOUT``."""
    out, at = {}, 0
    for name, width in LAYOUT:
        n = width * m or 1
        out[name], at = slice(at, at + n), at + n
    return out


def _sigmoid(z):
    return 0.5 + 0.5 * np.tanh(0.5 * z)  # = 1 / (1 + e^-z), without overflow warnings


class Mixture(NamedTuple):
    """Next-point distribution, article units. Arrays lead with the batch shape (B,) or (T,)."""

    pi: np.ndarray  # (..., M) component weights
    mu: np.ndarray  # (..., M, 2) means of dx, dy
    sigma: np.ndarray  # (..., M, 2) standard deviations of dx, dy
    rho: np.ndarray  # (..., M) correlations
    eos: np.ndarray  # (...,) probability that this point ends a stroke (pen_lift = 1)
    log_pi: np.ndarray  # (..., M) log of pi, kept for stable tempering


class Run(NamedTuple):
    h: np.ndarray  # (T, H) after feeding points 0..t
    c: np.ndarray  # (T, H)
    mixture: Mixture  # predicts point t + 1 from step t
    y: np.ndarray  # (T, 1 + 6M) the head's raw outputs the mixture comes from


def mixture_of(y, slices: dict) -> Mixture:
    """Raw head outputs (..., 1 + 6M), laid out by ``slices`` → the mixture they describe."""
    s = slices
    logits = y[..., s["pi"]]
    log_pi = logits - logits.max(axis=-1, keepdims=True)
    log_pi = log_pi - np.log(np.exp(log_pi).sum(axis=-1, keepdims=True))
    mu = np.stack([y[..., s["mu_x"]], y[..., s["mu_y"]]], axis=-1)
    sigma = np.exp(np.stack([y[..., s["log_sigma_x"]], y[..., s["log_sigma_y"]]], axis=-1))
    return Mixture(np.exp(log_pi), mu, sigma, np.tanh(y[..., s["rho"]]), _sigmoid(y[..., 0]), log_pi)


class Model:
    """An LSTM handwriting model built from checked :class:`engine.weights.Weights` (``load`` checks
    a file's; ``Weights(...).check()`` others), in float32 or float64.

    Its two layers, ``lstm`` (:class:`engine.backend.Lstm`: 3 inputs, the point) and ``head``
    (:class:`engine.backend.Linear`: h → the 1 + 6M outputs), run on ``backend``: NumPy unless
    ``engine.kernel.attach`` put the model on the WebAssembly kernel. Every product goes through
    it. ``W``, ``b``, ``W_out``, ``b_out`` (and the views ``Wx``, ``Wh``) are the layers' arrays,
    to read, edit or replace."""

    def __init__(self, weights: Weights, dtype=np.float32, backend: Backend = NUMPY):
        self.dtype = np.dtype(dtype)
        self.hidden, self.mixtures, self.meta = weights.hidden, weights.mixtures, dict(weights.meta)
        self.slices = layout(self.mixtures)
        sx, sy = weights.meta["input_scale"]
        W = np.array(weights.W, dtype=np.float64)
        W[0] /= sx  # the model sees dx / sx and dy / sy
        W[1] /= sy
        W_out, b_out = np.array(weights.W_out, dtype=np.float64), np.array(weights.b_out, dtype=np.float64)
        s = self.slices  # its outputs come back to article units: μ·s, σ·s (log σ + log s)
        W_out[:, s["mu_x"]] *= sx
        b_out[s["mu_x"]] *= sx
        W_out[:, s["mu_y"]] *= sy
        b_out[s["mu_y"]] *= sy
        b_out[s["log_sigma_x"]] += np.log(sx)
        b_out[s["log_sigma_y"]] += np.log(sy)
        self.lstm = Lstm.from_file(W, weights.b, weights.meta["forget_bias"], self.dtype)  # (3 + H, 4H), (4H,)
        self.head = Linear(weight_order(W_out.astype(self.dtype)), b_out.astype(self.dtype))  # (H, 1+6M), (1+6M,)
        self.backend = backend

    W = property(lambda self: self.lstm.W, lambda self, v: setattr(self.lstm, "W", v),
                 doc="(3 + H, 4H) the LSTM's weights: the input's rows, then the recurrent ones")
    b = property(lambda self: self.lstm.b, lambda self, v: setattr(self.lstm, "b", v), doc="(4H,)")
    W_out = property(lambda self: self.head.W, lambda self, v: setattr(self.head, "W", v), doc="(H, 1 + 6M)")
    b_out = property(lambda self: self.head.b, lambda self, v: setattr(self.head, "b", v), doc="(1 + 6M,)")
    Wx = property(lambda self: self.lstm.Wx, doc="(3, 4H) view of W's input rows")
    Wh = property(lambda self: self.lstm.Wh, doc="(H, 4H) view of W's recurrent rows")

    def layers(self) -> tuple:
        """Its layers in the order a step computes them (what a backend that holds a model's
        layers loads: ``engine.kernel.attach``)."""
        return (self.lstm, self.head)

    def zero_state(self, batch: int = 1) -> State:
        z = np.zeros((batch, self.hidden), dtype=self.dtype)
        return State(z, z)

    def step(self, x, state: State) -> State:
        """Feed one point per batch row: x (B, 3) article units → the new state. Never mutates."""
        return self.backend.step(self.lstm, x, state.h, state.c)

    def branch(self, x, h, c) -> State:
        """``step`` from h, c of B rows, or of one row shared by all B points of x (possible paths):
        then the recurrent product is done once instead of B times."""
        return self.backend.step(self.lstm, x, h, c)

    def outputs(self, h) -> np.ndarray:
        """Hidden output (..., H) → the head's raw outputs (..., 1 + 6M), laid out as ``LAYOUT``."""
        return self.backend.linear(self.head, h)

    def mixture(self, h) -> Mixture:
        """Hidden output (..., H) → the mixture over the next point."""
        return self.mixture_of(self.outputs(h))

    def mixture_of(self, y) -> Mixture:
        """The head's raw outputs (..., 1 + 6M) → the mixture they describe."""
        return mixture_of(y, self.slices)

    def states(self, strokes, state: State | None = None) -> State:
        """Teacher-force a (T, 3) line from ``state`` (zero if None) → (T, H) h and c after each point."""
        return self.backend.sequence(self.lstm, strokes, state or self.zero_state(1))

    def run(self, strokes, state: State | None = None) -> Run:
        """``states``, and the head's outputs and mixture at every step."""
        hs, cs = self.states(strokes, state)
        y = self.outputs(hs)
        return Run(hs, cs, self.mixture_of(y), y)


LOG_2PI = np.log(2 * np.pi)


def log_density(mix: Mixture, target) -> np.ndarray:
    """log p(target) under ``mix``: the (dx, dy) mixture density plus log P(pen_lift). Shape (...)."""
    target = np.asarray(target)
    d = (target[..., None, :2] - mix.mu) / mix.sigma  # (..., M, 2)
    one_m_r2 = 1.0 - mix.rho ** 2
    q = (d[..., 0] ** 2 + d[..., 1] ** 2 - 2.0 * mix.rho * d[..., 0] * d[..., 1]) / one_m_r2
    log_n = -LOG_2PI - np.log(mix.sigma).sum(-1) - 0.5 * np.log(one_m_r2) - 0.5 * q  # (..., M)
    a = mix.log_pi + log_n
    amax = a.max(axis=-1)
    log_xy = amax + np.log(np.exp(a - amax[..., None]).sum(axis=-1))
    pen = target[..., 2]
    eos = np.clip(mix.eos, 1e-12, 1 - 1e-12)
    return log_xy + np.where(pen == 1, np.log(eos), np.log1p(-eos))
