"""A figure is its folder (builder/figures.py): what the build asks of each, the sentence it stops
with when a piece is missing, and the article's figures found from their folders."""
import shutil

import pytest

import build
from builder import figures, frames
from tests.helpers import FIXTURES, placed_figures

HELLO = FIXTURES / "article" / "figures" / "hello"  # a complete live figure


def test_every_figure_folder_is_complete_and_placed():
    found = figures.discover(build.ARTICLE)
    assert found and all(callable(f.frame) for f in found.values())
    assert {f.name for f in found.values() if not f.live} == {"curve"}  # the one static figure: no JS
    # the tests that go over the placed figures (tests/browser) then cover every folder, but those
    # the build withholds (fig-write without a synthesis model that passes its bars: tests/browser/test_write.py)
    withheld = build.read_article().withheld
    assert {f.kind for f in placed_figures()} | set(withheld) == set(found)
    assert all(found[name].needs for name in withheld)


@pytest.fixture
def article(tmp_path):
    """A copy of the fixture article, whose one figure (hello) a test may break."""
    shutil.copytree(FIXTURES / "article", tmp_path / "article")
    return tmp_path / "article"


def build_error(article, tmp_path) -> str:
    with pytest.raises(SystemExit) as exc:
        build.main(["--article", str(article), "--out", str(tmp_path / "site")])
    assert not (tmp_path / "site").exists()
    return str(exc.value)


def replace(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


BREAKS = {  # how a folder lacks a piece → what the sentence names
    "no template": (lambda f: (f / "figure.html.j2").unlink(), "has no figure.html.j2"),
    "no CSS": (lambda f: (f / "hello.css").unlink(), "has no hello.css"),
    "no frame.py": (lambda f: (f / "frame.py").unlink(), "has no frame.py"),
    "no frame function": (lambda f: replace(f / "frame.py", "def frame(", "def draw("),
                          "frame.py defines no frame(model, settings, inputs)"),
    "no JS for a live template": (lambda f: (f / "hello.js").unlink(), "has no hello.js: its figure.html.j2 marks it live"),
    "JS a static template never runs": (lambda f: replace(f / "figure.html.j2", ' data-figure="hello"', ""),
                                        "hello.js would never run"),
    "data-figure naming another": (lambda f: replace(f / "figure.html.j2", 'data-figure="hello"', 'data-figure="hi"'),
                                   'says data-figure="hi"'),
    "JS without mount": (lambda f: replace(f / "hello.js", "export function mount(", "function start("),
                         "hello.js exports no mount(root, config)"),
    "an unknown need": (lambda f: replace(f / "frame.py", "def frame(", "NEEDS = 'a GPU'\n\n\ndef frame("),
                        "sets NEEDS = 'a GPU'; a figure may need 'synthesis' (or nothing)"),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_a_folder_lacking_a_piece_stops_the_build_naming_figure_and_piece(article, tmp_path, case):
    assert build.read_article(article).figures["hello"].live  # whole, the fixture figure loads
    brk, piece = BREAKS[case]
    brk(article / "figures" / "hello")
    message = build_error(article, tmp_path)
    assert message.startswith("error: figure 'hello' (") and piece in message and "Traceback" not in message, message


def test_a_shortcode_naming_no_folder_stops_the_build(article, tmp_path):
    replace(article / "index.md", "::: figure hello points=60", "::: figure helo points=60")
    message = build_error(article, tmp_path)
    assert "places the figure 'helo', which has no folder: add figures/helo/" in message, message
    assert "the figures there are hello" in message


def test_an_article_folder_without_index_md_is_named(tmp_path):
    message = build_error(tmp_path / "nowhere", tmp_path)
    assert f"{tmp_path / 'nowhere'} holds no index.md" in message and "Traceback" not in message, message


def test_a_setting_the_frame_needs_and_the_shortcode_lacks_is_named(article):
    source = build.read_article(article)
    fig = source.article.figures[0]
    del fig.settings["points"]
    with pytest.raises(ValueError, match=r"figure fig-hello: its frame needs the setting 'points'"):
        frames.precompute(None, [fig], source.figures, frames.Inputs(None, b"", {}, {}))
