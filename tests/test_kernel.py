"""The WebAssembly SIMD kernel (kernel/): its LSTM and linear layers against the engine's NumPy
backend under Node, in both modules (lstm.wasm, and lstm-fma.wasm with relaxed SIMD's fused
multiply-add, which Node 20 runs behind a flag): single steps of the handwriting model, layers of
any width, the synthesis model's steps and written lines; the kernel's tanh; the loader's probes;
and the committed modules against a fresh compile of kernel/lstm.c.

Node runs kernel/harness.js, which serves kernel/lstm.js's kernels over a pipe; ``NodeKernel`` shows
them to engine/kernel.py as Pyodide shows them in the browser's worker (methods, ``layers``, views
with assign / assign_to), so the engine's own kernel backend drives the real kernel. Without
``node`` (or clang-19, for the compile check) a test skips with a message on a developer machine and
fails under CI (CI=true), where both are installed, so nothing passes silently.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import engine
from engine import synthesis as S
from engine import weights as W
from engine.api import DEFAULT_WEIGHTS
from engine.backend import NUMPY, Linear, Lstm, State
from engine.kernel import KernelBackend, attach
from tests.helpers import random_line, random_synthesis, random_weights

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "kernel"
TOL = 1e-5  # max |kernel − NumPy| / max |NumPy|, for every array compared
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


# -- the kernel in Node, as engine/kernel.py sees it in Pyodide ----------------------------------
class JsError(Exception):
    pass


class Floats:
    """A Float32Array the kernel returned: ``to_py()`` gives its values (Pyodide: its memory)."""

    def __init__(self, a):
        self.a = a

    def to_py(self):
        return self.a


class NodeView:
    """A Float32Array view of a kernel's buffer, with Pyodide's assign / assign_to."""

    def __init__(self, bridge, vid):
        self.bridge, self.vid = bridge, vid

    def assign(self, src):
        self.bridge.call({"v": self.vid, "m": "assign", "a": [np.asarray(src)]})

    def assign_to(self, dst):
        a = self.bridge.call({"v": self.vid, "m": "assign_to"}).to_py()
        if a.size != dst.size:
            raise JsError(f"assign_to: a view of {a.size} values into an array of {dst.size}")
        dst[...] = a.reshape(dst.shape)


class NodeKernel:
    """One of kernel/lstm.js's Kernel objects in the harness's Node process."""

    METHODS = ("clear", "addLstm", "addLinear", "update", "reserve", "views", "run", "runLinear", "step",
               "outputs", "sequence", "another", "tanh")

    def __init__(self, bridge, kid=0):
        self.bridge, self.kid = bridge, kid

    def __getattr__(self, name):
        if name not in self.METHODS:
            raise AttributeError(name)
        return lambda *args: self.bridge.call({"k": self.kid, "m": name, "a": list(args)})

    @property
    def layers(self):
        return self.bridge.call({"k": self.kid, "m": "layers"})


class Bridge:
    """The Node process of kernel/harness.js, serving kernel/``module``."""

    def __init__(self, node: list[str], module: str):
        self.proc = subprocess.Popen([*node, str(KERNEL / "harness.js"), module], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.kernel = NodeKernel(self)

    def _encode(self, v):
        if isinstance(v, np.ndarray):
            return {"f32": base64.b64encode(np.ascontiguousarray(v, dtype="<f4").tobytes()).decode()}
        if isinstance(v, (list, tuple)):
            return [self._encode(x) for x in v]
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            return float(v)
        return v

    def _decode(self, v):
        if isinstance(v, list):
            return [self._decode(x) for x in v]
        if isinstance(v, dict):
            if "f32" in v:
                return Floats(np.frombuffer(base64.b64decode(v["f32"]), dtype="<f4").copy())
            if "view" in v:
                return NodeView(self, v["view"])
            if "kernel" in v:
                return NodeKernel(self, v["kernel"])
            return SimpleNamespace(**{k: self._decode(x) for k, x in v.items()})
        return v

    def call(self, msg: dict):
        msg = {**msg, "a": self._encode(msg.get("a", []))}
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("kernel/harness.js ended: " + self.proc.stderr.read())
        reply = json.loads(line)
        if "error" in reply:
            raise JsError(reply["error"])
        return self._decode(reply["r"])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(params=MODULES)
def kernel(request, node, relaxed_flag):
    """A kernel of each module in Node, as the worker hands it to the engine."""
    bridge = Bridge([node, *relaxed_flag], request.param)
    yield bridge.kernel
    bridge.close()


def f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def rel_err(got, ref) -> float:
    return float(np.max(np.abs(np.asarray(got, np.float64) - ref)) / max(np.max(np.abs(ref)), 1e-30))


def close(got, ref, what: str, worst: dict) -> None:
    err = rel_err(got, ref)
    worst[what] = err
    assert err <= TOL, f"{what}: max|Δ|/max|ref| = {err:.2e} > {TOL:.0e}"


def report(worst: dict) -> None:
    print("worst relative errors:", sorted(worst.items(), key=lambda kv: -kv[1])[:3])


# -- the handwriting model ------------------------------------------------------------------------
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


def nudged(weights: W.Weights) -> W.Weights:
    """The weights with one recurrent weight moved off its quantization grid (a console edit)."""
    weights.W = weights.W.copy()
    weights.W[3 + 10, 7] += 1e-3
    return weights


def test_kernel_matches_numpy_step(kernel, reference_dir):
    """h, c and the output layer of one step, at batch 1, 7, 50 and from a shared state (branch),
    for random models (H and n_out not multiples of 4 or 16: padded panels), quantized ones (the
    default model, the 2016 model, random weights through the q8 format: their recurrent rows load
    into the compact bfloat16 panels as well) and the default model nudged off its grid (float
    panels only for its recurrent rows), against engine.Model in float32 and in float64, the
    kernel's model through engine/kernel.py. One kernel loads them in turn."""
    sources = {"small": lambda: random_weights(hidden=13, mixtures=3, seed=1),
               "wide": lambda: random_weights(hidden=130, mixtures=20, seed=2),  # 3 spans of 64 rows
               "default": lambda: W.load(DEFAULT_WEIGHTS),  # what engine.load_model() reads
               "quantized": lambda: W.load(W.dumps(random_weights(hidden=131, mixtures=20, seed=5))),
               "2016": lambda: W.load(reference_dir / "b64_weights.json"),
               "default-nudged": lambda: nudged(W.load(DEFAULT_WEIGHTS)),
               "edited": lambda: random_weights(hidden=13, mixtures=3, seed=4)}
    rng, worst, compact = np.random.default_rng(7), {}, set()
    for name, make in sources.items():
        ref, ref64, fast = engine.Model(make()), engine.Model(make(), dtype=np.float64), engine.Model(make())
        backend = attach(fast, kernel)
        if backend.compact(fast.lstm)[1]:
            compact.add(name)
        for case, x, h, c in cases_for(ref, rng, realistic=name.startswith("default") or name == "2016"):
            x32, h32, c32 = f32(x), f32(h), f32(c)
            got, want = fast.branch(x32, h32, c32), ref.branch(x32, h32, c32)
            exact = ref64.branch(*(a.astype(np.float64) for a in (x32, h32, c32)))  # from the same float32 inputs
            pairs = {"h2": (got.h, want.h, exact.h), "c2": (got.c, want.c, exact.c),
                     "y": (fast.outputs(got.h), ref.outputs(want.h), ref64.outputs(exact.h))}
            if len(h) == len(x):  # the output layer alone, on the case's h
                pairs["y_h"] = (fast.outputs(h32), ref.outputs(h32), ref64.outputs(h32.astype(np.float64)))
            for k, (g, w32, w64) in pairs.items():
                close(g, w32, f"{name}.{case}.{k} vs float32", worst)
                close(g, w64, f"{name}.{case}.{k} vs float64", worst)
    assert compact == {"default", "quantized", "2016"}
    report(worst)


def test_layers_of_any_width_match_numpy(kernel):
    """LSTM layers of 1, 84 and 340 inputs (the synthesis model's are 84 and 340) and linear layers
    of 1, 16 and 30 outputs, all in one kernel: each step at batch 1, 7 (pairs of rows and one
    alone) and from a shared row, each linear layer on 1 and 5 rows, a line teacher-forced, against
    NumpyBackend; float weights and weights quantized per column as a q8 file stores them (both
    blocks of an LSTM's rows then compact: blocks of enough rows that each column holds an integer
    ≤ 16, the factoring's reach; linear layers keep float panels)."""
    rng, worst = np.random.default_rng(3), {}

    def quantized(a):
        unit = np.abs(a).max(axis=0) / 127
        return np.rint(a / unit) * unit

    for quantize in (False, True):
        made = []
        for inputs, hidden in ((1, 40), (84, 256), (340, 21)):
            Wl = rng.normal(0, 1.5 / np.sqrt(inputs + hidden), (inputs + hidden, 4 * hidden))
            made.append(Lstm(f32(quantized(Wl) if quantize else Wl), f32(rng.normal(0, 0.1, 4 * hidden))))
        for n_in, n_out in ((40, 1), (256, 16), (64, 30)):
            Wl = rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out))
            made.append(Linear(f32(quantized(Wl) if quantize else Wl), f32(rng.normal(0, 0.1, n_out))))
        backend = KernelBackend(kernel, made)
        # a block of one row always factors (q = ±1: the 1-input layer's input row, even of float weights)
        assert [backend.compact(layer) for layer in made] == [(True, quantize)] + [(quantize, quantize)] * 2 + [()] * 3
        for layer in made:
            tag = f"{'q' if quantize else 'f'}{layer.W.shape}"
            if isinstance(layer, Linear):
                for B in (1, 5):
                    a = f32(rng.normal(0, 1, (B, layer.W.shape[0])))
                    close(backend.linear(layer, a), NUMPY.linear(layer, a), f"{tag}.linear B{B}", worst)
                continue
            H = layer.hidden
            for B, rows in ((1, 1), (7, 7), (7, 1)):
                x = f32(rng.normal(0, 1, (B, layer.inputs)))
                h, c = f32(np.tanh(rng.normal(0, 1.5, (rows, H)))), f32(rng.normal(0, 2, (rows, H)))
                for k, g, w in zip("hc", backend.step(layer, x, h, c), NUMPY.step(layer, x, h, c)):
                    close(g, w, f"{tag}.step B{B} rows{rows}.{k}", worst)
            x, start = f32(rng.normal(0, 1, (9, layer.inputs))), State(*(f32(rng.normal(0, 1, (1, H))) for _ in "hc"))
            for k, g, w in zip("hc", backend.sequence(layer, x, start), NUMPY.sequence(layer, x, start)):
                close(g, w, f"{tag}.sequence.{k}", worst)
    report(worst)


def test_the_kernel_refuses_what_does_not_fit(kernel):
    """Weights of the wrong size, a step of a linear layer, a linear layer computed on an LSTM's h of
    another width, and a layer index it does not hold: each a clear error, nothing computed."""
    lstm = Lstm(np.zeros((7, 16), np.float32), np.zeros(16, np.float32))
    head = Linear(np.zeros((4, 3), np.float32), np.zeros(3, np.float32))
    KernelBackend(kernel, [lstm, head])
    with pytest.raises(JsError, match="takes W of 7×16"):
        kernel.update(0, np.zeros(10, np.float32), np.zeros(16, np.float32))
    kernel.reserve(2)
    with pytest.raises(JsError, match="does not fit"):
        kernel.run(1, 1, False, -1)  # layer 1 is a linear layer
    with pytest.raises(JsError, match="does not fit"):
        kernel.run(0, 3, False, -1)  # more rows than the buffers hold
    with pytest.raises(JsError, match="no linear layer"):
        kernel.runLinear(0, 1)
    with pytest.raises(JsError, match="holds no layer 2"):
        kernel.update(2, np.zeros(3, np.float32), np.zeros(3, np.float32))
    lstm_wide = Lstm(np.zeros((9, 24), np.float32), np.zeros(24, np.float32))
    KernelBackend(kernel, [lstm_wide, head])  # the head reads 4 values, the LSTM's h has 6
    kernel.reserve(1)
    with pytest.raises(JsError, match="does not fit"):
        kernel.run(0, 1, False, 1)


# -- the synthesis model ----------------------------------------------------------------------------
SYNTHESES = {"default": lambda: engine.DEFAULT_SYNTHESIS,  # quantized (q8): compact panels
             "random": lambda: random_synthesis(hidden=37, layers=3, seed=2),  # float32 weights
             "random-q8": lambda: random_synthesis(hidden=37, layers=2, seed=3, encoding="q8")}


def synthesis(source: str, dtype=np.float32) -> S.Synthesis:
    return engine.load_synthesis(SYNTHESES[source](), dtype=dtype)


def trace(synth, x, text: str) -> list[dict]:
    """Each step's every array along the line x (teacher-forced from a zero state)."""
    onehot, state, out = synth.one_hot(text), synth.zero_state(1), []
    for t in range(len(x)):
        step = synth.step(x[t:t + 1], state, onehot)
        state = step.state
        arrays = {"kappa": state.kappa, "w": state.w, "phi": step.phi, "y": step.y}
        for layer in range(synth.n_layers):
            arrays[f"h{layer + 1}"], arrays[f"c{layer + 1}"] = state.h[layer], state.c[layer]
        out.append(arrays)
    return out


@pytest.mark.parametrize("source", sorted(SYNTHESES))
def test_synthesis_on_the_kernel_matches_numpy(kernel, source):
    """50 steps of Synthesis.step along a line, every layer's h and c, κ, φ, w and the head's outputs,
    on the kernel (its LSTM layers, window and head, through engine.kernel.attach) against NumPy in
    float32 and in float64: the default weights (quantized: both blocks of each LSTM's rows in the
    compact panels too) and random ones (float panels only; three layers, H = 37: padded panels; and random
    quantized ones, whose first layer's 19 input rows do not factor within the kernel's reach).
    Then the scores of three lines batched (several rows at a time)."""
    ref, ref64, fast = synthesis(source), synthesis(source, np.float64), synthesis(source)
    backend = attach(fast, kernel)
    flags = [backend.compact(layer) for layer in fast.layers()]
    assert flags[1] == flags[-1] == ()  # the window and the head: float panels
    lstms = [f for f, layer in zip(flags, fast.layers()) if isinstance(layer, Lstm)]
    if source == "random":  # float weights: float panels only
        assert not any(any(f) for f in lstms)
    else:  # both blocks compact in the default model; in random-q8, the recurrent rows
        assert all(all(f) for f in lstms) if source == "default" else all(f[1] for f in lstms)
    text, x = "the cat, it's here", random_line(50, seed=3)
    worst = {}
    for t, (got, want, exact) in enumerate(zip(trace(fast, x, text), trace(ref, x, text), trace(ref64, x, text))):
        for k in want:
            close(got[k], want[k], f"{source} step {t} {k} vs float32", worst)
            close(got[k], exact[k], f"{source} step {t} {k} vs float64", worst)
    assert exact["kappa"].min() > 1  # the window did move along the text: every term of the step mattered
    lines, texts = [x, random_line(30, seed=4), random_line(7, seed=5)], [text, "a hat", "it"]
    for i, (got, want) in enumerate(zip(S.lines_log_densities(fast, lines, texts), S.lines_log_densities(ref, lines, texts))):
        close(got, want, f"{source} line {i} log densities (batch 3, 2, 1)", worst)
    report(worst)


@pytest.mark.parametrize("source", sorted(SYNTHESES))
def test_write_on_the_kernel_matches_numpy(kernel, source):
    """engine.write's first 50 points with one seed on the kernel and on NumPy: the same draws, the
    same window, and along them the same mixture parameters at every step."""
    ref, fast = synthesis(source), synthesis(source)
    attach(fast, kernel)
    text = "a sentence it has written"
    a, wa = S.write(fast, text, bias=0.5, seed=11, max_points=50)
    b, wb = S.write(ref, text, bias=0.5, seed=11, max_points=50)
    assert a.shape == b.shape == (50, 3)
    np.testing.assert_array_equal(a[:, 2], b[:, 2])  # the pen lifts at the same points
    worst = {}
    close(a[:, :2], b[:, :2], f"{source} points", worst)
    close(wa, wb, f"{source} window", worst)
    for t, (got, want) in enumerate(zip(trace(fast, a, text), trace(ref, a, text))):
        mg, mw = fast.mixture_of(got["y"]), ref.mixture_of(want["y"])
        for k in ("pi", "mu", "sigma", "rho"):
            close(getattr(mg, k), getattr(mw, k), f"{source} point {t} {k}", worst)
        # The pen's distribution (lift, stay), not the lift's probability alone: where the model
        # is sure the pen stays down (eos ~1e-4), eos's relative error is its logit's absolute one.
        close(pen(mg.eos), pen(mw.eos), f"{source} point {t} pen", worst)
    report(worst)


def pen(eos) -> np.ndarray:
    eos = np.asarray(eos, np.float64)
    return np.stack([eos, 1 - eos])


def test_kernel_tanh_accuracy(kernel):
    """The kernel's own tanh (no libm under -nostdlib): |error| ≤ 1e-6 on [−20, 20], odd, exact at 0,
    and it keeps small arguments' relative accuracy (no cancellation near 0)."""
    x = np.concatenate([np.linspace(-20, 20, 400_001), np.linspace(-0.5, 0.5, 100_001),
                        [0.0, -0.0, 1e-30, -1e-30, 1e-8, 1e-4, 9.0, 10.0, 10.5, 40.0, 1e30, -1e30]]).astype(np.float32)
    t = kernel.tanh(x).to_py()
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
    second loaded a model of other sizes as before."""
    script = ("const { createSync } = require(process.argv[1]); const fs = require('fs');"
              "const a = createSync(fs.readFileSync(process.argv[2])); const b = a.another();"
              "const f = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(s * (i + 1)) * 0.3);"
              "const load = (k, I, H, s) => { k.clear(); k.addLstm(f((I + H) * 4 * H, s), f(4 * H, s + 1), I, H);"
              " k.addLinear(f(H * 7, s + 2), f(7, s + 3), H, 7); };"
              "const step = (k, I, H) => Array.from(k.step(0, f(I, 9), f(H, 8), f(H, 7), 1, 1).y);"
              "load(a, 3, 5, 1); const before = step(a, 3, 5); load(b, 40, 11, 2); const after = step(a, 3, 5);"
              "console.log(JSON.stringify({ before, after, other: step(b, 40, 11), same: b.module === a.module }));")
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
