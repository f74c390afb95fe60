"""Possible paths: at every point of a line, many short continuations sampled from the model.

The branches at a point share one state: their first point is sampled from the mixture that state
already gives (no LSTM work), their second step shares the recurrent product h·W_h (one row for
all branches), and the remaining steps run as one batch.
"""
from __future__ import annotations

from typing import Iterator, NamedTuple

import numpy as np

from .model import Model
from .sampling import check_temperature, sample
from .strokes import validate


class PointPaths(NamedTuple):
    index: int  # the point the branches start from
    branches: np.ndarray  # (n_paths, steps, 3) offsets, article units
    eos: float  # probability that the pen lifts after this point's next point
    veer: np.ndarray  # (n_paths,) in (−1, 1]: > 0 veers left on screen (orange), < 0 right (green)


def veer(p: np.ndarray, real: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Signed turn from the real direction to each branch's, screen coordinates (y down), ÷ π.

    p (2,) the start point; real (2,) the real line's point ``steps`` ahead; ends (N, 2) branch ends.
    wrap(atan2(real − p) − atan2(end − p)) into (−π, π], then ÷ π. A degenerate direction gives 0.
    """
    r, e = real - p, ends - p
    d = np.arctan2(r[1], r[0]) - np.arctan2(e[:, 1], e[:, 0])
    d = np.pi - np.mod(np.pi - d, 2 * np.pi)  # wrap to (−π, π]
    ok = (np.hypot(*r) > 0) & (np.hypot(e[:, 0], e[:, 1]) > 0)
    return np.where(ok, d / np.pi, 0.0)


def iter_possible_paths(model: Model, strokes, n_paths: int = 50, steps: int = 4, temperature: float = 0.5,
                        seed=None, start: int = 0, stride: int = 1) -> Iterator[PointPaths]:
    """Point by point (so a figure can draw as results arrive): the branches from each point.

    ``start`` skips the first points (a paused figure resumes where it stopped); ``stride`` takes
    every stride-th point from there, so several workers can share a line. Each point draws from
    its own generator, seeded by (seed, point), so a point's branches are the same however the
    line is split.
    """
    x = validate(strokes)
    t = check_temperature(temperature)
    if int(n_paths) != n_paths or n_paths < 1 or int(steps) != steps or steps < 1:
        raise ValueError("n_paths and steps must be whole numbers ≥ 1")
    if int(stride) != stride or stride < 1:
        raise ValueError("stride must be a whole number ≥ 1")
    root = np.random.SeedSequence(seed).entropy  # seed None: fresh entropy, shared by this line's points
    run = model.run(x)  # state after each point, and the head's outputs there
    xy = np.cumsum(x[:, :2], axis=0)  # absolute positions, article units
    last = len(x) - 1
    for i in range(int(start), len(x), int(stride)):
        rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(i,)))  # independent per point
        out = np.empty((n_paths, int(steps), 3))
        out[:, 0] = sample(np.repeat(run.y[i:i + 1], n_paths, axis=0), model.slices, t, rng)  # one state, n draws
        h, c = run.h[i:i + 1], run.c[i:i + 1]  # one shared state: the first step's product costs one row
        for k in range(1, int(steps)):
            h, c = model.branch(out[:, k - 1], h, c)
            out[:, k] = sample(model.outputs(h), model.slices, t, rng)
        ends = xy[i] + out[:, :, :2].sum(axis=1)
        yield PointPaths(i, out, float(run.mixture.eos[i]), veer(xy[i], xy[min(i + int(steps), last)], ends))


def possible_paths(model: Model, strokes, n_paths: int = 50, steps: int = 4, temperature: float = 0.5, seed=None):
    """All points at once → (branches (T, n_paths, steps, 3), eos (T,), veer (T, n_paths))."""
    items = list(iter_possible_paths(model, strokes, n_paths, steps, temperature, seed))
    return (np.stack([p.branches for p in items]), np.array([p.eos for p in items]),
            np.stack([p.veer for p in items]))
