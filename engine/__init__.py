"""The handwriting engine: pure Python + NumPy, the same files in CPython and in Pyodide.

    model = load_model()                           # the default weights in weights/
    strokes, state = generate(model, 300, 0.65, seed=1)
    more = continue_strokes(model, strokes, 100, 0.5, seed=2)
    nll(model, strokes)                            # nats per predicted point

    synth = load_synthesis()                       # the synthesis model: it writes a given text
    strokes, window = write(synth, "a sentence", bias=1.0, seed=1)
    nll(synth, strokes, text="a sentence")

Strokes are (T, 3) arrays of dx, dy, pen_lift in article units (raw IAM-OnDB units / 40);
see :mod:`engine.strokes`.
"""
from .api import (DEFAULT_SYNTHESIS, DEFAULT_WEIGHTS, TRAIN_HINT, activations, continue_strokes, feed, generate,
                  load_model, load_synthesis, nll, point_log_densities, unknown_characters, write)
from .model import Mixture, Model, State
from .synthesis import Synthesis

__all__ = ["load_model", "feed", "generate", "continue_strokes", "nll", "point_log_densities", "activations",
           "load_synthesis", "write", "unknown_characters",
           "Model", "State", "Mixture", "Synthesis", "DEFAULT_WEIGHTS", "DEFAULT_SYNTHESIS", "TRAIN_HINT"]
