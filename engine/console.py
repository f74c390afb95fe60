"""The reader's Python console: runs code in a namespace holding the live model.

Used by the console figure's own worker (a second Pyodide, so nothing typed there can stall the
figures). ``run(code)`` returns printed output, the value of a final expression, pictures asked for
with ``show()``, and for an exception a short traceback of the reader's code only.
"""
from __future__ import annotations

import ast
import contextlib
import io
import linecache
import traceback

import numpy as np

MAX_OUTPUT = 10_000  # characters of printed output kept per run
MAX_SHOWN = 8  # pictures per run
FILENAME = "<console>"

HELP = """Defined for you: model (the article's model), engine, np (numpy), my_strokes (your latest
drawing from any figure, a (T, 3) array of dx, dy, pen_lift), show(x): draw x, a (T, 3) array of
strokes, or a 2-D array as a heatmap. Try engine.generate(model, 200, 0.6, seed=1)."""
SYNTHESIS_HELP = """
Also synth (the model that writes a given text) and write(text, bias=1.0, seed=None, style=None):
its strokes and window, the window's φ a (points, characters + 1) array. Try
strokes, window = write("hello", seed=1); show(strokes); show(window.T)."""


class Console:
    """``before_statement``: called before each top-level statement of the reader's code (the
    kernel backend's ``sync``, so an edit of the model's weights counts from the next statement)."""

    def __init__(self, model, engine_module, before_statement=None):
        self.before_statement = before_statement or (lambda: None)
        self.shown: list[dict] = []
        self.ns = {"model": model, "engine": engine_module, "np": np, "show": self.show,
                   "my_strokes": np.zeros((0, 3)), "help_text": HELP, "__name__": "__console__"}

    def add_synthesis(self, synth, engine_module) -> None:
        """Put the synthesis model in the namespace: ``synth``, and ``write`` as engine.write on it."""
        if self.ns.get("synth") is synth:
            return

        def write(text, bias=1.0, seed=None, style=None):
            """The synthesis model writes ``text`` → (strokes (T, 3), window (T, U + 1))."""
            return engine_module.write(synth, text, bias=bias, seed=seed, style=style)
        self.ns.update(synth=synth, write=write, help_text=HELP + SYNTHESIS_HELP)

    def show(self, x) -> None:
        """Draw strokes ((T, 3) dx, dy, pen_lift) or a 2-D array as a heatmap below the output."""
        a = np.asarray(x, dtype=np.float64)
        if len(self.shown) >= MAX_SHOWN:
            raise ValueError(f"show(): at most {MAX_SHOWN} pictures per run")
        if a.ndim == 2 and a.shape[1] == 3 and np.isin(a[:, 2], (0, 1)).all():
            self.shown.append({"kind": "strokes", "data": a.astype(np.float32).ravel()})
        elif a.ndim == 2 and a.size <= 200_000:
            self.shown.append({"kind": "heatmap", "rows": a.shape[0], "cols": a.shape[1],
                               "data": a.astype(np.float32).ravel()})
        elif a.ndim == 1 and a.size <= 200_000:
            self.shown.append({"kind": "heatmap", "rows": 1, "cols": a.size, "data": a.astype(np.float32).ravel()})
        else:
            raise ValueError("show() takes (T, 3) strokes or a 1-D/2-D array of at most 200,000 values")

    def run(self, code: str, my_strokes=None) -> dict:
        """Execute ``code``; → {"output", "error", "shown"}."""
        if my_strokes is not None and len(my_strokes):
            self.ns["my_strokes"] = np.asarray(my_strokes, dtype=np.float64).reshape(-1, 3)
        self.shown = []
        out = io.StringIO()
        error = ""
        linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)  # lines in tracebacks
        try:
            tree = ast.parse(code, FILENAME, "exec")
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                for stmt in tree.body:
                    self.before_statement()
                    exec(compile(ast.Module([stmt], type_ignores=[]), FILENAME, "exec"), self.ns)
                if last is not None:
                    self.before_statement()
                    value = eval(compile(ast.Expression(last.value), FILENAME, "eval"), self.ns)
                    if value is not None:
                        print(repr(value))
        except MemoryError:
            error = "MemoryError: that needs more memory than this page has"
        except BaseException as exc:  # noqa: BLE001 — the reader's code may raise anything
            error = short_traceback(exc)
        text = out.getvalue()
        if len(text) > MAX_OUTPUT:
            text = text[:MAX_OUTPUT] + f"\n… output cut at {MAX_OUTPUT:,} characters"
        return {"output": text, "error": error, "shown": self.shown}


def short_traceback(exc: BaseException) -> str:
    """Only the frames of the reader's own code, then the exception line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    lines = ["Traceback (your code):"] + [f"  line {f.lineno}" + (f": {f.line}" if f.line else "") for f in frames]
    return "\n".join(lines + traceback.format_exception_only(type(exc), exc)).strip()
