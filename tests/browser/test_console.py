"""fig-console: examples match CPython, runaway code is stopped, the figures never notice."""
import json
import re

import numpy as np
import pytest

import build
import engine
from tests.helpers import figure_module

from .test_site import console_wait, draw_word


def run(page, code):
    """Run ``code`` with Enter: its output, once the run has ended with one."""
    page.locator("#fig-console textarea").fill(code)
    return console_wait(page, lambda: page.locator("#fig-console textarea").press("Enter"))


@pytest.fixture
def console(live_page):
    live_page.locator("#fig-console").scroll_into_view_if_needed()
    return live_page


def test_examples_match_cpython(console, site_dir):
    page = console
    draw_word(page)  # my_strokes: the latest drawing from any figure
    rows = page.evaluate("""async () => (await import('./runtime/pad.js')).latestWriting.rows.map((r) => r.slice())""")
    mine = np.array(rows, dtype=np.float32).astype(np.float64)
    model = engine.load_model(site_dir / "py" / "weights.bin")
    claims = build.read_claims().get("claims", {})  # as build.py reads them
    examples = {e["label"]: e["code"] for e in figure_module("console").console_examples(claims)}
    for label in examples:
        page.locator("#fig-console button.example", has_text=label).click()
        page.wait_for_function("!document.querySelector('#fig-console button.run').disabled")
        out = page.inner_text("#fig-console .output")
        assert "Traceback" not in out, (label, out)
        if label.startswith("Sample a line"):
            assert out.strip() == "(300, 3)" and page.locator("#fig-console .pictures canvas").count() == 1
        elif label.startswith("How typical"):
            assert float(out) == pytest.approx(engine.nll(model, mine), abs=1e-6)
        elif label.startswith("Cells that follow x"):
            c = engine.activations(model, mine)
            x = np.cumsum(mine[:, 0])
            r = np.array([np.corrcoef(c[:, k], x)[0, 1] for k in range(model.hidden)])
            assert int(re.findall(r"\((\d+),", out)[0]) == int(np.argsort(-np.abs(np.nan_to_num(r)))[0])


def test_endless_loop_is_stopped_and_figures_keep_working(console):
    page = console
    assert run(page, "40 + 2").strip() == "42"  # the console's own Python is up
    page.locator("#fig-console textarea").fill("while True: pass")
    t0 = page.evaluate("performance.now()")
    page.locator("#fig-console button.run").click()
    page.wait_for_function("document.querySelector('#fig-console .status').textContent.startsWith('Stopped')")
    assert page.evaluate("performance.now()") - t0 >= 5000  # stopped by the 5 s limit, not before
    assert "Traceback" not in page.inner_text("#fig-console .status")
    assert run(page, "1 + 1").strip() == "2"  # the console is back, with a fresh namespace
    draw_word(page)
    page.wait_for_function("Number(document.getElementById('fig-continue').dataset.predictions || 0) > 0")


def test_del_model_and_huge_allocation_do_not_touch_the_figures(console):
    page = console
    assert run(page, "del model").strip() == ""
    assert "NameError" in run(page, "model")
    out = run(page, "np.zeros(10**10)")
    assert "MemoryError" in out or "Maximum allowed dimension" in out
    assert "Traceback (your code)" in out and "site-packages" not in out
    draw_word(page)
    page.wait_for_function("Number(document.getElementById('fig-continue').dataset.predictions || 0) > 0")


def test_the_slimmed_standard_library_keeps_what_a_reader_reaches_for(console):
    # build.py leaves modules that cannot work in a browser out of python_stdlib.zip (builder.assets)
    out = run(console, "import json, re, statistics, datetime, decimal, fractions, textwrap, pprint, inspect, csv, "
                       "dataclasses, email.message, xml.dom.minidom, http.client, zipfile, base64, logging, asyncio\n"
                       "import numpy as np; assert np.isclose(np.linalg.norm(np.linalg.solve([[2., 0], [0, 4]], [2., 4])), "
                       "2 ** .5) and np.fft.rfft(np.ones(4))[0] == 4\n"
                       "print('ok', 'é'.encode('cp1252'), b'abc'.decode('utf-16-le', 'replace') != '')")
    assert out.strip() == "ok b'\\xe9' True", out
    out = run(console, "import unittest")
    assert "No module named 'unittest'" in out, out


def test_start_up_modules_run_from_precompiled_bytecode(console):
    # builder/bytecode.py: compiled at build time with docstrings emptied in the standard library and
    # numpy (an empty string, so code that edits docstrings still runs); the engine keeps both
    out = run(console, "import typing, os, json, inspect, numpy as np, numpy._core.fromnumeric as f, engine.model as m\n"
                       "print(json.dumps([typing.__file__, f.__file__, os.path.exists(m.__cached__), f.mean.__doc__, "
                       "'def step' in inspect.getsource(m.Model.step), bool(m.Model.step.__doc__), "
                       "float(np.mean([1.0, 2.0]))]))")
    typing_file, numpy_file, engine_pyc, mean_doc, source, doc, mean = json.loads(out.strip().splitlines()[-1])
    assert typing_file.endswith("python312.zip/typing.pyc") and numpy_file.endswith("numpy/_core/fromnumeric.pyc")
    assert engine_pyc and mean_doc == "" and source and doc and mean == 1.5
