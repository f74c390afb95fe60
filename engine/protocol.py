"""The worker protocol, Python side: one entry point, ``handle``, for every request of the figures.

The Web Worker (article/runtime/worker.js) calls ``init(weights_bytes, kernel)`` once, then
``handle(type, payload)`` for each request. ``handle`` returns an iterator of ``(kind, data)`` pairs,
``kind`` "progress" or "result" (the last one), so long work can stream and be cancelled between
items. Strokes arrive and leave as flat float32 arrays (T × 3) in article units. Each handler
checks its whole request once, before any model work (the temperature is required: the figure's
settings carry it); any ValueError becomes an ``error`` reply carrying its sentence; the worker
never dies on bad input.

The request types are the keys of ``HANDLERS``; each handler's docstring says what it reads and
replies. The README's "Worker protocol" table lists them for the page's side (tests/test_protocol.py
checks it against the handlers: the same types, the payload names each reads, the names it replies).
"""
from __future__ import annotations

import numpy as np

from . import hands
from .api import activations, feed, generate, load_model, load_synthesis, nll
from .kernel import KernelBackend, attach
from .model import Model
from .sampling import check_temperature
from .strokes import validate
from .synthesis import MAX_CHARS, Synthesis, check_bias, check_text, iter_write, wrap

MAX_STEPS = 1000  # most points one request may ask the model to write
_model: Model | None = None
_numpy_twin: Model | None = None  # the same weights on NumPy, for benchmarks beside the kernel
_synthetic: dict[tuple[int, str], Model] = {}  # (cells, backend) → a random model, for benchmarks
_weights: bytes = b""
_sessions: dict[str, object] = {}
_console = None  # engine.console.Console of the model, made on the first exec request
_kernel = None  # the WebAssembly kernel init was handed (None: the NumPy path only)
_synth: Synthesis | None = None  # the synthesis model, loaded by a "synthesis" request (fig-write, the console)
MAX_TEXT = 250  # most characters one write request takes, wrapped into lines
LINE_CHARS = 30  # write wraps its text into lines of at most this many characters: about 135 article units of ink, which fig-write draws across its width at a readable size
MAX_BIAS = 5.0  # most bias a write takes (the figure's slider goes to engine.synthesis.TOP_BIAS)
MAX_STYLE = 2000  # most points of a hand to prime with (the UNIPEN lines have up to 1,122)
WRITE_CHUNK = 8  # points per progress reply of a write: the figure draws them as they come


def init(weights, kernel=None) -> dict:
    """Load the model from the weights file's bytes, on the WebAssembly kernel when the worker
    hands one in (else, or if it fails, on NumPy); returns its sizes and which backend runs it."""
    global _model, _weights, _numpy_twin, _console, _kernel, _synth
    # a JS Uint8Array arrives as a JsProxy: to_bytes() copies it at once (0.8 ms for the 1 MB
    # weights), where bytes() would read it one element at a time (280 ms, measured under Node)
    _weights = weights.to_bytes() if hasattr(weights, "to_bytes") else bytes(weights)
    _model, _numpy_twin, _console = load_model(_weights), None, None  # the console starts anew with the model
    _sessions.clear()
    _synthetic.clear()
    _kernel, _synth = kernel, None
    info = {"hidden": _model.hidden, "mixtures": _model.mixtures, "backend": "numpy"}
    if kernel is not None:
        try:
            attach(_model, kernel)
            info["backend"] = "kernel"
        except Exception as exc:  # noqa: BLE001 — the NumPy path always works (attach leaves it in place)
            info["kernel_error"] = _sentence(exc)
    return info


def _on_kernel() -> bool:
    return isinstance(_model.backend, KernelBackend)


def strokes_from(flat, name: str = "strokes", allow_empty: bool = False) -> np.ndarray:
    """A flat float array of T × 3 values → validated (T, 3) strokes."""
    arr = np.asarray(flat if flat is not None else [], dtype=np.float64).ravel()
    if arr.size % 3:
        raise ValueError(f"{name}: {arr.size} values is not a whole number of (dx, dy, pen_lift) rows")
    if allow_empty and arr.size == 0:
        return arr.reshape(0, 3)
    return validate(arr.reshape(-1, 3), name=name)


def flat(strokes) -> np.ndarray:
    return np.ascontiguousarray(strokes, dtype=np.float32).ravel()


def _count(value, name: str, lo: int = 1, hi: int = MAX_STEPS) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}") from None
    if n != value or not lo <= n <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")
    return n


def _seed(value):
    return None if value is None else _count(value, "seed", 0, 2 ** 32 - 1)


def _state(session: str, reset: bool):
    if reset or session not in _sessions:
        _sessions[session] = None
    return _sessions[session]


def handle_continue(p: dict):
    """session, append (new rows, flat), reset, n, temperature, seed → strokes: feeds ``append`` into
    the session's state, then samples ``n`` points from it (the state is kept)."""
    session, t = str(p.get("session", "default")), check_temperature(p.get("temperature"))
    n, seed = _count(p.get("n", 20), "n"), _seed(p.get("seed"))
    rows = strokes_from(p.get("append"), "append", allow_empty=True)
    state = _state(session, bool(p.get("reset")))
    if len(rows):
        state = _sessions[session] = feed(_model, rows, state)
    if state is None:
        raise ValueError("nothing written yet: draw something first")
    points, _ = generate(_model, n, t, seed, state)
    yield "result", {"strokes": flat(points)}


def handle_generate(p: dict):
    """session, n, temperature, seed, reset → strokes: the next ``n`` points of an endless line."""
    session, t = str(p.get("session", "default")), check_temperature(p.get("temperature"))
    n, seed = _count(p.get("n", 50), "n"), _seed(p.get("seed"))
    points, _sessions[session] = generate(_model, n, t, seed, _state(session, bool(p.get("reset"))))
    yield "result", {"strokes": flat(points)}


def handle_paths(p: dict):
    """Possible paths, streamed: strokes, n_paths, steps, temperature, seed, start, stride → progress
    replies of a few points each, {first, stride, count, branches (count × n_paths × steps × 3), eos
    (count), veer (count × n_paths)} for the points first, first + stride, …; then {points}. Several
    workers can split a line by stride."""
    from .paths import iter_possible_paths
    x = strokes_from(p.get("strokes"))
    n_paths, steps = _count(p.get("n_paths", 50), "n_paths", 1, 200), _count(p.get("steps", 4), "steps", 1, 16)
    start = _count(p.get("start", 0), "start", 0, len(x) - 1)
    stride = _count(p.get("stride", 1), "stride", 1, 64)
    t, seed = check_temperature(p.get("temperature")), _seed(p.get("seed"))
    per_reply = max(1, 16 // steps)  # a few points per message: smooth drawing, little overhead
    batch = []
    for item in iter_possible_paths(_model, x, n_paths, steps, t, seed, start=start, stride=stride):
        batch.append(item)
        if len(batch) == per_reply or item.index + stride > len(x) - 1:
            yield "progress", {"first": batch[0].index, "stride": stride, "count": len(batch),
                               "branches": np.stack([b.branches for b in batch]).ravel(),
                               "eos": np.array([b.eos for b in batch]), "veer": np.stack([b.veer for b in batch]).ravel()}
            batch = []
    yield "result", {"points": len(x)}


def handle_activations(p: dict):
    """strokes → c: every step's cell state of the line from a zero state, (T × H) flat."""
    yield "result", {"c": activations(_model, strokes_from(p.get("strokes")))}


def handle_feed(p: dict):
    """session, append, reset → c: the session's cell state (H,) after feeding it the new rows (a pen
    keeping up)."""
    session = str(p.get("session", "default"))
    rows = strokes_from(p.get("append"), "append", allow_empty=True)
    state = _state(session, bool(p.get("reset")))
    if len(rows):
        state = _sessions[session] = feed(_model, rows, state)
    c = state.c[0] if state is not None else np.zeros(_model.hidden)
    yield "result", {"c": c}


def handle_exec(p: dict):
    """code, my_strokes → output, error, count, shown{i} (+ shown{i}_meta): the reader's code run in
    the console's namespace (only the console's own worker gets these); with ``synth`` and ``write``
    once a synthesis request has loaded that model."""
    global _console
    import engine as engine_module
    if _console is None:
        from .console import Console
        _console = Console(_model, engine_module, before_statement=_model.backend.sync)
    if _synth is not None:  # loaded by a synthesis request: synth and write are defined too
        _console.add_synthesis(_synth, engine_module)
    code = p.get("code")
    if not isinstance(code, str) or len(code) > 20_000:
        raise ValueError("code must be text of at most 20,000 characters")
    mine = p.get("my_strokes")
    res = _console.run(code, strokes_from(mine, "my_strokes", allow_empty=True) if mine is not None else None)
    data = {"output": res["output"], "error": res["error"], "count": len(res["shown"])}
    for i, item in enumerate(res["shown"]):  # arrays travel as typed arrays, the rest as JSON
        data[f"shown{i}"] = item["data"]
        data[f"shown{i}_meta"] = {k: v for k, v in item.items() if k != "data"}
    yield "result", data


def handle_mixture(p: dict):
    """strokes → pi, mu, sigma, rho, eos: every step's mixture (predicting the next point) as
    ``Model.run`` gives it, flat."""
    mix = _model.run(strokes_from(p.get("strokes"))).mixture
    yield "result", {"pi": mix.pi.ravel(), "mu": mix.mu.ravel(), "sigma": mix.sigma.ravel(),
                     "rho": mix.rho.ravel(), "eos": mix.eos.ravel()}


def handle_bench(p: dict):
    """batch, steps, backend ("model", or "numpy" for the NumPy path beside the kernel), hidden
    (optional: a synthetic model of that many cells, random weights, on a kernel of its own when the
    figures' model runs on the kernel) → ms: the time of a full sampling step (update + mixture +
    sample), the median over 5 blocks of ``steps`` steps of each block's mean (the browser's clock
    is coarse, ~0.1 ms, so single steps cannot be timed)."""
    import time

    from .sampling import sample_next
    batch, steps = _count(p.get("batch", 1), "batch", 1, 200), _count(p.get("steps", 100), "steps")
    backend = p.get("backend", "model")
    if backend not in ("model", "numpy"):
        raise ValueError("backend must be 'model' (as the figures run it) or 'numpy'")
    if p.get("hidden") is not None:
        model = _synthetic_model(_count(p["hidden"], "hidden", 1, 2000), backend)
    else:
        model = _numpy() if backend == "numpy" else _model
    rng = np.random.default_rng(0)
    state, x, times = model.zero_state(batch), np.zeros((batch, 3)), []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(steps):
            state = model.step(x, state)
            x = sample_next(model, state.h, 0.5, rng)
        times.append((time.perf_counter() - t0) / steps)
    yield "result", {"ms": float(np.median(times) * 1e3)}


def _numpy() -> Model:
    """The model on the NumPy path (the same weights), for benchmarks beside the kernel's."""
    global _numpy_twin
    if not _on_kernel():
        return _model
    _numpy_twin = _numpy_twin or load_model(_weights)
    return _numpy_twin


def _synthetic_model(hidden: int, backend: str) -> Model:
    """A model of ``hidden`` cells and 20 mixture components with random weights, quantized as a
    weights file stores them (the time of a step depends on that, not on the values): what a larger
    model would cost in this runtime. On a second instance of the kernel (its own memory) when the
    figures' model runs on the kernel."""
    key = (hidden, backend if _on_kernel() else "numpy")
    if key not in _synthetic:
        from .weights import Weights, dumps, load
        rng, n_out = np.random.default_rng(hidden), 1 + 6 * 20
        model = Model(load(dumps(Weights(rng.normal(0, 0.1, (3 + hidden, 4 * hidden)), rng.normal(0, 0.1, 4 * hidden),
                                         rng.normal(0, 0.1, (hidden, n_out)), rng.normal(0, 0.1, n_out)))))
        if key[1] == "model":
            attach(model, _model.backend.kernel.another())
        _synthetic[key] = model
    return _synthetic[key]


def handle_nll(p: dict):
    """strokes → nll: nats per predicted point."""
    yield "result", {"nll": nll(_model, strokes_from(p.get("strokes")))}


def handle_synthesis(p: dict):
    """weights (the synthesis weights file's bytes, which client.js fetches) → info: {alphabet,
    hidden, layers, max_chars, max_text, line_chars, backend}: loads the synthesis model (Graves
    §5), in place of any loaded before."""
    global _synth
    data = p.get("weights")
    data = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data if data is not None else b"")
    if not data:
        raise ValueError("no synthesis weights were given")
    synth = load_synthesis(data)
    info = {"alphabet": synth.alphabet, "hidden": synth.hidden, "layers": synth.n_layers, "max_chars": MAX_CHARS,
            "max_text": MAX_TEXT, "line_chars": LINE_CHARS, **_synthesis_backend(synth)}
    _warm_up(synth)
    _synth = synth
    yield "result", {"info": info}


def _synthesis_backend(synth: Synthesis) -> dict:
    """Put the synthesis model on a kernel instance of its own (``_kernel.another()``: one kernel
    serves one model) when the worker handed one to ``init``; else, or if that fails, it stays on
    NumPy, as ``init`` does for the unconditional model. → {"backend": …} (and "kernel_error")."""
    if _kernel is None:
        return {"backend": "numpy"}
    try:
        attach(synth, _kernel.another())
        return {"backend": "kernel"}
    except Exception as exc:  # noqa: BLE001 — the NumPy path always works (attach leaves it in place)
        return {"backend": "numpy", "kernel_error": _sentence(exc)}


WARM_UP_POINTS = 200


def _warm_up(synth: Synthesis) -> None:
    """Write WARM_UP_POINTS points of a short text and drop them, so that what a first write costs
    once (the kernel's views, the interpreter's and the engine's first calls) is paid while the
    model loads, before a reader presses Write (measured: docs/design.md, "The worker")."""
    text = "".join(ch for ch in "the" if ch in synth.alphabet) or synth.alphabet[:3]
    for _ in iter_write(synth, text, 1.0, 0, None, WARM_UP_POINTS):
        pass


def _synthesis() -> Synthesis:
    if _synth is None:
        raise ValueError("the writing model is not loaded yet")
    return _synth


def text_lines(synth: Synthesis, text) -> list[str]:
    """The text of a write request in lines of at most LINE_CHARS characters (wrapped at spaces),
    each one the model can write; ValueError saying what is wrong with it."""
    if not isinstance(text, str):
        raise ValueError("the text must be a string")
    if len(text) > MAX_TEXT:
        raise ValueError(f"the text has {len(text):,} characters; the model writes at most {MAX_TEXT} at a time: "
                         f"shorten it")
    lines = wrap(text, LINE_CHARS)
    if not lines:
        check_text(synth, text, "the text")  # says it is empty
    one = len(lines) == 1
    return [check_text(synth, line, "the text" if one else f"line {k + 1} of the text") for k, line in enumerate(lines)]


def write_style(synth: Synthesis, flat, text, normalise: bool):
    """The hand a write copies: None (the model's own) when ``flat`` is None, else (strokes, their
    text), the strokes first normalised to IAM-OnDB's letter height and spacing (engine.hands)
    when they come from a reader's pad. ValueError saying why a hand cannot be used."""
    if flat is None:
        return None
    rows = strokes_from(flat, "the handwriting to copy", allow_empty=True)
    if len(rows) < 2:
        raise ValueError("there is too little handwriting to copy: write a few words in the box first")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("type what the handwriting says, so the model knows which letters it shows")
    check_text(synth, text, "what the handwriting says")
    if normalise:
        try:
            rows = hands.normalise(rows)
        except ValueError as exc:
            raise ValueError(f"that handwriting cannot be used: {str(exc).removeprefix('normalise: ')}") from None
    if len(rows) > MAX_STYLE:
        raise ValueError(f"that handwriting is too long to copy ({len(rows):,} points, at most {MAX_STYLE:,}): "
                         f"write fewer words")
    return rows, text


def handle_write(p: dict):
    """text, bias, seed, style (flat rows of a hand to copy, optional), style_text (what they say),
    normalise (the style is a reader's pad strokes: normalise them first) → progress {lines, line,
    points (new rows, flat), window (their φ rows, flat: one column per character of the line and
    one past its end), reading (true while the hand's strokes are fed)}, then {lines, points (how
    many in all)}. The text is wrapped into lines (``text_lines``), each written primed by the style
    and with its own seed (seed + line)."""
    synth = _synthesis()
    lines = text_lines(synth, p.get("text"))
    bias = check_bias(p.get("bias"))
    if bias > MAX_BIAS:
        raise ValueError(f"bias must be at most {MAX_BIAS:g}, got {bias:g}")
    seed = _seed(p.get("seed"))
    style = write_style(synth, p.get("style"), p.get("style_text"), bool(p.get("normalise")))
    total = 0
    for k, line in enumerate(lines):
        points, window = [], []
        for item in iter_write(synth, line, bias, None if seed is None else seed + k, style):
            if item is None:
                yield "progress", {"lines": lines, "line": k, "points": np.zeros(0), "window": np.zeros(0), "reading": True}
                continue
            points.append(item[0])
            window.append(item[1])
            if len(points) == WRITE_CHUNK:
                yield "progress", _written(lines, k, points, window)
                total += len(points)
                points, window = [], []
        if points:
            yield "progress", _written(lines, k, points, window)
            total += len(points)
    yield "result", {"lines": lines, "points": total}


def _written(lines: list[str], k: int, points: list, window: list) -> dict:
    return {"lines": lines, "line": k, "points": np.ravel(points), "window": np.ravel(window), "reading": False}


HANDLERS = {"continue": handle_continue, "generate": handle_generate, "paths": handle_paths, "mixture": handle_mixture, "nll": handle_nll,
            "activations": handle_activations, "feed": handle_feed, "exec": handle_exec,
            "bench": handle_bench, "synthesis": handle_synthesis, "write": handle_write}


def start(kind: str, payload):
    """Begin a request from JS (payload a JsProxy or dict) → an iterator for ``next_reply``."""
    payload = payload.to_py() if hasattr(payload, "to_py") else payload
    try:
        return iter(handle(str(kind), payload))
    except Exception as exc:  # noqa: BLE001 — becomes an error reply, never a dead worker
        return iter([("error", {"message": _sentence(exc)})])


def next_reply(it):
    """The next (kind, json, names, arrays) of a request, or None when it is finished.

    Arrays travel apart from the JSON: the worker copies each float32 buffer into a typed array.
    """
    import json
    try:
        kind, data = next(it)
    except StopIteration:
        return None
    except Exception as exc:  # noqa: BLE001
        kind, data = "error", {"message": _sentence(exc)}
    arrays = {k: v for k, v in data.items() if isinstance(v, np.ndarray)}
    rest = {k: (float(v) if isinstance(v, np.floating) else v) for k, v in data.items() if k not in arrays}
    return kind, json.dumps(rest), list(arrays), [np.ascontiguousarray(a, dtype=np.float32) for a in arrays.values()]


def _sentence(exc: Exception) -> str:
    if isinstance(exc, ValueError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: try a shorter line"
    return f"internal error ({type(exc).__name__})"


def handle(kind: str, payload: dict):
    """Iterator of (kind, data) replies for one request. ValueError for anything malformed."""
    if _model is None:
        raise ValueError("the model is not loaded yet")
    if kind not in HANDLERS:
        raise ValueError(f"unknown request type {kind!r} (known: {', '.join(sorted(HANDLERS))})")
    if not isinstance(payload, dict):
        raise ValueError("a request's payload must be an object")
    return HANDLERS[kind](payload)
