"""The engine's public functions: load a model, feed it a line, write, score, read its cells.

Strokes are (T, 3) arrays of dx, dy, pen_lift in article units (see :mod:`engine.strokes`).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import strokes as strokes_
from . import weights as weights_
from . import synthesis as synthesis_
from .model import Model, State, log_density
from .sampling import check_temperature, sample_next

DEFAULT_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "model.hwlstm"
DEFAULT_SYNTHESIS = DEFAULT_WEIGHTS.with_name("synthesis.hwlstm")
TRAIN_HINT = "python -m training.train && python -m training.export"
SYNTHESIS_HINT = "python -m training.train_synthesis && python -m training.export_synthesis"


def load_model(source=None, dtype=np.float32) -> Model:
    """A model from a weights path or the file's bytes (project or 2016 format, auto-detected).

    ``None`` loads the default model in ``weights/``. ``dtype``: float32 (fast) or float64.
    """
    return Model(weights_.load(_source(source, DEFAULT_WEIGHTS, TRAIN_HINT)), dtype=dtype)


def load_synthesis(source=None, dtype=np.float32) -> synthesis_.Synthesis:
    """The synthesis model (Graves 2013, §5) from a weights path or the file's bytes; ``None``
    loads ``weights/synthesis.hwlstm``. ``.alphabet`` lists the characters it knows."""
    return synthesis_.load(_source(source, DEFAULT_SYNTHESIS, SYNTHESIS_HINT), dtype=dtype)


def _source(source, default: Path, hint: str):
    """``source``, or the default weights file when None (FileNotFoundError saying how to train
    it when it is missing); TypeError for anything but a path or bytes."""
    if source is None:
        if not default.exists():
            raise FileNotFoundError(f"no weights at {default}; train them with: {hint}")
        return default
    if not isinstance(source, (bytes, bytearray, memoryview, str, os.PathLike)):
        raise TypeError(f"expected a weights path or bytes, got {type(source).__name__}")
    return source


def write(synth: synthesis_.Synthesis, text: str, bias: float = 1.0, seed=None, style=None):
    """Write ``text`` in the model's hand, or primed by ``style`` = (strokes, their text) →
    (strokes (T, 3), window (T, U + 1): φ over the text's characters and one past its end).
    ``bias`` ≥ 0 (Graves §5.4; 0 = the model's own distribution, higher is neater)."""
    return synthesis_.write(synth, text, bias=bias, seed=seed, style=style)


def unknown_characters(synth: synthesis_.Synthesis, text: str) -> list[str]:
    """The characters of ``text`` the synthesis model never saw (it writes a stand-in for them)."""
    return synthesis_.unknown_characters(synth, text)


def feed(model: Model, strokes, state: State | None = None) -> State:
    """Teacher-force a line from ``state`` (zero if None); the state after its last point."""
    x = strokes_.validate(strokes)
    state = state or model.zero_state(1)
    xz = np.asarray(x, dtype=model.dtype)
    for t in range(len(xz)):
        state = model.step(xz[t:t + 1], state)
    return state


def generate(model: Model, n: int, temperature: float = 0.65, seed=None, state: State | None = None):
    """Sample ``n`` points from ``state`` (zero state and a zero input if None) → (strokes (n, 3), state)."""
    temperature = check_temperature(temperature)
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number ≥ 1, got {n!r}")
    rng = np.random.default_rng(seed)
    if state is None:
        state = model.step(np.zeros((1, 3)), model.zero_state(1))
    out = np.empty((int(n), 3))
    for t in range(int(n)):
        out[t] = sample_next(model, state.h, temperature, rng)[0]
        state = model.step(out[t:t + 1], state)
    return out, state


def continue_strokes(model: Model, prefix, n: int, temperature: float = 0.65, seed=None) -> np.ndarray:
    """``feed`` the prefix, then ``generate`` n points after it → (n, 3) strokes."""
    return generate(model, n, temperature, seed, feed(model, prefix))[0]


def nll(model, strokes_or_list, text=None, style=None) -> float:
    """Mean negative log-likelihood, nats per predicted point, over one line or a list of lines.

    Each line starts from a zero state; point t+1 is predicted after feeding points 0..t, so the
    first point is input only. (dx, dy) density in article units plus log P(pen_lift). For the
    synthesis model: one line, given its ``text``, from a zero state or after ``style`` =
    (strokes, their text) was fed.
    """
    if isinstance(model, synthesis_.Synthesis):
        if text is None:
            raise ValueError("nll: the synthesis model needs the line's text")
        return -float(synthesis_.point_log_densities(model, strokes_or_list, text, style).mean())
    if text is not None or style is not None:
        raise ValueError("nll: text and style are for the synthesis model")
    per_line = point_log_densities(model, strokes_or_list)
    return -float(sum(float(a.sum()) for a in per_line)) / float(sum(len(a) for a in per_line))


def point_log_densities(model: Model, strokes_or_list) -> list[np.ndarray]:
    """Per line, log p of each predicted point (points 1..T-1), the terms ``nll`` averages.

    Lines are batched internally (longest first, so the lines still running form a prefix).
    """
    lines = _as_lines(strokes_or_list)
    if not any(len(x) > 1 for x in lines):
        raise ValueError("nll: needs at least one line with two or more points")
    order = sorted((i for i, x in enumerate(lines) if len(x) > 1), key=lambda i: len(lines[i]), reverse=True)
    lengths = np.array([len(lines[i]) for i in order])
    x = np.zeros((len(order), lengths[0], 3), dtype=model.dtype)
    for b, i in enumerate(order):
        x[b, :lengths[b]] = lines[i]
    out = np.zeros((len(order), lengths[0] - 1))
    state = model.zero_state(len(order))
    for t in range(lengths[0] - 1):
        n = int((lengths > t + 1).sum())
        state = model.step(x[:n, t], State(state.h[:n], state.c[:n]))
        out[:n, t] = log_density(model.mixture(state.h), x[:n, t + 1])
    per_line = [np.zeros(0)] * len(lines)
    for b, i in enumerate(order):
        per_line[i] = out[b, :lengths[b] - 1]
    return per_line


def activations(model: Model, strokes) -> np.ndarray:
    """(T, H) cell states c after feeding points 0..t from a zero state."""
    return model.states(strokes_.validate(strokes)).c


def _as_lines(strokes_or_list) -> list[np.ndarray]:
    if isinstance(strokes_or_list, np.ndarray) and strokes_or_list.ndim == 2:
        return [strokes_.validate(strokes_or_list)]
    items = list(strokes_or_list)
    if items and np.ndim(items[0]) == 1:  # a single line given as nested lists
        return [strokes_.validate(items)]
    return [strokes_.validate(s, name=f"line {i}") for i, s in enumerate(items)]
