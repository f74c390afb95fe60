"""fig-write and its prose are built only with a synthesis model whose record passes every bar
(builder/synthesis.py, engine.bars); otherwise the build leaves both out and says why in one line.
Prose belongs to a figure between '<!-- with figure <kind> -->' and '<!-- end figure <kind> -->'."""
import copy
import json

import pytest

import build
from builder import article as A
from builder import synthesis
from tests.helpers import PASSING_RECORD, synthesis_folder

SECTION = "Writing a given text"  # the heading of fig-write's section in article/index.md


def failing_record():
    record = copy.deepcopy(PASSING_RECORD)
    record["measured"]["ocr"]["cer_model"] = 0.9
    return record


def test_the_build_places_fig_write_only_with_a_passing_record(tmp_path, capsys):
    passing = synthesis_folder(tmp_path / "pass", PASSING_RECORD)
    out = tmp_path / "with"
    build.main(["--out", str(out), "--synthesis", str(passing)])
    assert "left out" not in capsys.readouterr().out
    page = (out / "index.html").read_text()
    assert 'id="fig-write"' in page and SECTION in page and "a fifth experiment" in page
    assert "About the model that writes a text" in page and "scores −2.100" in page  # the record's numbers
    assert (out / "py" / "synthesis.bin").read_bytes() == passing.read_bytes() and (out / "figures" / "write" / "write.js").exists()
    assert "py/synthesis.bin" in json.loads((out / "build-manifest.json").read_text())["files"]  # kept offline too
    config = json.loads(page.split('id="page-config">', 1)[1].split("</script>", 1)[0])
    assert config["synthesis"]["weights"] == "py/synthesis.bin" and config["synthesis"]["alphabet"]
    assert "write('Hi.'" in page  # the console's example

    failing = synthesis_folder(tmp_path / "fail", failing_record())
    out = tmp_path / "without"
    build.main(["--out", str(out), "--synthesis", str(failing)])
    said = [line for line in capsys.readouterr().out.splitlines() if "left out" in line]
    assert said == ["fig-write left out: the synthesis model fails its bar 'ocr' (legible (30 lines, Tesseract): "
                    "CER model 0.9, real lines 0.44; bar: model ≤ real)"]
    page = (out / "index.html").read_text()
    assert "fig-write" not in page and SECTION not in page and "a fifth experiment" not in page
    assert "About the model that writes a text" not in page
    assert "Neatness" not in page and "with figure" not in page and "write('Hi.'" not in page
    assert not (out / "py" / "synthesis.bin").exists() and not (out / "figures" / "write").exists()
    config = json.loads(page.split('id="page-config">', 1)[1].split("</script>", 1)[0])
    assert config["synthesis"] is None


@pytest.mark.parametrize("record,words", [
    (None, "not measured (synthesis.json is missing"),
    ({"measured": {k: v for k, v in PASSING_RECORD["measured"].items() if k != "priming"}}, "bar 'priming' is not measured"),
    ("{not json", "does not read"),
], ids=["no record", "a bar missing", "unreadable"])
def test_a_record_that_does_not_pass_leaves_fig_write_out_and_says_why(tmp_path, record, words):
    weights = synthesis_folder(tmp_path, record if not isinstance(record, str) else None)
    if isinstance(record, str):
        (tmp_path / "synthesis.json").write_text(record)
    source = build.read_article(build.ARTICLE, weights)
    assert words in source.withheld["write"]
    assert "fig-write" not in [f.id for f in source.article.figures] and SECTION not in source.article.body_html
    assert build.read_article(build.ARTICLE, synthesis_folder(tmp_path / "ok", PASSING_RECORD)).withheld == {}


def test_the_record_is_read_beside_the_weights(tmp_path):
    assert synthesis.record_path(tmp_path / "mine.hwlstm") == tmp_path / "mine.json"
    assert "no synthesis weights" in synthesis.failing(tmp_path / "missing.hwlstm")


FRONT = "---\ntitle: T\ndescription: D\nauthors: []\npublished: 2026-01-01\n---\n"
PLACED = "::: figure write text=Hi\nCap.\n:::\n"


@pytest.mark.parametrize("body,message", [
    ("<!-- with figure write -->\nA.\n", "has no pair"),
    ("A.\n<!-- end figure write -->\n", "has no pair"),
    ("<!-- with figure nope -->\nA.\n<!-- end figure nope -->\n", "'nope', which has no folder"),
    (PLACED, "places the figure 'write' outside a '<!-- with figure write -->' section"),
])
def test_marked_sections_are_checked(tmp_path, body, message):
    (tmp_path / "bibliography.bib").write_text("")
    (tmp_path / "index.md").write_text(FRONT + body)
    with pytest.raises(ValueError, match=message):
        A.load_article(tmp_path, {"write"}, {}, {}, withheld={"write"})


def test_a_withheld_figures_section_and_update_go_and_a_placed_ones_marks_go(tmp_path):
    (tmp_path / "bibliography.bib").write_text("")
    front = FRONT.replace("published: 2026-01-01\n", "published: 2026-01-01\nupdates:\n  - plain entry\n"
                                                   "  - {figure: write, text: about write}\n")
    body = ("Before.\n\n<!-- with figure write -->\n## Section\n\nText[^n], [[synthesis:gain]].\n\n" + PLACED
            + "\n[^n]: Its note.\n<!-- end figure write -->\n\nAfter.\n")
    (tmp_path / "index.md").write_text(front + body)
    shown = A.load_article(tmp_path, {"write"}, {}, {}, synthesis={"gain": 0.25})
    assert "</sup>, 0.250." in shown.body_html
    assert [f.id for f in shown.figures] == ["fig-write"] and "Section" in shown.body_html and "figure write" not in shown.body_html
    assert "Its note." in shown.footnotes_html and shown.meta["updates"] == ["plain entry", "about write"]
    left = A.load_article(tmp_path, {"write"}, {}, {}, withheld={"write"})
    assert left.figures == [] and "Section" not in left.body_html and "Before." in left.body_html and "After." in left.body_html
    assert left.footnotes_html == "" and left.meta["updates"] == ["plain entry"]
