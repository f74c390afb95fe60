"""The built article in Chromium: live figures, JavaScript off, bad input, engine parity in Pyodide."""
import re

import numpy as np
import pytest

import engine
from builder.frames import PX_PER_UNIT
from tests.helpers import placed_figures

from bench.common import HUGE_DRAWING, word

from .conftest import (
    CANVASES_FITTED,
    canvas_ink,
    screenshot,
    wait_frames,
)


def draw_word(page, selector="#fig-continue canvas.ink"):
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    for first, *rest in word(canvas.bounding_box()):
        page.mouse.move(*first)
        page.mouse.down()
        for point in rest:
            page.mouse.move(*point)
        page.mouse.up()


def fig(page, fid, key):
    return page.evaluate(f"Number(document.getElementById('{fid}').dataset.{key} || 0)")


def console_wait(page, start) -> str:
    """Call ``start`` (it runs code in fig-console) and wait for that run to end (the figure's
    ``ends``, counted whatever the outcome); its output, or a failure with the console's status
    line where the run ended without one (stopped, or the console's worker failed). Functions, not
    strings, are evaluated: a page under its Content-Security-Policy refuses eval."""
    counts = "() => { const d = document.getElementById('fig-console').dataset; return [Number(d.runs || 0), Number(d.ends || 0)]; }"
    runs, ends = page.evaluate(counts)
    start()
    page.wait_for_function(f"() => Number(document.getElementById('fig-console').dataset.ends || 0) > {ends}")
    assert page.evaluate(counts)[0] > runs, page.inner_text("#fig-console .status")
    return page.inner_text("#fig-console .output")


def test_continue_predicts_clears_and_follows_length(live_page):
    page = live_page
    hint = page.locator("#fig-continue .pad-hint")
    page.locator("#fig-continue canvas.ink").scroll_into_view_if_needed()
    assert hint.is_visible() and hint.inner_text() == "Write here"  # an empty pad says what it is for
    draw_word(page)
    assert not hint.is_visible()
    page.wait_for_function("Number(document.getElementById('fig-continue').dataset.predictions || 0) > 0")
    assert fig(page, "fig-continue", "rows") > 30
    assert fig(page, "fig-continue", "lastLength") == 20
    page.locator("#fig-continue input.length").fill("120")
    page.wait_for_function("document.getElementById('fig-continue').dataset.lastLength === '120'")
    page.locator("#fig-continue button.clear").click()
    assert fig(page, "fig-continue", "rows") == 0 and hint.is_visible()
    assert canvas_ink(page, "#fig-continue canvas.ink") == 0


def test_generate_writes_and_pauses(live_page):
    page = live_page
    page.locator("#fig-generate").scroll_into_view_if_needed()
    page.wait_for_function("Number(document.getElementById('fig-generate').dataset.points || 0) > 50")
    page.locator("#fig-generate button.play").click()  # pause
    paused_at = fig(page, "fig-generate", "points")
    wait_frames(page, 40)  # playing, it would draw 2 points a frame
    assert fig(page, "fig-generate", "points") - paused_at <= 2  # at most one frame in flight
    page.locator("#fig-generate button.play").click()
    page.wait_for_function(f"Number(document.getElementById('fig-generate').dataset.points) > {paused_at + 20}")


def test_generate_restarts_a_model_stuck_hovering(live_page):
    page = live_page
    # The model answers with a pen that never moves (as a stalled model does, for hundreds of points)
    page.evaluate("""async () => {
        const { model } = await import('./runtime/client.js');
        const real = model.request.bind(model);
        window.__asks = [];
        model.request = (type, payload, opts) => {
            if (type !== 'generate') return real(type, payload, opts);
            window.__asks.push(payload.reset);
            const still = !payload.reset;  // a fresh start moves; the model's state after it is stuck
            const rows = new Float32Array(payload.n * 3).map((_, i) => (still || i % 3 === 2 ? 0 : 0.3));
            return { id: 0, promise: Promise.resolve({ strokes: rows }), cancel() {} };
        };
    }""")
    page.locator("#fig-generate").scroll_into_view_if_needed()
    page.wait_for_function("Number(document.getElementById('fig-generate').dataset.restarts || 0) >= 1")
    page.wait_for_function("window.__asks.lastIndexOf(true) > window.__asks.indexOf(false)")
    asks = page.evaluate("window.__asks")
    stuck = asks.index(False)  # the first chunk from the stuck state (the figure may have asked before the patch)
    assert asks.index(True, stuck) - stuck >= 3  # 150 unmoving points (60 a chunk), then the fresh start


def test_writing_and_predictions_show_at_desktop_and_phone_width(live_page, output_path):
    page = live_page
    draw_word(page)
    page.wait_for_function("Number(document.getElementById('fig-continue').dataset.predictions || 0) > 0")
    assert canvas_ink(page, "#fig-continue canvas.ink") > 300  # the writing
    assert canvas_ink(page, "#fig-continue canvas.ghost") > 50  # the model's prediction over it
    screenshot(page, output_path, "site-1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(CANVASES_FITTED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "horizontal overflow at phone width"
    box = page.locator("#fig-continue canvas.ink").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert canvas_ink(page, "#fig-continue canvas.ink") > 100  # the pad redrew the writing at its new size
    screenshot(page, output_path, "site-390.png")


def test_reads_without_javascript(browser, site_url, site_dir):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url)
    assert "Writing together" in page.inner_text("main")
    for fig in placed_figures():  # every figure shows its static frame
        assert page.locator(f"#{fig.id} .frame.static svg").is_visible(), fig.id
    for fid in ("fig-continue", "fig-generate"):  # whose frames are lines of handwriting
        paths = page.locator(f"#{fid} .frame.static svg path")
        assert paths.count() >= 1
        d = " ".join(paths.nth(i).get_attribute("d") for i in range(paths.count()))
        assert len(re.findall(r"[ML]", d)) > 300, f"{fid}: static frame holds too few points"
        assert page.locator(f"#{fid} .frame.static").is_visible()
    context.close()


def test_pyodide_engine_matches_cpython(live_page, site_dir):
    page = live_page
    model = engine.load_model(site_dir / "py" / "weights.bin")  # float32, as in the browser
    line, _ = engine.generate(model, 600, 0.6, seed=3)
    got = page.evaluate("""async (flat) => {
        const { model } = await import('./runtime/client.js');
        const m = await model.request('mixture', { strokes: new Float32Array(flat) }).promise;
        const g = await model.request('generate', { session: 'parity', n: 20, temperature: 0.5, seed: 11, reset: true }).promise;
        return { pi: Array.from(m.pi), mu: Array.from(m.mu), sigma: Array.from(m.sigma),
                 rho: Array.from(m.rho), eos: Array.from(m.eos), strokes: Array.from(g.strokes) };
    }""", line.astype(np.float32).ravel().tolist())
    mix = model.run(line.astype(np.float32)).mixture
    for key in ("pi", "mu", "sigma", "rho", "eos"):
        # float32 through 600 steps: |a − b| ≤ 1e-5 · max(1, |b|) (sigmas of big pen-up jumps reach ~12)
        np.testing.assert_allclose(np.array(got[key]), getattr(mix, key).ravel(), atol=1e-5, rtol=1e-5, err_msg=key)
    ref, _ = engine.generate(model, 20, 0.5, seed=11)
    np.testing.assert_allclose(np.array(got["strokes"]).reshape(-1, 3), ref, atol=1e-5)


def test_bad_requests_get_error_replies(live_page):
    page = live_page
    out = page.evaluate("""async () => {
        const { model } = await import('./runtime/client.js');
        const errs = [];
        const tries = [
            ['nll', { strokes: new Float32Array([0, 0, 0, NaN, 1, 0]) }],
            ['nll', { strokes: new Float32Array([0, 0]) }],
            ['generate', { session: 'x', n: 10, temperature: 0 }],
            ['generate', { session: 'x', n: 10, temperature: -1 }],
            ['no-such-type', {}],
        ];
        for (const [type, payload] of tries) {
            try { await model.request(type, payload).promise; errs.push('no error'); }
            catch (e) { errs.push(e.message); }
        }
        const ok = await model.request('generate', { session: 'x', n: 5, temperature: 0.5, seed: 1 }).promise;
        return { errs, after: ok.strokes.length };
    }""")
    assert "non-finite" in out["errs"][0]
    assert "whole number of" in out["errs"][1]
    assert all("temperature" in e for e in out["errs"][2:4])
    assert "unknown request type" in out["errs"][4]
    assert all("Traceback" not in e for e in out["errs"])
    assert out["after"] == 15  # the worker still answers


def test_huge_drawing_is_capped_and_page_keeps_painting(live_page):
    page = live_page
    page.locator("#fig-continue canvas.ink").scroll_into_view_if_needed()
    page.evaluate(HUGE_DRAWING)
    wait_frames(page, 10)  # the main thread paints on (how fast: bench/browser.py)
    status = page.inner_text("#fig-continue .status")
    assert "20,000 points" in status
    assert fig(page, "fig-continue", "rows") <= 20000
    page.wait_for_function("Number(document.getElementById('fig-continue').dataset.predictions || 0) > 0")


@pytest.mark.parametrize("missing", ["pyodide/pyodide.asm.wasm", "py/weights.bin"])
def test_missing_bundle_keeps_static_frames_and_says_so(browser, site_dir, tmp_path, missing):
    import shutil

    from builder.serve import serve_in_thread
    broken = tmp_path / "site"
    shutil.copytree(site_dir, broken)
    (broken / missing).unlink()
    server, url = serve_in_thread(broken)
    page = browser.new_context().new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.model === 'failed'")
    status = page.inner_text("#fig-continue .status")
    assert "could not start" in status and "Traceback" not in status and len(status) < 300
    assert page.locator("#fig-continue .frame.static").is_visible()
    wait_frames(page, 5)  # the main thread paints on
    assert not errors
    server.shutdown()


def test_keyboard_reaches_the_model(live_page):
    page = live_page
    button = page.locator("#fig-continue button.sample")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("Number(document.getElementById('fig-continue').dataset.predictions || 0) > 0")
    assert fig(page, "fig-continue", "rows") > 50
    focus = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus != "none"  # a visible focus ring


def test_sub_path_build_serves_from_its_base(browser, tmp_path):
    import http.server
    import threading
    from urllib.parse import urlparse

    import build
    out = tmp_path / "www" / "repo-name"
    build.main(["--out", str(out), "--base-url", "/repo-name/"])
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path / "www"), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    paths, failed, errors = [], [], []
    context.on("request", lambda r: paths.append(urlparse(r.url).path))  # the model worker's too
    context.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/repo-name/")
        page.wait_for_function("document.documentElement.dataset.model === 'ready'")
        page.wait_for_function("document.getElementById('fig-continue').dataset.live === 'true'")
        points = page.evaluate("""async () => {
            const { model } = await import('./runtime/client.js');
            return (await model.request('generate', { session: 's', n: 5, temperature: 0.5, seed: 1 }).promise).strokes.length / 3;
        }""")
    finally:
        context.close()
        server.shutdown()
    assert points == 5  # the model answers
    assert not failed and not errors, (failed, errors)
    outside = [p for p in paths if not p.startswith("/repo-name/")]
    assert not outside, f"requests outside the base: {outside}"
    for asset in ("runtime/worker.js", "pyodide/pyodide.asm.wasm", "py/engine.zip", "py/weights.bin", "data/lines.json"):
        assert f"/repo-name/{asset}" in paths, asset


def test_a_prediction_from_a_lifted_pen_does_not_draw_its_jump(guarded, page, site_url):
    page.goto(site_url)
    calls = page.evaluate("""async () => {
        const { drawStrokes } = await import('./runtime/draw.js');
        const { PX_PER_UNIT } = await import('./runtime/config.js');
        const log = [];
        const ctx = { beginPath() {}, stroke() {}, moveTo: (x, y) => log.push(['M', x, y]), lineTo: (x, y) => log.push(['L', x, y]) };
        const pts = [5, 0, 0, 1, 0, 1, 2, 0, 0, 1, 0, 0];  // jump, stroke end, jump, draw
        drawStrokes(ctx, pts, { x: 0, y: 0, penUp: true });
        const lifted = log.splice(0);
        drawStrokes(ctx, pts, { x: 0, y: 0 });
        return { lifted, down: log, PX_PER_UNIT };
    }""")
    assert "".join(c[0] for c in calls["lifted"]) == "MMLML"  # from a lifted pen: move to the landing point, draw, move over the lift, draw
    assert "".join(c[0] for c in calls["down"]) == "MLLML"  # pen down at the origin: the first offset is a stroke
    assert calls["PX_PER_UNIT"] == PX_PER_UNIT  # the page config carries the build's scale
    assert [c[1] for c in calls["lifted"]] == [0, 5 * PX_PER_UNIT, 6 * PX_PER_UNIT, 8 * PX_PER_UNIT, 9 * PX_PER_UNIT]
