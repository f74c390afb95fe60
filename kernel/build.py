"""Compile kernel/lstm.c to kernel/lstm.wasm with clang 19 and wasm-ld (wasm32, SIMD, no libc).

    python kernel/build.py           write kernel/lstm.wasm (without clang-19: keep the committed one)
    python kernel/build.py --check   compile into a temporary folder; exit 1 if the bytes differ from
                                     kernel/lstm.wasm (a stale kernel), 2 if clang-19 is missing

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
SOURCE, TARGET = HERE / "lstm.c", HERE / "lstm.wasm"
CFLAGS = ["--target=wasm32", "-O3", "-msimd128", "-ffreestanding", "-Wall", "-Wextra", "-Werror", "-c"]
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


def compile_to(folder: Path, clang: str, wasm_ld: str) -> bytes:
    """Compile lstm.c into ``folder``/lstm.wasm; returns its bytes. Runs in kernel/, relative paths."""
    obj, out = Path(folder) / "lstm.o", Path(folder) / "lstm.wasm"
    subprocess.run([clang, *CFLAGS, "-o", str(obj), SOURCE.name], cwd=HERE, check=True)
    subprocess.run([wasm_ld, *LDFLAGS, str(obj), "-o", str(out)], cwd=HERE, check=True)
    return out.read_bytes()


def main(argv: list[str]) -> int:
    check = "--check" in argv
    clang, wasm_ld = find_clang(), find_wasm_ld()
    if clang is None or wasm_ld is None:
        where = "cannot check kernel/lstm.wasm against kernel/lstm.c" if check else "kept the committed kernel/lstm.wasm"
        print(f"kernel/build.py: clang-19 or wasm-ld-19 not found (apt-get install clang-19 lld-19); {where}",
              file=sys.stderr)
        return 2 if check else 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = compile_to(Path(tmp), clang, wasm_ld)
    if check:
        if not TARGET.exists() or TARGET.read_bytes() != fresh:
            print("kernel/build.py: kernel/lstm.wasm is stale: run `python kernel/build.py` and commit it", file=sys.stderr)
            return 1
        print(f"kernel/lstm.wasm matches kernel/lstm.c ({len(fresh)} bytes)")
        return 0
    if not TARGET.exists() or TARGET.read_bytes() != fresh:
        TARGET.write_bytes(fresh)
    print(f"kernel/lstm.wasm: {len(fresh)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
