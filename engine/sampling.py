"""Sampling the next point, with the 2016 model's temperature ("Variation") rule.

At temperature T: π ← softmax(log π / T); σ ← σ·T; ρ unchanged; the pen is drawn from its own
probability, untempered. T < 1 writes steadier, T > 1 wilder. Points are drawn straight from the
head's raw outputs (``Model.outputs``: only the chosen component's μ, σ, ρ are ever computed), and
every draw comes from the given ``numpy.random.Generator`` in a fixed order (component, two
normals, pen), so the same seed gives the same strokes.

The rule has two forms that make the same draws: :func:`sample`, vectorised over a batch, and
the batch-1 form :func:`sample_row` on plain Python floats, which generation and writing run once
per point: there numpy's cost per call, not its arithmetic, is what takes the time (5 numpy calls
against ~25; 19 against 72 µs a point in CPython, ``python bench/engine.py``), most of all in
Pyodide. A test holds them to the same draws.
"""
from __future__ import annotations

import math

import numpy as np

from .model import Model

# The outputs read at the chosen component, in this order: means, log standard deviations, ρ̂.
_AT_COMPONENT = ("mu_x", "mu_y", "log_sigma_x", "log_sigma_y", "rho")


def check_temperature(temperature) -> float:
    """``temperature`` as a float; ValueError unless it is a finite number > 0. Requests are
    checked once, here; the samplers below trust the value they are given."""
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}") from None
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return t


def sample(y: np.ndarray, slices: dict, t: float, rng: np.random.Generator) -> np.ndarray:
    """One point per row of the head's raw outputs ``y`` (B, 1 + 6M) → (B, 3) dx, dy, pen_lift,
    at the checked temperature ``t``. ``slices``: the model's output layout (``Model.slices``)."""
    B = len(y)
    z = y[:, slices["pi"]] / t
    w = np.exp(z - z.max(axis=1, keepdims=True))  # tempered weights, unnormalised
    cdf = np.cumsum(w, axis=1)
    u = rng.random(B)
    k = np.minimum((cdf < (u * cdf[:, -1])[:, None]).sum(axis=1), w.shape[1] - 1)
    starts = np.array([slices[name].start for name in _AT_COMPONENT])
    mx, my, lsx, lsy, rho_hat = np.take_along_axis(y, starts + k[:, None], axis=1).T
    sx, sy, rho = np.exp(lsx) * t, np.exp(lsy) * t, np.tanh(rho_hat)
    n = rng.standard_normal((B, 2))
    out = np.empty((B, 3))
    out[:, 0] = mx + sx * n[:, 0]
    out[:, 1] = my + sy * (rho * n[:, 0] + np.sqrt(1.0 - rho * rho) * n[:, 1])
    out[:, 2] = rng.random(B) < 0.5 + 0.5 * np.tanh(0.5 * y[:, 0])
    return out


def sample_next(model: Model, h, t: float, rng: np.random.Generator) -> np.ndarray:
    """The next point for each row of h (B, H) at the checked temperature ``t`` → (B, 3)."""
    y = model.outputs(h)
    if len(y) != 1:
        return sample(y, model.slices, t, rng)
    return sample_row(y[0], model.slices, t, rng)


def sample_row(y, slices: dict, t: float, rng: np.random.Generator) -> np.ndarray:
    """:func:`sample` for one row of raw outputs ``y`` (1 + 6M,), on plain Python floats → (1, 3)."""
    y, s = y.tolist(), slices
    logits = y[s["pi"]]
    top = max(logits)
    w = [math.exp((v - top) / t) for v in logits]  # tempered weights, unnormalised
    target, acc, k = rng.random() * sum(w), 0.0, len(w) - 1
    for j, wj in enumerate(w):  # the first component whose cumulative weight reaches the draw
        acc += wj
        if acc >= target:
            k = j
            break
    mx, my, lsx, lsy, rho_hat = (y[s[name].start + k] for name in _AT_COMPONENT)
    sx, sy, rho = math.exp(lsx) * t, math.exp(lsy) * t, math.tanh(rho_hat)
    n0, n1 = rng.standard_normal(2).tolist()
    pen = 1.0 if rng.random() < 0.5 + 0.5 * math.tanh(0.5 * y[0]) else 0.0
    return np.array([[mx + sx * n0, my + sy * (rho * n0 + math.sqrt(1.0 - rho * rho) * n1), pen]])
