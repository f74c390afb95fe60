"""Handwriting corpora read into the engine's stroke format, without torch.

- :mod:`corpora.iam`: IAM-OnDB line strokes (training, evaluation, the cell analysis).
- :mod:`corpora.unipen`: UNIPEN 1.0 text lines in millimetres (the human lines the site shows,
  once :mod:`engine.hands` has made them read like IAM-OnDB).
- :mod:`corpora.archive`: the one reader of a data folder or tar archive, for both.

``SHARED_DATA`` is where the development machines keep the raw data (never inside the project or
a published site: the licences forbid it). ``CACHE`` is the one folder every stage caches into
(parsed splits, the cell ordering, the Pyodide numpy wheel, precompiled bytecode).
"""
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CACHE = Path.home() / ".cache" / "handwriting"
