"""The built article's shape: the experiments come first, the repository link is one setting."""
from html.parser import HTMLParser

import pytest

import build

MAX_WORDS_BEFORE_FIRST_LIVE_FIGURE = 250
LIVE_FIRST = {"fig-generate", "fig-continue"}  # the figures a reader can watch or write into at once


class ProseBeforeFigure(HTMLParser):
    """Words of the article's own paragraphs (not the title block, captions, footnote marks and
    their previews, or the appendix) before the first of ``LIVE_FIRST``."""

    def __init__(self):
        super().__init__()
        self.words, self.stack, self.found, self.in_main = 0, [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        if self.in_main and self.found is None and tag == "figure" and a.get("id") in LIVE_FIRST:
            self.found = a["id"]
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "path", "circle", "line", "rect"):
            self.stack.append((tag, a.get("class", "")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        counted = self.in_main and self.found is None and "p" in tags and not {"figure", "sup"} & set(tags)
        if counted:
            self.words += len(data.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build.main(["--out", str(out)])
    return out


def test_at_most_250_words_before_the_first_live_figure(built):
    p = ProseBeforeFigure()
    p.feed((built / "index.html").read_text())
    assert p.found in LIVE_FIRST, "no live figure in the article's body"
    assert 50 < p.words <= MAX_WORDS_BEFORE_FIRST_LIVE_FIGURE, f"{p.words} words before {p.found}"


def test_the_counter_counts_paragraphs_only():
    p = ProseBeforeFigure()
    p.feed('<h1>Title words here</h1><main class="article"><p>one two <sup>1<span class="hover-box">note '
           'words</span></sup> three</p><figure id="fig-curve"><p>caption words</p></figure><p>four</p>'
           '<figure id="fig-generate"></figure><p>after</p></main>')
    assert (p.found, p.words) == ("fig-generate", 4)


def test_the_repository_link_is_one_setting(tmp_path):
    plain = tmp_path / "plain"
    build.main(["--out", str(plain), "--repository", ""])
    assert "Source code, training pipeline" not in (plain / "index.html").read_text()
    linked = tmp_path / "linked"
    build.main(["--out", str(linked), "--repository", "https://example.org/me/handwriting"])
    assert '<a href="https://example.org/me/handwriting">' in (linked / "index.html").read_text()


def test_the_human_lines_licence_is_stated_beside_the_articles(built):
    html = (built / "index.html").read_text()
    reuse = html[html.index('<h3>Reuse</h3>'):html.index('<h3>Citation</h3>')]
    assert "CC BY 4.0" in reuse  # the article's own licence
    notice = reuse[reuse.index('class="data-licence"'):]
    assert "UNIPEN" in notice and "Creative Commons Attribution 4.0" in notice and "zenodo.1195803" in notice
    assert "commercial" in notice
