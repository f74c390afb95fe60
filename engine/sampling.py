"""Sampling the next point, with the 2016 model's temperature ("Variation") rule.

At temperature T: π ← softmax(log π / T); σ ← σ·T; ρ unchanged; the pen is drawn from its own
probability, untempered. T < 1 writes steadier, T > 1 wilder. Every draw comes from the given
``numpy.random.Generator``, in a fixed order, so the same seed gives the same strokes.
"""
from __future__ import annotations

import math

import numpy as np

from .model import Mixture, Model


def check_temperature(temperature) -> float:
    """ValueError unless ``temperature`` is a finite number > 0."""
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}") from None
    if not np.isfinite(t) or t <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return t


def temper(mix: Mixture, temperature) -> Mixture:
    """The mixture at ``temperature`` (see the module docstring)."""
    t = check_temperature(temperature)
    z = mix.log_pi / t
    z = z - z.max(axis=-1, keepdims=True)
    log_pi = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return mix._replace(pi=np.exp(log_pi), log_pi=log_pi, sigma=mix.sigma * t)


def sample(mix: Mixture, temperature, rng: np.random.Generator) -> np.ndarray:
    """One point per batch row of ``mix`` (pi (B, M), ...) → (B, 3) dx, dy, pen_lift.

    The same rule as :func:`temper`, applied only where it is needed (this runs once per point).
    """
    t = check_temperature(temperature)
    z = mix.log_pi / t
    w = np.exp(z - z.max(axis=-1, keepdims=True))  # tempered weights, unnormalised
    B = w.shape[0]
    cdf = np.cumsum(w, axis=-1)
    u = rng.random(B)  # draw order: component, two normals, pen
    k = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=-1), w.shape[-1] - 1)
    rows = np.arange(B)
    mu, sigma, rho = mix.mu[rows, k], mix.sigma[rows, k] * t, mix.rho[rows, k]  # (B, 2), (B, 2), (B,)
    n = rng.standard_normal((B, 2))
    out = np.empty((B, 3))
    out[:, 0] = mu[:, 0] + sigma[:, 0] * n[:, 0]
    out[:, 1] = mu[:, 1] + sigma[:, 1] * (rho * n[:, 0] + np.sqrt(1.0 - rho ** 2) * n[:, 1])
    out[:, 2] = rng.random(B) < mix.eos
    return out


def sample_next(model: Model, h, temperature, rng: np.random.Generator) -> np.ndarray:
    """The next point for each row of h (B, H) → (B, 3): the mixture, then :func:`sample`.

    This is the one call generation makes per point. At batch 1 it reads the head's raw outputs
    as plain Python floats and applies the same rule with the same draws in the same order:
    there numpy's cost per call, not its arithmetic, is what takes the time (most of all in
    Pyodide), and this path makes 5 numpy calls where mixture + sample make about 40.
    """
    if len(h) != 1:
        return sample(model.mixture(h), temperature, rng)
    t = check_temperature(temperature)
    y, s = model.outputs(h)[0].tolist(), model.slices
    logits = y[s["pi"]]
    top = max(logits)
    w = [math.exp((v - top) / t) for v in logits]  # tempered weights, unnormalised
    target, acc, k = rng.random() * sum(w), 0.0, len(w) - 1
    for j, wj in enumerate(w):  # the first component whose cumulative weight reaches the draw
        acc += wj
        if acc >= target:
            k = j
            break
    mx, my = y[s["mu_x"].start + k], y[s["mu_y"].start + k]
    sx, sy = math.exp(y[s["log_sigma_x"].start + k]) * t, math.exp(y[s["log_sigma_y"].start + k]) * t
    rho = math.tanh(y[s["rho"].start + k])
    n0, n1 = rng.standard_normal(2).tolist()
    eos = 0.5 + 0.5 * math.tanh(0.5 * y[0])
    pen = 1.0 if rng.random() < eos else 0.0
    return np.array([[mx + sx * n0, my + sy * (rho * n0 + math.sqrt(1.0 - rho * rho) * n1), pen]])
