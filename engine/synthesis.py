"""The handwriting synthesis model (Graves 2013, §5) in NumPy: LSTM layers with a soft window over
the characters of a text, and the mixture density head of :mod:`engine.model`.

With x_t the point (dx, dy, pen_lift, article units) and c_1..c_U the text one-hot:

    h¹_t = LSTM¹([x_t, w_{t−1}])
    α, β, e = exp(h¹_t · W_win + b_win)                        K each
    κ_t = κ_{t−1} + e;   φ(t, u) = Σ_k α_k exp(−β_k (κ_k − u)²)     κ_0 = 0, u = 1..U + 1
    w_t = Σ_{u ≤ U} φ(t, u) c_u
    hˡ_t = LSTMˡ([x_t, hˡ⁻¹_t, w_t])                            l = 2..L
    y_t = [h¹_t, …, hᴸ_t] · W_out + b_out                       as engine.model.LAYOUT

φ(t, U + 1), one position past the text, is what the stopping rule reads (§5.3). Every LSTM layer
is the unconditional model's cell (gates i, g, f, o in the file; ``meta.forget_bias`` added to
the forget gate), so a layer's weights are stored as the unconditional model's are.

The weights file is the project's container (:mod:`engine.weights`) with ``meta.kind`` =
"synthesis", ``meta.alphabet`` (the characters it knows; index ``len(alphabet)`` is the one symbol
for any other), ``meta.layers``, ``meta.window`` (K) and the tensors ``layer{l}.W`` (inputs' rows,
then the recurrent ones; 4H columns), ``layer{l}.b``, ``window.W`` (H, 3K: α̂, β̂, κ̂),
``window.b``, ``W_out`` (L·H, 1 + 6M), ``b_out``. ``meta.min_step`` (article units, 0 when absent):
every line the model reads, a style or a line it scores, is read with its pen-down steps shorter
than that merged (engine.strokes.merge_small_steps, :meth:`Synthesis.read`), as its training lines
were fed.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import weights as weights_
from .backend import NUMPY, Backend, Linear, Lstm, weight_order
from .model import Mixture, layout, log_density, mixture_of
from .sampling import sample_row
from .strokes import merge_small_steps, validate

KIND = "synthesis"
MAX_CHARS = 80  # longest text one write takes (the longest training text has 64 characters)
TOP_BIAS = 2.0  # the most bias (Neatness) the article's figure offers; its measures go up to it
POINTS_PER_CHAR = 40  # write's budget: the data has about 21 points per character
REDRAWS = 20  # the most draws of one point a short pen-down step gets (draw_point)


class SynthState(NamedTuple):
    h: tuple  # per layer (B, H)
    c: tuple  # per layer (B, H)
    kappa: np.ndarray  # (B, K) the window's centres
    w: np.ndarray  # (B, A) the window vector of the last step


class Step(NamedTuple):
    state: SynthState
    phi: np.ndarray  # (B, U + 1) the window over the text and one position past it
    y: np.ndarray  # (B, 1 + 6M) the head's raw outputs: the next point's distribution


class Synthesis:
    """A synthesis model from the container's meta and tensors, in float32 or float64: its LSTM
    layers ``lstms`` (:class:`engine.backend.Lstm`), the window's and the head's linear layers
    (``window``, ``head``: :class:`engine.backend.Linear`), every product on ``backend`` (NumPy
    unless ``engine.kernel.attach`` put its ``layers()`` on the WebAssembly kernel)."""

    def __init__(self, meta: dict, tensors: dict, dtype=np.float32, backend: Backend = NUMPY):
        self.dtype = np.dtype(dtype)
        self.meta = dict(meta)
        self.alphabet = str(meta["alphabet"])
        self.n_layers, self.K = int(meta["layers"]), int(meta["window"])
        self.min_step = float(meta.get("min_step", 0.0))  # how a line is read (read)
        self.A = len(self.alphabet) + 1
        self._index = {ch: i for i, ch in enumerate(self.alphabet)}
        W1 = tensors["layer1.W"]
        self.hidden = W1.shape[1] // 4  # every layer's size
        self.mixtures = (tensors["W_out"].shape[1] - 1) // 6
        self.slices = layout(self.mixtures)
        fb = float(meta.get("forget_bias", 1.0))
        self.lstms = [Lstm.from_file(tensors[f"layer{i}.W"], tensors[f"layer{i}.b"], fb, self.dtype)
                      for i in range(1, self.n_layers + 1)]
        self.window = self._linear(tensors["window.W"], tensors["window.b"])  # h¹ → α̂, β̂, κ̂
        self.head = self._linear(tensors["W_out"], tensors["b_out"])  # [h¹ … hᴸ] → the 1 + 6M outputs
        self.backend = backend

    def _linear(self, W, b) -> Linear:
        return Linear(weight_order(np.asarray(W).astype(self.dtype)), np.asarray(b).astype(self.dtype))

    def layers(self) -> tuple:
        """Its layers in the order a step computes them (what a backend that holds a model's
        layers loads: ``engine.kernel.attach``): LSTM 1, the window, LSTM 2 … L, the head."""
        return (self.lstms[0], self.window, *self.lstms[1:], self.head)

    def read(self, strokes) -> np.ndarray:
        """A line as this model reads it: :func:`read_line` at its ``min_step``."""
        return read_line(strokes, self.min_step)

    # -- text ----------------------------------------------------------------------------------
    def encode(self, text: str) -> np.ndarray:
        """Character indices; a character outside the alphabet is the unknown symbol."""
        return np.array([self._index.get(ch, self.A - 1) for ch in text], dtype=np.int64)

    def one_hot(self, text: str) -> np.ndarray:
        """(U, A) one-hot rows of the text."""
        out = np.zeros((len(text), self.A), dtype=self.dtype)
        out[np.arange(len(text)), self.encode(text)] = 1
        return out

    # -- the network ---------------------------------------------------------------------------
    def zero_state(self, batch: int = 1) -> SynthState:
        z = np.zeros((batch, self.hidden), dtype=self.dtype)
        return SynthState((z,) * self.n_layers, (z,) * self.n_layers,
                          np.zeros((batch, self.K), dtype=self.dtype), np.zeros((batch, self.A), dtype=self.dtype))

    def step(self, x, state: SynthState, onehot: np.ndarray) -> Step:
        """Feed one point per row: x (B, 3), the text's one-hot (U, A), or one per row (B, U, A)
        with zero rows past each text's end → the new state, φ and the head's outputs. Never mutates."""
        x, be = np.asarray(x, dtype=self.dtype), self.backend
        h1, c1 = be.step(self.lstms[0], np.concatenate((x, state.w), axis=1), state.h[0], state.c[0])
        abk, K = np.exp(be.linear(self.window, h1)), self.K
        a, b, kappa = abk[:, :K], abk[:, K:2 * K], state.kappa + abk[:, 2 * K:]
        u = np.arange(1, onehot.shape[-2] + 2, dtype=self.dtype)
        phi = (a[:, :, None] * np.exp(-b[:, :, None] * (kappa[:, :, None] - u) ** 2)).sum(axis=1)  # (B, U + 1)
        w = phi[:, :-1] @ onehot if onehot.ndim == 2 else np.einsum("bu,bua->ba", phi[:, :-1], onehot)
        hs, cs = [h1], [c1]
        for layer in range(1, self.n_layers):
            h, c = be.step(self.lstms[layer], np.concatenate((x, hs[-1], w), axis=1), state.h[layer], state.c[layer])
            hs.append(h)
            cs.append(c)
        y = be.linear(self.head, np.concatenate(hs, axis=1))
        return Step(SynthState(tuple(hs), tuple(cs), kappa, w), phi, y)

    def mixture_of(self, y) -> Mixture:
        """The head's raw outputs → the mixture they describe (as the unconditional model's)."""
        return mixture_of(y, self.slices)


def read_line(strokes, min_step: float) -> np.ndarray:
    """(T, 3) rows as the synthesis model's training lines are fed and as the model reads every
    line: pen-down steps shorter than ``min_step`` merged into the next (0 = as they are). A line
    with steps the model was taught never come would be scored on those steps more than on its
    letters."""
    x = np.asarray(strokes)
    return merge_small_steps(x, min_step) if min_step else x


def load(source, dtype=np.float32) -> Synthesis:
    """A synthesis model from a weights path or the file's bytes; ValueError if the file is not
    one, or its tensors do not fit together."""
    data = weights_.read_source(source)
    meta, _ = weights_.read_container(data, ())
    if meta.get("kind") != KIND:
        raise ValueError(f"weights: not a synthesis model (meta.kind is {meta.get('kind')!r}, expected {KIND!r})")
    try:
        layers, K, alphabet = int(meta["layers"]), int(meta["window"]), str(meta["alphabet"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("weights: a synthesis model needs meta.layers, meta.window and meta.alphabet") from None
    if layers < 1 or K < 1 or not alphabet or len(set(alphabet)) != len(alphabet):
        raise ValueError("weights: meta.layers and meta.window must be ≥ 1 and meta.alphabet distinct characters")
    names = [f"layer{i}.{t}" for i in range(1, layers + 1) for t in ("W", "b")] + ["window.W", "window.b", "W_out", "b_out"]
    _, tensors = weights_.read_container(data, names)
    check(meta, tensors)
    return Synthesis(meta, tensors, dtype)


def check(meta: dict, tensors: dict) -> None:
    """ValueError naming the first tensor whose shape does not fit the others."""
    layers, K, A = int(meta["layers"]), int(meta["window"]), len(meta["alphabet"]) + 1
    W1 = tensors["layer1.W"]
    if W1.ndim != 2 or W1.shape[1] % 4:
        raise ValueError(f"weights: tensor layer1.W has shape {W1.shape}, expected (3 + A + H, 4H)")
    H = W1.shape[1] // 4
    n_out = tensors["W_out"].shape[1] if tensors["W_out"].ndim == 2 else -1
    expect = {"window.W": (H, 3 * K), "window.b": (3 * K,), "W_out": (layers * H, n_out), "b_out": (n_out,)}
    for layer in range(1, layers + 1):
        inputs = 3 + A + H if layer == 1 else 3 + H + A + H
        expect[f"layer{layer}.W"], expect[f"layer{layer}.b"] = (inputs, 4 * H), (4 * H,)
    weights_.check_tensors(expect, tensors)


def dumps(meta: dict, tensors: dict, encoding: str = "q8") -> bytes:
    """A synthesis model's meta and tensors → the project container."""
    meta = {**meta, "kind": KIND}
    check(meta, {k: np.asarray(v, dtype=np.float64) for k, v in tensors.items()})
    return weights_.write_container(meta, tensors, encoding)


# -- writing and scoring -------------------------------------------------------------------------
def check_bias(bias) -> float:
    """``bias`` as a float; ValueError unless it is a finite number ≥ 0."""
    try:
        b = float(bias)
    except (TypeError, ValueError):
        raise ValueError(f"bias must be a number ≥ 0, got {bias!r}") from None
    if not np.isfinite(b) or b < 0:
        raise ValueError(f"bias must be a finite number ≥ 0, got {bias!r}")
    return b


def unknown_characters(synth: Synthesis, text: str) -> list[str]:
    """The distinct characters of ``text`` the model does not know, in order of appearance."""
    return list(dict.fromkeys(ch for ch in str(text) if ch not in synth._index))


def check_text(synth: Synthesis, text, name: str = "text") -> str:
    """A text the model can write: a non-empty str of at most MAX_CHARS characters, not made only
    of characters it does not know. ValueError saying which rule it breaks."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"{name} is empty: give the model something to write")
    if len(text) > MAX_CHARS:
        raise ValueError(f"{name} has {len(text)} characters; the model writes at most {MAX_CHARS} at a time")
    unknown = set(unknown_characters(synth, text))
    if all(ch in unknown or ch.isspace() for ch in text):
        raise ValueError(f"{name} holds only characters the model never saw ({''.join(sorted(unknown))!r})")
    return text


def biased(y: np.ndarray, slices: dict, bias: float) -> np.ndarray:
    """Graves' §5.4 bias on the head's raw outputs: π ∝ exp(π̂ (1 + b)), σ = exp(σ̂ − b)."""
    if bias == 0:
        return y
    y = np.array(y, dtype=np.float64)
    y[..., slices["pi"]] *= 1.0 + bias
    y[..., slices["log_sigma_x"]] -= bias
    y[..., slices["log_sigma_y"]] -= bias
    return y


def draw_point(synth: Synthesis, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One point (1, 3) from the head's (biased) outputs ``y`` (1 + 6M,), drawn where the training
    lines have points: they were fed with every pen-down step shorter than ``min_step`` merged into
    the next (merge_small_steps), so a pen-down draw shorter than that is drawn again, up to
    ``REDRAWS`` times in all (the last draw stands). The mixture still puts some of its pen-down
    mass there, and a line that takes those steps creeps: more points per letter, the window
    held longer on it (measured: training/README.md, Stalls)."""
    floor = synth.min_step * synth.min_step
    for _ in range(REDRAWS):
        x = sample_row(y, synth.slices, 1.0, rng)
        if x[0, 2] == 1 or x[0, 0] * x[0, 0] + x[0, 1] * x[0, 1] >= floor:
            break
    return x


PRIME_CHUNK = 50  # style points fed between the ticks iter_write yields while it reads a style


def _priming(synth: Synthesis, style, text: str):
    """Generator: feeds the style's strokes, yielding None after every PRIME_CHUNK of them, and
    returns the text the window runs over, where ``text`` starts in it, the state after the
    style's strokes and their last step (zero state and None without a style).

    The window then starts over at the text as a line from the zero state starts at its first
    character: every κ is set to the space before the text (κ = 0 is one position before a fresh
    line's first character). The state keeps what the style's strokes left in the cells, the
    hand; the window that read them arrives late, and a window read late costs more than the
    hand gives (measured: training/README.md, A line after a line)."""
    if style is None:
        return text, 0, synth.zero_state(1), None
    try:
        strokes, style_text = style
    except (TypeError, ValueError):
        raise ValueError("style must be a pair (strokes, the text they write)") from None
    style_text = check_text(synth, style_text, "the style's text")
    strokes = synth.read(validate(strokes, name="style strokes"))
    full = style_text + " " + text
    onehot = synth.one_hot(full)
    state, last = synth.zero_state(1), None
    for t in range(len(strokes)):
        last = synth.step(strokes[t:t + 1], state, onehot)
        state = last.state
        if t % PRIME_CHUNK == PRIME_CHUNK - 1:
            yield None
    offset = len(style_text) + 1
    state = state._replace(kappa=np.full_like(state.kappa, offset))
    return full, offset, state, last._replace(state=state)


def _prime(synth: Synthesis, style, text: str):
    """:func:`_priming` run to its end."""
    run = _priming(synth, style, text)
    while True:
        try:
            next(run)
        except StopIteration as done:
            return done.value


def iter_write(synth: Synthesis, text: str, bias: float = 1.0, seed=None, style=None, max_points: int | None = None):
    """:func:`write` as a generator, for a caller that shows the line as it is written or may stop
    it: yields None while it reads the style's strokes (every ``PRIME_CHUNK`` of them), then, per
    point written, (point (3,), φ (U + 1,)). The text, bias and style are checked before the first
    item."""
    text = check_text(synth, text)
    bias = check_bias(bias)
    return _writing(synth, text, bias, seed, style, max_points)


def _writing(synth, text, bias, seed, style, max_points):
    rng = np.random.default_rng(seed)
    full, offset, state, last = yield from _priming(synth, style, text)
    onehot = synth.one_hot(full)
    budget = POINTS_PER_CHAR * len(text) if max_points is None else int(max_points)
    x = np.zeros((1, 3))
    step = last if last is not None else synth.step(x, state, onehot)
    for _ in range(budget):
        x = draw_point(synth, biased(step.y, synth.slices, bias)[0], rng)
        step = synth.step(x, step.state, onehot)
        phi = step.phi[0]
        yield x[0], phi[offset:]
        if x[0, 2] == 1 and phi[-1] > phi[:-1].max():
            return


def write(synth: Synthesis, text: str, bias: float = 1.0, seed=None, style=None, max_points: int | None = None):
    """Write ``text`` → (strokes (T, 3), window (T, U + 1)): φ over the text's U characters and one
    position past its end at each point written. ``style`` = (strokes, their text) primes the hand
    (§5.5): the window runs over the style's text, a space, then ``text``; the style's strokes are
    fed and only the new ones returned. Each point is drawn as :func:`draw_point` says. Stops when
    the window has passed the last character and the pen lifts, or after ``POINTS_PER_CHAR``
    points per character."""
    written = [item for item in iter_write(synth, text, bias, seed, style, max_points) if item is not None]
    return np.array([x for x, _ in written]), np.array([phi for _, phi in written])


def wrap(text: str, width: int = MAX_CHARS) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (a word longer than a
    line is cut), each line stripped; blank lines dropped. Line breaks in ``text`` count as spaces."""
    if int(width) != width or width < 1:
        raise ValueError(f"wrap: width must be a whole number ≥ 1, got {width!r}")
    lines, line = [], ""
    for word in str(text).split():
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not word:
            continue
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def point_log_densities(synth: Synthesis, strokes, text: str, style=None) -> np.ndarray:
    """log p of each predicted point of one line (points 1..T−1) given its text, teacher-forced
    from a zero state or after the style's strokes; the line as the model reads it
    (:meth:`Synthesis.read`), so its points are those left after the merge."""
    x = synth.read(validate(strokes))
    if len(x) < 2:
        raise ValueError("nll: needs a line of two or more points")
    if style is None:
        return lines_log_densities(synth, [x], [text])[0]
    full, _, state, _ = _prime(synth, style, check_text(synth, text))
    onehot = synth.one_hot(full)
    out = np.empty(len(x) - 1)
    for t in range(len(x) - 1):
        step = synth.step(x[t:t + 1], state, onehot)
        state = step.state
        out[t] = log_density(synth.mixture_of(step.y), x[t + 1:t + 2])[0]
    return out


def padded_batch(synth: Synthesis, lines, texts) -> tuple[np.ndarray, np.ndarray]:
    """Lines and their texts as one batch: points (B, T, 3) and one-hot texts (B, U, A), each row
    zero past its line's or its text's end (a zero one-hot row adds nothing to the window)."""
    x = np.zeros((len(lines), max(map(len, lines)), 3), dtype=synth.dtype)
    onehot = np.zeros((len(lines), max(map(len, texts)), synth.A), dtype=synth.dtype)
    for b, (line, text) in enumerate(zip(lines, texts)):
        x[b, :len(line)], onehot[b, :len(text)] = line, synth.one_hot(text)
    return x, onehot


def lines_log_densities(synth: Synthesis, lines, texts) -> list[np.ndarray]:
    """``point_log_densities`` of many lines from a zero state, batched (longest first, so the
    lines still running form a prefix): per line, log p of its points 1..T−1 given its text (each
    line as the model reads it: :meth:`Synthesis.read`)."""
    lines = [synth.read(validate(x, name=f"line {i}")) for i, x in enumerate(lines)]
    texts = [check_text(synth, t, f"text {i}") for i, t in enumerate(texts)]
    if len(lines) != len(texts) or any(len(x) < 2 for x in lines):
        raise ValueError("nll: one text per line, and lines of two or more points")
    order = sorted(range(len(lines)), key=lambda i: len(lines[i]), reverse=True)
    lengths = np.array([len(lines[i]) for i in order])
    x, onehot = padded_batch(synth, [lines[i] for i in order], [texts[i] for i in order])
    out = np.zeros((len(order), lengths[0] - 1))
    state = synth.zero_state(len(order))
    for t in range(lengths[0] - 1):
        n = int((lengths > t + 1).sum())
        if n < len(state.kappa):
            state = SynthState(tuple(h[:n] for h in state.h), tuple(c[:n] for c in state.c), state.kappa[:n], state.w[:n])
        step = synth.step(x[:n, t], state, onehot[:n])
        state = step.state
        out[:n, t] = log_density(synth.mixture_of(step.y), x[:n, t + 1])
    per_line = [np.zeros(0)] * len(lines)
    for b, i in enumerate(order):
        per_line[i] = out[b, :lengths[b] - 1]
    return per_line
