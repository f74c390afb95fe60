"""The WebAssembly SIMD kernel (kernel/): its LSTM step, output layer and tanh against the engine's
NumPy model under Node, in both modules (lstm.wasm, and lstm-fma.wasm with relaxed SIMD's fused
multiply-add, which Node 20 runs behind a flag), and the committed modules against a fresh compile
of kernel/lstm.c.

Node runs kernel/harness.js on float32 files this test writes. Without ``node`` (or clang-19, for the
compile check) a test skips with a message on a developer machine and fails under CI (CI=true),
where both are installed, so nothing passes silently.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine
from engine import weights as W
from engine.api import DEFAULT_WEIGHTS
from tests.helpers import random_line, random_weights

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "kernel"
TOL = 1e-5  # max |kernel − NumPy| / max |NumPy|, for h, c and y
CI = os.environ.get("CI", "").lower() == "true"
MODULES = ("lstm.wasm", "lstm-fma.wasm")


def need(tool: str, why: str) -> str:
    path = shutil.which(tool)
    if path is None:
        msg = f"needs {tool} on PATH ({why})"
        if CI:
            pytest.fail(msg + ", which CI installs")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="module")
def node():
    return need("node", "it runs the WebAssembly kernel")


@pytest.fixture(scope="module")
def relaxed_flag(node) -> list[str]:
    """Node's option that turns relaxed SIMD on, where this Node still has it behind one."""
    options = subprocess.run([node, "--v8-options"], check=True, capture_output=True, text=True, timeout=60).stdout
    return ["--experimental-wasm-relaxed-simd"] if "--experimental-wasm-relaxed-simd" in options else []


def f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def cases_for(model: engine.Model, rng: np.random.Generator, realistic: bool):
    """(name, x, h, c) cases: B = 1, 7, 50 rows of their own state, and 7, 50 rows sharing one."""
    H = model.hidden
    if realistic:  # states the model really reaches along a line, inputs like the line's
        run = model.run(random_line(80, seed=3))
        pool_h, pool_c = run.h, run.c
    else:
        pool_h, pool_c = np.tanh(rng.normal(0, 1.5, (80, H))), rng.normal(0, 2, (80, H))
    out = []
    for B, shared in ((1, False), (7, False), (50, False), (7, True), (50, True)):
        rows = rng.choice(len(pool_h), 1 if shared else B, replace=False)
        x = np.zeros((B, 3))
        x[:, :2] = rng.normal(0, 1, (B, 2))
        x[:, 2] = rng.random(B) < 0.2
        out.append((f"B{B}{'s' if shared else ''}", x, pool_h[rows], pool_c[rows]))
    return out


def run_harness(node: list[str], folder: Path, models: list[tuple[str, engine.Model]], tanh_in=None, exact=None,
                module: str = "lstm.wasm"):
    """Write the models and their cases, run the kernel (kernel/``module``) under Node (``node``: the
    command and its options), read back every result. ``exact``: name → the same model in float64,
    whose results go into the dict ``exact_out``."""
    job, expected, exact_out = {"models": [], "tanh": tanh_in is not None}, {}, {}
    rng = np.random.default_rng(7)
    for name, model in models:
        def write(suffix, a, name=name):
            f32(a).tofile(folder / f"{name}.{suffix}.f32")  # row-major, whatever order NumPy keeps a in

        for suffix, a in (("W", model.W), ("b", model.b), ("W_out", model.W_out), ("b_out", model.b_out)):
            write(suffix, a)
        entry = {"name": name, "H": model.hidden, "n_out": len(model.b_out), "cases": []}
        for case, x, h, c in cases_for(model, rng, realistic=name.startswith("default") or name == "2016"):
            for suffix, a in (("x", x), ("h", h), ("c", c)):
                write(f"{case}.{suffix}", a)
            x32, h32, c32 = f32(x), f32(h), f32(c)
            state = model.branch(x32, h32, c32)
            expected[name, case] = {"h2": state.h, "c2": state.c, "y": model.outputs(state.h)}
            if len(h) == len(x):
                expected[name, case]["y_h"] = model.outputs(h32)
            if exact is not None:  # the same step in float64, from the same float32 inputs
                s64 = exact[name].branch(*(a.astype(np.float64) for a in (x32, h32, c32)))
                exact_out[name, case] = {"h2": s64.h, "c2": s64.c, "y": exact[name].outputs(s64.h)}
            entry["cases"].append({"name": case, "B": len(x), "shared": len(h) != len(x)})
        job["models"].append(entry)
    if tanh_in is not None:
        f32(tanh_in).tofile(folder / "tanh.in.f32")
    (folder / "job.json").write_text(json.dumps(job))
    res = subprocess.run([*node, str(KERNEL / "harness.js"), str(folder), module], check=False, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    got = {key: {k: np.fromfile(folder / f"{key[0]}.{key[1]}.{k}.f32", dtype=np.float32).reshape(v.shape)
                 for k, v in ref.items()} for key, ref in expected.items()}
    tanh_out = np.fromfile(folder / "tanh.out.f32", dtype=np.float32) if tanh_in is not None else None
    return (expected, exact_out) if exact is not None else expected, got, tanh_out


def rel_err(got, ref) -> float:
    return float(np.max(np.abs(got.astype(np.float64) - ref)) / max(np.max(np.abs(ref)), 1e-30))


def nudged(weights: W.Weights) -> W.Weights:
    """The weights with one recurrent weight moved off its quantization grid (a console edit)."""
    weights.W = weights.W.copy()
    weights.W[3 + 10, 7] += 1e-3
    return weights


@pytest.mark.parametrize("module", MODULES)
def test_kernel_matches_numpy_step(node, relaxed_flag, tmp_path, module, reference_dir):
    """h, c and the output layer of one step, at batch 1, 7, 50 and from a shared state (branch),
    for random models (H and n_out not multiples of 4 or 16: padded panels), quantized ones (the
    default model, the 2016 model, random weights through the q8 format: these load into the
    compact bfloat16 panels as well) and the default model nudged off its grid (float panels only),
    against engine.Model in float32 and in float64. One kernel instance loads them in turn."""
    sources = {"small": lambda: random_weights(hidden=13, mixtures=3, seed=1),
               "wide": lambda: random_weights(hidden=130, mixtures=20, seed=2),  # 3 spans of 64 rows
               "default": lambda: W.load(DEFAULT_WEIGHTS),  # what engine.load_model() reads
               "quantized": lambda: W.load(W.dumps(random_weights(hidden=131, mixtures=20, seed=5))),
               "2016": lambda: W.load(reference_dir / "b64_weights.json"),
               "default-nudged": lambda: nudged(W.load(DEFAULT_WEIGHTS)),
               "edited": lambda: random_weights(hidden=13, mixtures=3, seed=4)}
    compact = {"default", "quantized", "2016"}
    models = [(name, engine.Model(make())) for name, make in sources.items()]
    exact = {name: engine.Model(make(), dtype=np.float64) for name, make in sources.items()}
    (expected, exact_out), got, _ = run_harness([node, *relaxed_flag], tmp_path, models, exact=exact, module=module)
    loaded = json.loads((tmp_path / "loaded.json").read_text())
    assert {name for name, v in loaded.items() if v["compact"]} == compact
    worst = {}
    for key, ref in expected.items():
        for k, v in ref.items():
            err = rel_err(got[key][k], v)
            worst[f"{key[0]}.{key[1]}.{k} vs float32"] = err
            assert err <= TOL, f"{key[0]} {key[1]} {k}: max|Δ|/max|ref| = {err:.2e} > {TOL:.0e} (NumPy float32)"
        for k, v in exact_out[key].items():
            err = rel_err(got[key][k], v)
            worst[f"{key[0]}.{key[1]}.{k} vs float64"] = err
            assert err <= TOL, f"{key[0]} {key[1]} {k}: max|Δ|/max|ref| = {err:.2e} > {TOL:.0e} (NumPy float64)"
    print("worst relative errors:", sorted(worst.items(), key=lambda kv: -kv[1])[:3])


@pytest.mark.parametrize("module", MODULES)
def test_kernel_tanh_accuracy(node, relaxed_flag, tmp_path, module):
    """The kernel's own tanh (no libm under -nostdlib): |error| ≤ 1e-6 on [−20, 20], odd, exact at 0,
    and it keeps small arguments' relative accuracy (no cancellation near 0)."""
    x = np.concatenate([np.linspace(-20, 20, 400_001), np.linspace(-0.5, 0.5, 100_001),
                        [0.0, -0.0, 1e-30, -1e-30, 1e-8, 1e-4, 9.0, 10.0, 10.5, 40.0, 1e30, -1e30]]).astype(np.float32)
    _, _, t = run_harness([node, *relaxed_flag], tmp_path, [], tanh_in=x, module=module)
    ref = np.tanh(x.astype(np.float64))
    err = np.abs(t.astype(np.float64) - ref)
    inside = np.abs(x) <= 20
    assert err[inside].max() <= 1e-6, f"max |tanh error| {err[inside].max():.2e} at x = {x[inside][err[inside].argmax()]}"
    assert err.max() <= 1e-6
    np.testing.assert_array_equal(t[x == 0], 0.0)
    np.testing.assert_array_equal(np.signbit(t), np.signbit(x))
    small = (np.abs(x) > 0) & (np.abs(x) < 0.5)
    assert (err[small] / np.abs(ref[small])).max() < 1e-6  # relative, where |tanh x| is small
    print(f"tanh: max abs error {err.max():.2e}, in float32 ulps of 1: {err.max() / 2 ** -24:.2f}")


def test_simd_probe_and_loader(node, relaxed_flag):
    """The loader's probes: where SIMD validates, create() gives a kernel, and choose() names the
    module with fused multiply-add where relaxed SIMD validates too (unless asked for the plain one),
    else the plain one; where SIMD does not validate, null from both, for the worker to keep NumPy."""
    script = ("const k = require(process.argv[1]); const fs = require('fs');"
              "if (process.argv[3] === 'off') WebAssembly.validate = () => false;"
              "k.create(fs.readFileSync(process.argv[2])).then((x) => console.log(JSON.stringify("
              "{simd: k.simd(), relaxed: k.relaxed(), best: k.choose(false), plain: k.choose(true), kernel: x !== null,"
              " sync: k.createSync(fs.readFileSync(process.argv[2])) !== null})));")
    for flags, mode, want in (([], "on", {"simd": True, "relaxed": False, "best": "lstm.wasm"}),
                              (relaxed_flag, "on", {"simd": True, "relaxed": True, "best": "lstm-fma.wasm"}),
                              ([], "off", {"simd": False, "relaxed": False, "best": None})):
        if mode == "on" and not flags and not relaxed_flag:
            continue  # this Node has relaxed SIMD without a flag: the next case covers it
        args = [node, *flags, "-e", script, str(KERNEL / "lstm.js"), str(KERNEL / "lstm.wasm"), mode]
        res = subprocess.run(args, check=False, capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        on = want["simd"]
        assert json.loads(res.stdout) == {**want, "plain": "lstm.wasm" if on else None, "kernel": on, "sync": on}


def test_another_kernel_has_its_own_memory(node):
    """kernel.another() (the benchmarks' synthetic model beside the figures' one): two kernels of one
    module, two models loaded, and each still steps its own: the first's result is the same after the
    second loaded a model of another size as before."""
    script = ("const { createSync } = require(process.argv[1]); const fs = require('fs');"
              "const a = createSync(fs.readFileSync(process.argv[2])); const b = a.another();"
              "const f = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(s * (i + 1)) * 0.3);"
              "const load = (k, H, s) => k.load(f((3 + H) * 4 * H, s), f(4 * H, s + 1), f(H * 7, s + 2), f(7, s + 3), H, 7);"
              "const step = (k, H) => Array.from(k.step(f(3, 9), f(H, 8), f(H, 7), 1, true).y);"
              "load(a, 5, 1); const before = step(a, 5); load(b, 11, 2); const after = step(a, 5);"
              "console.log(JSON.stringify({ before, after, other: step(b, 11), same: b.module === a.module }));")
    res = subprocess.run([node, "-e", script, str(KERNEL / "lstm.js"), str(KERNEL / "lstm.wasm")],
                         check=False, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["same"] and out["before"] == out["after"] and len(out["other"]) == 7
    assert out["other"] != out["before"]


def test_committed_wasm_matches_source():
    """kernel/lstm.wasm and kernel/lstm-fma.wasm are what kernel/lstm.c compiles to (the build is
    deterministic), so no host ships a stale kernel. Hosts without clang-19 use the committed files;
    CI installs clang-19."""
    from importlib.util import module_from_spec, spec_from_file_location
    spec = spec_from_file_location("kernel_build", KERNEL / "build.py")
    build = module_from_spec(spec)
    spec.loader.exec_module(build)
    if build.find_clang() is None or build.find_wasm_ld() is None:
        msg = "needs clang-19 and wasm-ld-19 (apt-get install clang-19 lld-19) to recompile kernel/lstm.c"
        if CI:
            pytest.fail(msg + ", which CI installs")
        pytest.skip(msg)
    res = subprocess.run([sys.executable, str(KERNEL / "build.py"), "--check"], check=False, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
