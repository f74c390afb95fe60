"""Sampling the next point, with the 2016 model's temperature ("Variation") rule.

At temperature T: π ← softmax(log π / T); σ ← σ·T; ρ unchanged; the pen is drawn from its own
probability, untempered. T < 1 writes steadier, T > 1 wilder. Every draw comes from the given
``numpy.random.Generator``, in a fixed order, so the same seed gives the same strokes.
"""
from __future__ import annotations

import numpy as np

from .model import Mixture


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
    """One point per batch row of ``mix`` (pi (B, M), ...) → (B, 3) dx, dy, pen_lift."""
    m = temper(mix, temperature)
    B = m.pi.shape[0]
    u = rng.random(B)  # draw order: component, two normals, pen
    cdf = np.cumsum(m.pi, axis=-1)
    k = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=-1), m.pi.shape[-1] - 1)
    rows = np.arange(B)
    mu, sigma, rho = m.mu[rows, k], m.sigma[rows, k], m.rho[rows, k]  # (B, 2), (B, 2), (B,)
    z = rng.standard_normal((B, 2))
    out = np.empty((B, 3))
    out[:, 0] = mu[:, 0] + sigma[:, 0] * z[:, 0]
    out[:, 1] = mu[:, 1] + sigma[:, 1] * (rho * z[:, 0] + np.sqrt(1.0 - rho ** 2) * z[:, 1])
    out[:, 2] = rng.random(B) < m.eos
    return out
