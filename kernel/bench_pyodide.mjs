// The kernel as the worker would use it: Pyodide 0.27.7 under Node, the engine's models on the kernel's
// backend (engine/kernel.py) against the same models on Pyodide's NumPy: the handwriting model (its
// step, branch and outputs) and the synthesis model (its step, and write). Checks they agree, then
// prints ms per step (and points per second of write), copies and Python↔JS calls included.
//   node kernel/bench_pyodide.mjs [numpy wheel]   (default: the build's cache, ~/.cache/handwriting/)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const wheel = process.argv[2] ||
  path.join(os.homedir(), ".cache", "handwriting", "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl");
const { loadPyodide } = await import(path.join(root, "node_modules", "pyodide", "pyodide.mjs"));
const { create } = createRequire(import.meta.url)("./lstm.js");

const py = await loadPyodide({ indexURL: path.join(root, "node_modules", "pyodide") + "/", stdout: (s) => console.log(s) });
await py.loadPackage(wheel, { messageCallback: () => {} });
py.FS.mkdirTree("/repo");
py.FS.mount(py.FS.filesystems.NODEFS, { root }, "/repo");
const bytes = readFileSync(path.join(here, "lstm.wasm"));
py.registerJsModule("lstm_kernels", { make: () => create(bytes) });
await py.runPythonAsync(`
import sys, time
sys.path[:0] = ["/repo", "/repo/kernel"]
import numpy as np
import engine
from engine.model import Model, State
from engine.sampling import sample_next
from tests.helpers import random_weights
from engine.kernel import attach
import lstm_kernels

def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())

def per_step(fn, n):
    fn()
    best = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best.append((time.perf_counter() - t0) / n * 1e3)
    return min(best), sorted(best)[2]

for label, make in (("default model (H=500, M=20)", lambda: engine.load_model()),
                    ("random H=900, M=20", lambda: Model(random_weights(hidden=900, mixtures=20, seed=5)))):
    ref, fast = make(), make()
    attach(fast, await lstm_kernels.make())
    rng = np.random.default_rng(0)
    H = ref.hidden
    worst = 0.0
    for B, shared in ((1, False), (50, False), (50, True)):
        x = rng.normal(0, 1, (B, 3)).astype(np.float32)
        h = np.tanh(rng.normal(0, 1.5, (1 if shared else B, H))).astype(np.float32)
        c = rng.normal(0, 2, (1 if shared else B, H)).astype(np.float32)
        a, b = fast.branch(x, h, c), ref.branch(x, h, c)
        worst = max(worst, rel(a.h, b.h), rel(a.c, b.c), rel(fast.outputs(a.h), ref.outputs(b.h)))
    print(f"{label}: kernel vs Pyodide NumPy, max|Δ|/max|ref| over h, c, y = {worst:.1e}")
    for B in (1, 50):
        x = np.zeros((B, 3), np.float32)
        for name, m in (("NumPy ", ref), ("kernel", fast)):
            s = m.zero_state(B)
            step = per_step(lambda: m.step(x, s), 200 if B == 1 else 10)
            st = {"s": s, "x": x, "rng": np.random.default_rng(1)}
            def sampling():  # what the bench request times: update + mixture + sample
                st["s"] = m.step(st["x"], st["s"])
                st["x"] = sample_next(m, st["s"].h, 0.5, st["rng"])
            full = per_step(sampling, 200 if B == 1 else 10)
            print(f"  B={B:<3} {name}  step {step[0]:7.3f} ms (median {step[1]:7.3f})   step + sample {full[0]:7.3f} ms (median {full[1]:7.3f})")
    h1 = ref.run(np.zeros((1, 3))).h
    x50 = np.zeros((50, 3), np.float32)
    for name, m in (("NumPy ", ref), ("kernel", fast)):
        t = per_step(lambda: m.branch(x50, h1, h1), 20)
        print(f"  branch (one shared state, 50 points) {name} {t[0]:7.3f} ms (median {t[1]:7.3f})")

from engine import synthesis as S
ref, fast = engine.load_synthesis(), engine.load_synthesis()
attach(fast, await lstm_kernels.make())
text = "a sentence the model writes"
a, _ = S.write(fast, text, seed=1, max_points=60)
b, _ = S.write(ref, text, seed=1, max_points=60)
print(f"synthesis model (default, {ref.n_layers} x {ref.hidden}): write on the kernel vs Pyodide NumPy, "
      f"60 points, max|Δ| = {np.abs(a - b).max():.1e}")
onehot = ref.one_hot(text)
for name, m in (("NumPy ", ref), ("kernel", fast)):
    st = {"s": m.zero_state(1)}
    x = np.zeros((1, 3))
    def synth_step():
        st["s"] = m.step(x, st["s"], onehot).state
    t = per_step(synth_step, 100)
    w = per_step(lambda: S.write(m, text, seed=1, max_points=200), 1)
    print(f"  B=1   {name}  Synthesis.step {t[0]:7.3f} ms (median {t[1]:7.3f})   write {w[0] / 200:7.3f} ms per point "
          f"(median {w[1] / 200:7.3f}): {200 / w[1] * 1e3:6.0f} points/s")
`);
