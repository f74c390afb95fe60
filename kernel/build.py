"""Compile kernel/lstm.c to its two modules with clang 19 and wasm-ld (wasm32, SIMD, no libc):
kernel/lstm.wasm (128-bit SIMD) and kernel/lstm-fma.wasm (the same with relaxed SIMD's fused
multiply-add, -mrelaxed-simd -DLSTM_FMA), which the loader picks where the browser validates it.

    python kernel/build.py           write both (without clang-19: keep the committed ones)
    python kernel/build.py --check   compile into a temporary folder; exit 1 if the bytes differ from
                                     the committed files (a stale kernel), 2 if clang-19 is missing

The tools are $CLANG and $WASM_LD, else clang-19 and wasm-ld-19 on PATH, else those of
/usr/lib/llvm-19/bin (Debian's clang-19 and lld-19 packages). The output is deterministic: no debug
information, no producers or name sections (--strip-all), nothing of the build's paths or time.
Compiling and linking are two steps so that clang's driver never runs a wasm-opt it finds on PATH
(it does when linking with -O), which would make the bytes depend on the host.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "lstm.c"
CFLAGS = ["--target=wasm32", "-O3", "-msimd128", "-ffreestanding", "-Wall", "-Wextra", "-Werror", "-c"]
MODULES = {"lstm.wasm": [], "lstm-fma.wasm": ["-mrelaxed-simd", "-DLSTM_FMA"]}  # file → its extra flags
LDFLAGS = ["-m", "wasm32", "--no-entry", "--strip-all"]


def _find(env: str, name: str, fallback: str) -> str | None:
    for candidate in (os.environ.get(env), shutil.which(name), fallback):
        if candidate and (shutil.which(candidate) or Path(candidate).is_file()):
            return candidate
    return None


def find_clang() -> str | None:
    return _find("CLANG", "clang-19", "/usr/lib/llvm-19/bin/clang")


def find_wasm_ld() -> str | None:
    return _find("WASM_LD", "wasm-ld-19", "/usr/lib/llvm-19/bin/wasm-ld")


def compile_to(folder: Path, clang: str, wasm_ld: str) -> dict[str, bytes]:
    """Compile lstm.c into ``folder`` as each of MODULES; their bytes by file name. Runs in kernel/."""
    out = {}
    for name, flags in MODULES.items():
        obj, wasm = Path(folder) / (name + ".o"), Path(folder) / name
        subprocess.run([clang, *CFLAGS, *flags, "-o", str(obj), SOURCE.name], cwd=HERE, check=True)
        subprocess.run([wasm_ld, *LDFLAGS, str(obj), "-o", str(wasm)], cwd=HERE, check=True)
        out[name] = wasm.read_bytes()
    return out


def stale(fresh: dict[str, bytes]) -> list[str]:
    """The committed modules that differ from ``fresh`` (or are missing)."""
    return [name for name, data in fresh.items() if not (HERE / name).exists() or (HERE / name).read_bytes() != data]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    clang, wasm_ld = find_clang(), find_wasm_ld()
    if clang is None or wasm_ld is None:
        where = "cannot check the committed modules against kernel/lstm.c" if check else "kept the committed modules"
        print(f"kernel/build.py: clang-19 or wasm-ld-19 not found (apt-get install clang-19 lld-19); {where}",
              file=sys.stderr)
        return 2 if check else 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = compile_to(Path(tmp), clang, wasm_ld)
    differ = stale(fresh)
    if check:
        if differ:
            print(f"kernel/build.py: {', '.join('kernel/' + n for n in differ)} stale: run `python kernel/build.py` "
                  "and commit", file=sys.stderr)
            return 1
        print("kernel modules match kernel/lstm.c: " + ", ".join(f"{n} ({len(b)} bytes)" for n, b in fresh.items()))
        return 0
    for name in differ:
        (HERE / name).write_bytes(fresh[name])
    print("kernel modules: " + ", ".join(f"{n} {len(b)} bytes" for n, b in fresh.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
