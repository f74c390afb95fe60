"""The synthesis model as a build input: its weights (``--synthesis PATH``, default
``weights/synthesis.hwlstm``) and its measured record beside them (the same name with ``.json``,
written by ``python -m training.evaluate_synthesis``). A figure whose frame.py says ``NEEDS =
"synthesis"`` (fig-write) is placed only when that record passes every bar (engine.bars, the rule
the model card prints); the site then ships the weights, and the page config says where.
"""
from __future__ import annotations

import json
from pathlib import Path

import engine
from engine import bars, protocol
from engine import synthesis as S

SITE_PATH = "py/synthesis.bin"  # where the site serves the weights (client.js loadSynthesis fetches it)
MEASURE = "python -m training.evaluate_synthesis"


def weights_path(path=None) -> Path:
    return Path(path) if path else engine.DEFAULT_SYNTHESIS


def record_path(weights) -> Path:
    """The measured record that belongs to a synthesis weights file: beside it, ``.json``."""
    return weights_path(weights).with_suffix(".json")


def failing(weights=None) -> str | None:
    """None when the weights' record passes every bar; else one sentence saying why not (no record,
    a record that does not read, or the first bar not measured or failed)."""
    record = record_path(weights)
    if not weights_path(weights).is_file():
        return f"there are no synthesis weights at {weights_path(weights)}"
    if not record.is_file():
        return f"the synthesis model is not measured ({record.name} is missing: {MEASURE} writes it)"
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"the synthesis model's record {record.name} does not read ({exc})"
    return bars.failing(data)


def record(weights=None) -> dict:
    """The weights' measured record (its numbers are what the article's appendix cites)."""
    return json.loads(record_path(weights).read_text(encoding="utf-8"))


def load(weights=None) -> tuple[bytes, S.Synthesis]:
    """The weights file's bytes (the site serves them) and the model they load into; ValueError
    naming the file when it does not load."""
    path = weights_path(weights)
    data = path.read_bytes()
    try:
        return data, engine.load_synthesis(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def page_config(synth: S.Synthesis) -> dict:
    """What the page's JS needs of the synthesis model before it loads: where its weights are, the
    characters it knows and the limits of a write request (engine.protocol)."""
    return {"weights": SITE_PATH, "alphabet": synth.alphabet, "max_text": protocol.MAX_TEXT,
            "line_chars": protocol.LINE_CHARS}
