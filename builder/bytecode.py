"""Ahead-of-time bytecode for the modules the site's worker imports at start (see bytecode.mjs).

Pyodide ships the standard library and numpy as source, so a page would compile ~300 modules every
time it loads, most of the time loadPyodide takes (docs/design.md has the measurement). The
compiling runs in Pyodide itself, under Node (an exact match of the browser's interpreter and
bytecode format), and is cached by the inputs' hash, so a rebuild with the same inputs takes no
time and gives the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "bytecode.mjs"
IMPORTS = ("engine.protocol", "engine.kernel")  # what article/runtime/worker.js imports once numpy is loaded


class BytecodeError(RuntimeError):
    """Node or Pyodide could not compile the site's modules."""


def compile_ahead(pyodide_dir: Path, stdlib: bytes, wheel: bytes, wheel_name: str, engine: bytes,
                  cache: Path) -> tuple[bytes, bytes, bytes]:
    """(stdlib zip, numpy wheel, engine zip) with the modules the worker imports precompiled."""
    inputs = {"stdlib.zip": stdlib, wheel_name: wheel, "engine.zip": engine}
    key = hashlib.sha256(SCRIPT.read_bytes() + json.dumps(IMPORTS).encode()
                         + hashlib.sha256((Path(pyodide_dir) / "pyodide.asm.wasm").read_bytes()).digest()
                         + b"".join(hashlib.sha256(v).digest() for v in inputs.values())).hexdigest()[:24]
    done = cache / "bytecode" / key
    if all((done / f"{name}.out").is_file() for name in inputs):
        done.touch()  # recently used: kept by _prune
    else:
        _run(Path(pyodide_dir), inputs, done)
    return tuple((done / f"{name}.out").read_bytes() for name in inputs)


def _run(pyodide_dir: Path, inputs: dict[str, bytes], done: Path) -> None:
    node = shutil.which("node")
    if not node:
        raise BytecodeError("Node.js is needed to precompile the site's Python modules (`npm ci` needs it too): "
                            "install nodejs")
    if not (pyodide_dir / "pyodide.mjs").is_file():
        raise BytecodeError(f"{pyodide_dir} has no pyodide.mjs, which the build runs under Node to precompile modules")
    print("  precompiling the modules the page imports at start (Pyodide under Node, once for these inputs) ...",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp)
        for name, data in inputs.items():
            (job / name).write_bytes(data)
        names = list(inputs)
        (job / "job.json").write_text(json.dumps({"pyodide": str(pyodide_dir.resolve()), "stdlib": names[0],
                                                  "numpy": names[1], "engine": names[2], "imports": list(IMPORTS)}))
        r = subprocess.run([node, str(SCRIPT), str(job)], capture_output=True, text=True)
        if r.returncode:
            tail = (r.stderr or r.stdout).strip().splitlines()[-12:]
            raise BytecodeError("precompiling the site's Python modules failed:\n  " + "\n  ".join(tail))
        print(f"  compiled {r.stdout.strip()}", flush=True)
        done.mkdir(parents=True, exist_ok=True)
        for name in inputs:
            (job / f"{name}.out").replace(done / f"{name}.out")
    _prune(done.parent, keep=KEEP)


KEEP = 4  # cached results kept (~5 MB each): each change to the engine makes a new one


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently written results."""
    entries = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)
