"""The LSTM step on the WebAssembly SIMD kernel in Chromium: the figures' model runs on it (the
module with relaxed SIMD's fused multiply-add, which Chromium has; the plain one on request) and
matches CPython's NumPy engine; an edit made in the console reaches it; without it (the kernel's
file failing to load) the model runs on NumPy and the figures work the same."""
import numpy as np

import engine

from .conftest import canvas_ink
from .test_console import run


def backend(page) -> str:
    return page.evaluate("async () => (await import('./runtime/client.js')).model.info.backend")


def kernel_module(page) -> str:
    return page.evaluate("async () => (await import('./runtime/client.js')).model.info.kernelModule")


def test_generation_and_scores_on_the_kernel_match_cpython(live_page, site_dir):
    assert backend(live_page) == "kernel" and kernel_module(live_page) == "lstm-fma.wasm"
    matches_cpython(live_page, site_dir)


def test_the_plain_simd_module_matches_cpython_too(guarded, page, site_url, site_dir):
    page.goto(site_url + "?kernel=simd")
    page.wait_for_function("document.documentElement.dataset.model === 'ready'")
    assert backend(page) == "kernel" and kernel_module(page) == "lstm.wasm"
    matches_cpython(page, site_dir)


def matches_cpython(page, site_dir):
    """A fixed-seed generation, its first 50 steps' mixtures and its score in the worker, as CPython
    computes them."""
    model = engine.load_model(site_dir / "py" / "weights.bin")  # float32, as in the browser
    got = page.evaluate("""async () => {
        const { model } = await import('./runtime/client.js');
        const g = await model.request('generate', { session: 'k', n: 51, temperature: 0.5, seed: 5, reset: true }).promise;
        const m = await model.request('mixture', { strokes: g.strokes }).promise;
        const n = await model.request('nll', { strokes: g.strokes }).promise;
        return { strokes: Array.from(g.strokes), pi: Array.from(m.pi), mu: Array.from(m.mu),
                 sigma: Array.from(m.sigma), rho: Array.from(m.rho), eos: Array.from(m.eos), nll: n.nll };
    }""")
    strokes = np.array(got["strokes"]).reshape(-1, 3)
    ref, _ = engine.generate(model, 51, 0.5, seed=5)
    np.testing.assert_allclose(strokes, ref, atol=1e-4)
    # every step's mixture along the generated line (the first 50 steps), against CPython's
    mix = model.run(strokes[:50].astype(np.float32)).mixture
    M = model.mixtures
    for key, width in (("pi", M), ("mu", 2 * M), ("sigma", 2 * M), ("rho", M), ("eos", 1)):
        a = np.array(got[key]).reshape(51, -1)[:50]
        np.testing.assert_allclose(a, getattr(mix, key).reshape(50, width), atol=1e-4, rtol=1e-4, err_msg=key)
    assert abs(got["nll"] - engine.nll(model, strokes)) <= 1e-4


def test_a_console_edit_of_the_weights_reaches_the_kernel(live_page, site_dir):
    """Each edit counts from the next statement: the output layer's, the recurrent weights scaled
    (still integers × a unit per column: the kernel keeps its compact panels for them) and moved off
    that grid (float panels only for the recurrent rows from then on)."""
    page = live_page
    page.locator("#fig-console").scroll_into_view_if_needed()
    model = engine.load_model(site_dir / "py" / "weights.bin")
    edits = (("model.W_out[:, 1:21] *= 0.0", True), ("model.W[3:] *= 1.25", True),
             ("model.W[3:] += np.float32(0.002) * np.cos(np.arange(model.W[3:].size, dtype=np.float32)).reshape(500, -1)",
              False))
    for edit, compact in edits:
        out = run(page, f"{edit}\nprint(float(engine.generate(model, 30, 0.5, seed=4)[0][:, :2].sum()), "
                        "bool(model.backend.compact(model.lstm)[1]))")
        exec(edit, {"model": model, "np": np})
        expected = engine.generate(model, 30, 0.5, seed=4)[0][:, :2].sum()
        value, flag = out.split()
        assert abs(float(value) - expected) < 1e-3, (edit, out, expected)
        assert flag == str(compact), (edit, out)


def test_without_the_kernel_the_model_runs_on_numpy(guarded, page, site_url):
    page.context.route("**/kernel/lstm*.wasm", lambda r: r.fulfill(status=404, body="missing"))
    page.goto(site_url)
    page.wait_for_function("document.documentElement.dataset.model === 'ready'")
    assert backend(page) == "numpy"
    page.locator("#fig-generate").scroll_into_view_if_needed()
    page.wait_for_function("Number(document.getElementById('fig-generate').dataset.points) >= 60")
    assert canvas_ink(page, "#fig-generate canvas.ink") > 500
    guarded["errors"][:] = [e for e in guarded["errors"] if ".wasm" not in e and "404" not in e]
