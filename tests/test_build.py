"""build.py without a browser: bad weights stop it with a clear message; same inputs, same bytes."""
import hashlib
import io

import pytest

import build
from builder import article as A


def test_corrupted_weights_stop_the_build(tmp_path, capsys):
    bad = tmp_path / "bad.hwlstm"
    bad.write_bytes(b"HWLSTM\r\n\x05\x00\x00\x00{bad")
    with pytest.raises(SystemExit) as exc:
        build.main(["--out", str(tmp_path / "site"), "--weights", str(bad)])
    assert "corrupt header" in str(exc.value) and "Traceback" not in str(exc.value)
    assert not (tmp_path / "site").exists()


def test_same_inputs_same_bytes(tmp_path):
    digests = []
    for name in ("a", "b"):
        out = tmp_path / name
        build.main(["--out", str(out)])
        digests.append({p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(out.rglob("*")) if p.is_file()})
    assert digests[0] == digests[1]
    assert "index.html" in digests[0] and "py/engine.zip" in digests[0]


def test_refuses_to_overwrite_a_foreign_folder(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(SystemExit, match="not a site this builder made"):
        build.main(["--out", str(tmp_path)])
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_unknown_citation_and_figure_are_named(tmp_path):
    (tmp_path / "figures" / "continue").mkdir(parents=True)
    (tmp_path / "bibliography.bib").write_text("@misc{a, title={A}, year={2000}}")
    front = "---\ntitle: T\ndescription: D\nauthors: []\npublished: 2026-01-01\n---\n"
    (tmp_path / "index.md").write_text(front + "Text [@nope].\n")
    with pytest.raises(ValueError, match="@nope is not in bibliography.bib"):
        A.load_article(tmp_path, {"continue"}, {}, {})
    (tmp_path / "index.md").write_text(front + "::: figure nofig\ncap\n:::\n")
    with pytest.raises(ValueError, match="places the figure 'nofig', which has no folder"):
        A.load_article(tmp_path, {"continue"}, {}, {})


def test_footnotes_citations_and_figures_numbered(tmp_path):
    (tmp_path / "bibliography.bib").write_text("@misc{a, author={Doe, Jane}, title={Alpha}, year={2000}}\n"
                                               "@misc{b, author={Roe, Rick}, title={Beta}, year={2001}}")
    front = "---\ntitle: T\ndescription: D\nauthors: []\npublished: 2026-01-01\n---\n"
    body = "One [@b] two [@a; @b] three[^n].\n\n::: figure continue x=1\nCap [@a].\n:::\n\n[^n]: A note.\n"
    (tmp_path / "index.md").write_text(front + body)
    art = A.load_article(tmp_path, {"continue"}, {}, {})
    assert [k for k, _ in art.references] == ["b", "a"]
    assert "[1]" in art.body_html and "[2,1]" in art.body_html
    assert 'class="hover-box"' in art.body_html and "A note." in art.body_html  # footnote preview inline
    assert art.figures[0].id == "fig-continue" and art.figures[0].settings == {"x": 1}
    assert "A note." in art.footnotes_html


def test_default_build_ships_unipen_lines_and_samples_build_adds_iam(tmp_path, iam_dir):
    import json
    build.main(["--out", str(tmp_path / "plain")])
    plain = json.loads((tmp_path / "plain" / "data" / "samples.json").read_text())
    assert len(plain) >= 10 and all(s["label"].endswith("(UNIPEN)") and s["text"] for s in plain)
    assert not any("lineStrokes" in p.name for p in (tmp_path / "plain").rglob("*"))
    build.main(["--out", str(tmp_path / "human"), "--samples", str(iam_dir / "lineStrokes-all.tar.xz")])
    both = json.loads((tmp_path / "human" / "data" / "samples.json").read_text())
    assert both[:len(plain)] == plain  # the IAM-OnDB lines come after the UNIPEN ones
    iam = both[len(plain):]
    assert len(iam) == 8 and all(s["label"].endswith("(IAM-OnDB)") and 300 <= len(s["strokes"]) <= 900 for s in iam)


def test_human_lines_file_keeps_no_writer_or_file_names():
    import json
    from builder.samples import PUBLISHED, published_lines
    doc = json.loads(PUBLISHED.read_text())
    assert "Creative Commons Attribution 4.0" in doc["licence"] and "1195803" in doc["licence"]
    assert all(set(line) == {"label", "text", "set", "nll", "strokes"} for line in doc["lines"])
    lines = published_lines()
    assert 10 <= len(lines) <= 20 and all(x["strokes"].shape[1] == 3 for x in lines)


def test_card_refs_reach_nested_numbers_and_percentages():
    from builder.article import card_refs
    card = {"nll": -1.5, "a": {"b c": {"share": 0.0142}}, "t": {"x": 1}}
    assert card_refs("[[card:nll]] [[card:a.b c.share|%]]", card) == "−1.500 1.4 %"
    for bad in ("[[card:a.missing]]", "[[card:t]]"):
        with pytest.raises(ValueError, match="the article cites"):
            card_refs(bad, card)
    record = {"measured": {"text": {"gain": 0.1234, "lines": 855}, "endings": {"failures": {"1.0": 0}}},
              "phases": [{"to": 1.25}, {"to": 6.5}]}
    assert card_refs("[[synthesis:measured.text.gain]] of [[synthesis:measured.text.lines]] "
                     "[[synthesis:measured.endings.failures.1.0]] [[synthesis:phases.-1.to]] [[synthesis:phases.0.to]]",
                     card, record) == "0.123 of 855 0 6.500 1.250"
    for bad in ("[[synthesis:phases.2.to]]", "[[synthesis:phases]]"):
        with pytest.raises(ValueError, match="the article cites"):
            card_refs(bad, card, record)
    with pytest.raises(ValueError, match="which synthesis.json does not hold"):
        card_refs("[[synthesis:measured.ocr]]", card, record)
    with pytest.raises(ValueError, match="shows no synthesis model"):
        card_refs("[[synthesis:measured.text.gain]]", card)


@pytest.fixture(scope="module")
def slim_pyodide():
    """The site's slimmed Pyodide files, source only (builder.assets.pyodide_files), built once."""
    from builder import assets
    return assets.pyodide_files(None)


def test_slimmed_pyodide_files_keep_every_import_the_rest_needs(slim_pyodide):
    """No module left in the site's standard library imports a dropped one at its top level, the
    numpy wheel keeps its code and loses only build files, and the lock carries the wheel's hash."""
    import json
    import re
    import zipfile
    from builder import assets
    files = slim_pyodide
    stdlib = zipfile.ZipFile(io.BytesIO(files["python_stdlib.zip"]))
    names = stdlib.namelist()
    assert "encodings/utf_8.py" in names and "json/__init__.py" in names and "encodings/cp037.py" not in names
    assert not any(n.split("/")[0].removesuffix(".py") in assets.STDLIB_DROP for n in names)
    top_import = re.compile(rb"^(?:import|from)\s+([\w.]+)", re.M)  # unindented: runs on import (a regex, not
    for name in names:                                               # ast: this Python may predate Pyodide's)
        if name.endswith(".py"):
            mods = {m.split(b".")[0].decode() for m in top_import.findall(stdlib.read(name))}
            assert not mods & assets.STDLIB_DROP, (name, mods & assets.STDLIB_DROP)
    wheel = files[assets.NUMPY_WHEEL]
    members = zipfile.ZipFile(io.BytesIO(wheel)).namelist()
    assert "numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so" in members
    assert "numpy/random/_generator.cpython-312-wasm32-emscripten.so" in members
    assert not [m for m in members if m.endswith((".pyi", ".h", ".a")) or m.startswith("numpy/f2py/")]
    assert not [m for m in members if "_umath_tests.cpython" in m or "_rational_tests" in m or "lapack_lite" in m]
    assert "numpy/_core/_multiarray_tests.cpython-312-wasm32-emscripten.so" in members  # numpy imports this one
    lock = json.loads(files["pyodide-lock.json"])
    assert list(lock["packages"]) == ["numpy"] and lock["info"]["version"] == assets.PYODIDE_VERSION
    assert lock["packages"]["numpy"]["sha256"] == hashlib.sha256(wheel).hexdigest()


def test_start_up_modules_are_precompiled_the_same_way_every_time(tmp_path, slim_pyodide):
    """builder/bytecode.py: what the worker imports at start ships as bytecode for Pyodide's Python
    3.12 (unchecked hash-based .pyc); the rest stays source; two runs without a cache agree."""
    import zipfile
    from builder import assets, bytecode
    files = slim_pyodide
    args = (assets.pyodide_folder(None), files["python_stdlib.zip"], files[assets.NUMPY_WHEEL], assets.NUMPY_WHEEL,
            assets.engine_zip())
    first = bytecode.compile_ahead(*args, cache=tmp_path / "a")
    assert bytecode.compile_ahead(*args, cache=tmp_path / "b") == first
    stdlib, wheel, engine = (set(zipfile.ZipFile(io.BytesIO(x)).namelist()) for x in first)
    assert {"typing.pyc", "asyncio/base_events.pyc"} <= stdlib and not {"typing.py", "asyncio/base_events.py"} & stdlib
    assert "difflib.py" in stdlib and "difflib.pyc" not in stdlib  # not imported at start: stays source
    assert "numpy/_core/fromnumeric.pyc" in wheel and "numpy/_core/fromnumeric.py" not in wheel
    assert "numpy/polynomial/chebyshev.py" in wheel
    assert {"engine/model.py", "engine/__pycache__/model.cpython-312.pyc"} <= engine  # the engine keeps its source
    header = zipfile.ZipFile(io.BytesIO(first[0])).read("typing.pyc")[:8]
    assert header[:4] == (3531).to_bytes(2, "little") + b"\r\n"  # CPython 3.12's bytecode magic number
    assert int.from_bytes(header[4:8], "little") == 1  # PEP 552 flags: hash-based, not checked against a source


def test_the_build_says_what_to_install_without_node(tmp_path, monkeypatch, slim_pyodide):
    from builder import assets, bytecode
    monkeypatch.setattr(bytecode.shutil, "which", lambda name: None)
    files = slim_pyodide
    with pytest.raises(bytecode.BytecodeError, match="Node.js is needed"):
        bytecode.compile_ahead(assets.pyodide_folder(None), files["python_stdlib.zip"], files[assets.NUMPY_WHEEL],
                               assets.NUMPY_WHEEL, b"changed inputs: not in any cache", cache=tmp_path)


def test_a_near_miss_can_be_mentioned_but_not_claimed():
    claims = {"claims": {"pen_up": {"cell": 3, "confirmed_r": 0.8}},
              "near_misses": {"x_position": {"cell": 28, "confirmed_r": -0.593}}}
    assert A.cell_refs("[[miss:x_position]] [[r:pen_up]]", claims) == "−0.59 +0.80"
    for bad in ("[[cell:x_position]]", "[[miss:pen_up]]"):
        with pytest.raises(ValueError):
            A.cell_refs(bad, claims)


def test_relative_path_data_lands_on_every_point():
    import re

    import numpy as np
    from builder.frames import relative_path
    rng = np.random.default_rng(4)
    start, pts = rng.uniform(0, 900, 2), rng.uniform(0, 900, 2) + np.cumsum(rng.normal(0, 3, (200, 2)), axis=0)
    d = relative_path(start, pts)
    assert d.startswith("M") and d.count("l") == 1 and "L" not in d
    nums = np.array([float(n) for n in re.findall(r"-?(?:\d+\.?\d*|\.\d+)", d)]).reshape(-1, 2)
    np.testing.assert_allclose(np.cumsum(nums, axis=0)[1:], pts, atol=0.051)  # every point to 0.1 px, no drift
    np.testing.assert_allclose(nums[0], start, atol=0.051)


def test_static_heatmaps_are_palette_pngs_that_decode_to_their_levels():
    import base64
    import struct
    import zlib

    import numpy as np
    from builder.png import HEAT_LEVELS, MID, heatmap_uri
    values = np.array([[-1.0, -0.5, 0.0], [0.01, 0.5, 1.0]])
    data = base64.b64decode(heatmap_uri(values).split(",", 1)[1])
    chunks, at = {}, 8
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks[kind] = data[at + 8:at + 8 + n]
        at += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (w, h, depth, colour) == (3, 2, 8, 3)
    palette = np.frombuffer(chunks[b"PLTE"], np.uint8).reshape(-1, 3)
    assert len(palette) == HEAT_LEVELS and palette[HEAT_LEVELS // 2].tolist() == MID.tolist()  # 0 is white
    rows = zlib.decompress(chunks[b"IDAT"])
    idx = np.frombuffer(rows, np.uint8).reshape(h, w + 1)[:, 1:]
    assert idx.tolist() == [[0, 16, 31], [31, 46, 62]]  # rint((v + 1) / 2 · 62)


def test_curve_chart_labels_every_stretch_inside_the_chart():
    import re

    from tests.helpers import figure_module
    curve_chart = figure_module("curve").curve_chart
    hp = {"batch": 4}
    phases = [{"device": "CPU, 1 threads", "epochs": [1, 2], "seconds": 600, "hyperparameters": hp},
              {"device": "NVIDIA H200", "epochs": [3, 60], "seconds": 180, "hyperparameters": hp},
              {"device": "CPU, 2 threads", "epochs": [61, 62], "seconds": 360, "head_only": True, "hyperparameters": hp}]
    card = {"curve": [{"epoch": e, "val_nll": -1.0 - e / 100} for e in range(1, 63)], "provenance": {"phases": phases},
            "reference_2016": {"nll": -1.73}}
    svg = curve_chart(card)["svg"]
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)" class="phase-label"><tspan[^>]*>([^<]+)<', svg)
    assert [t for _, _, t in labels] == ["CPU, 1 thread", "H200", "output layer"]
    width = float(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
    for x, anchor, text in labels:  # ~6.4 px a character, as the chart estimates
        span = {"start": (0, 1), "middle": (-0.5, 0.5), "end": (-1, 0)}[anchor]
        assert 60 <= float(x) + span[0] * 6.4 * len(text) and float(x) + span[1] * 6.4 * len(text) <= width - 10, text
