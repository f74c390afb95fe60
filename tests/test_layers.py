"""The project's layers import only what they may, so each can be read, shipped and tested alone:
the engine ships to every reader's browser (numpy only), the corpora and the builder run without
torch, and nothing but training needs it."""
import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIRD_PARTY = {  # per layer: project packages and third-party modules it may import
    "engine": {"engine", "numpy"},
    "corpora": {"corpora", "engine", "numpy"},
    "training": {"training", "analysis", "engine", "corpora", "numpy", "torch", "matplotlib"},
    "analysis": {"analysis", "engine", "corpora", "numpy"},
    "builder": {"builder", "engine", "corpora", "numpy", "jinja2", "markdown", "yaml", "bibtexparser", "openTSNE"},
    "build": {"builder"},
    "article": {"builder", "engine", "numpy"},  # the figures' frame.py
}


def imported(path: Path) -> set[str]:
    """Top-level names of every absolute import in a file, nested imports included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__"}


def files(layer: str) -> list[Path]:
    return [ROOT / "build.py"] if layer == "build" else sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(THIRD_PARTY))
def test_layer_imports_only_what_it_may(layer):
    assert files(layer), f"no Python files in {layer}"
    for path in files(layer):
        extra = imported(path) - THIRD_PARTY[layer]
        assert not extra, f"{path.relative_to(ROOT)} imports {sorted(extra)}, which {layer} may not"


def test_the_check_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\ndef f():\n    from training.train import main\n    import torch.nn\n")
    assert imported(bad) == {"training", "torch"}
