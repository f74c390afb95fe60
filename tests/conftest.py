"""Shared fixtures. A test whose prerequisite is missing (``../shared``'s reference files and
IAM-OnDB, a browser engine's binary) calls ``lacking``: it skips with a message on a developer
machine, and fails under CI (``CI=true``), where everything must be present, so nothing passes
silently."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Small matrix products (batch 1 to 50) run faster on one thread than on a contended pool.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HANDWRITING_SHARED", ROOT.parent / "shared"))


def lacking(msg: str) -> None:
    """Skip the test with ``msg``, or fail it under CI, which must have every prerequisite."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + ", which CI must have")
    pytest.skip(msg)


def need_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        lacking(f"needs {path} (the shared reference data beside the checkout)")
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return need_shared("reference", "distill-2016")


@pytest.fixture(scope="session")
def iam_dir() -> Path:
    return need_shared("data", "iam-ondb")


@pytest.fixture(scope="session")
def unipen_dir() -> Path:
    return need_shared("data", "unipen")


@pytest.fixture(scope="session")
def model_2016(reference_dir):
    import numpy as np

    import engine
    return engine.load_model(reference_dir / "b64_weights.json", dtype=np.float64)


@pytest.fixture
def corpus(tmp_path):
    """A small IAM-OnDB-like lineStrokes folder with split lists (tests/helpers.make_corpus)."""
    from tests.helpers import make_corpus
    return make_corpus(tmp_path)
