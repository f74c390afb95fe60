"""Article source → structured content: front matter, body HTML, figures, footnotes, citations.

Markdown (Python-Markdown with footnotes) holds figures only as shortcodes:

    ::: figure continue length=20 variation=0.35
    The caption, in *Markdown*.
    :::

Everything after a line ``<!-- appendix -->`` goes to the appendix. Prose that belongs to a figure
the build may leave out (one whose frame.py has ``NEEDS``: builder/figures.py) stands between the
lines ``<!-- with figure <kind> -->`` and ``<!-- end figure <kind> -->`` (not nested), its
shortcode among it; an entry of the front matter's ``updates`` about it is ``{figure: <kind>,
text: …}``. Both are left out with the figure.
"""
from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import yaml

from .bib import Citations, load_bib

SHORTCODE = re.compile(r"^::: *figure +(?P<args>[^\n]+)\n(?P<caption>.*?)\n:::[ \t]*$", re.M | re.S)
APPENDIX = "<!-- appendix -->"
SECTION = re.compile(r"^<!-- with figure (?P<kind>[\w-]+) -->[ \t]*\n(?P<body>.*?)^<!-- end figure (?P=kind) -->[ \t]*(\n|\Z)",
                     re.M | re.S)
SECTION_MARK = re.compile(r"^<!-- (with|end) figure [^\n]*?-->", re.M)
# Front matter an article may leave out, and what the page then takes (it shows updates, a DOI and
# the repository's link only where given)
OPTIONAL_META = {"updated": "", "updates": [], "journal": "", "doi": "", "doi_label": "Identifier", "url": "",
                 "repository": "", "license_text": ""}
# [[cell:name]] → the cell id, [[r:name]] → its held-out r, [[unipen:name]] → its r on the UNIPEN
# lines; [[miss:name]] → a near miss's held-out r
CELL_REF = re.compile(r"\[\[(cell|r|unipen|miss):(\w+)\]\]")
# [[card:key]] or [[card:a.b.c]] → a number from weights/card.json (a list's item by index: a.0.b,
# a.-1.b); [[card:key|%]] as a percentage.
# [[synthesis:...]] the same from the synthesis model's record (weights/synthesis.json), which only
# prose inside a '<!-- with figure write -->' section may cite: elsewhere the record may not exist
CARD_REF = re.compile(r"\[\[(card|synthesis):([^\]|]+)(\|%)?\]\]")


@dataclass
class Figure:
    kind: str  # folder name under article/figures/
    id: str  # fig-<kind>, with a suffix when a kind is placed twice
    number: int
    settings: dict
    caption_html: str


@dataclass
class Article:
    meta: dict
    body_html: str
    appendix_html: str
    figures: list[Figure]
    footnotes_html: str
    references: list[tuple[str, str]]
    citation_bibtex: str = ""
    extra: dict = field(default_factory=dict)


def load_article(folder: Path, known_figures: set[str], card: dict, claims: dict, withheld=frozenset(),
                 synthesis: dict | None = None) -> Article:
    """Read ``folder/index.md`` and ``folder/bibliography.bib`` into an :class:`Article`, with the
    model card's numbers, the synthesis model's record's (``synthesis``, None when it is not shown)
    and the cell claims (its cell-claims.json) put into the prose.
    ``known_figures``: the names of the figure folders (``folder/figures/<name>/``, builder.figures);
    ``withheld``: those the build leaves out, with the prose marked as theirs."""
    text = (folder / "index.md").read_text(encoding="utf-8")
    meta, body = split_front_matter(text)
    meta["updates"] = updates(meta["updates"], known_figures, withheld)
    body = figure_sections(body, known_figures, withheld)
    cites = Citations(load_bib(folder / "bibliography.bib"))
    figures: list[Figure] = []

    def figure(m):
        args = shlex.split(m.group("args"))
        kind, settings = args[0], dict(_setting(a) for a in args[1:])
        if kind not in known_figures:
            raise ValueError(f"index.md places the figure {kind!r}, which has no folder: add figures/{kind}/ "
                             f"beside index.md (docs/design.md, Adding a figure); the figures there are "
                             f"{', '.join(sorted(known_figures)) or 'none'}")
        fid = settings.pop("id", None) or f"fig-{kind}"
        if any(f.id == fid for f in figures):
            raise ValueError(f"figure id {fid!r} used twice: give the second one id=fig-{kind}-<suffix>")
        if "[^" in m.group("caption"):
            raise ValueError(f"figure {kind}: a caption cannot hold a footnote; put it in the prose beside the figure")
        caption = markdown.markdown(m.group("caption").strip())
        figures.append(Figure(kind, fid, len(figures) + 1, settings, _strip_p(caption)))
        return f"\n\nFIGURE{len(figures) - 1}PLACEHOLDER\n\n"

    body = cell_refs(body, claims)
    body = card_refs(body, card, synthesis)
    body = SHORTCODE.sub(figure, cites.replace(body))  # citations numbered in reading order
    main, _, appendix = body.partition(APPENDIX)
    footnotes = {"BACKLINK_TEXT": "↩", "USE_DEFINITION_ORDER": False}  # numbered in reading order, as citations are
    md = markdown.Markdown(extensions=["footnotes", "tables", "toc"], extension_configs={"footnotes": footnotes})
    body_html = md.convert(main)
    body_html, notes = _take_footnotes(body_html)
    appendix_html = markdown.markdown(appendix, extensions=["tables", "toc"])
    for i, fig in enumerate(figures):  # a figure may stand in the body or in the appendix
        body_html = body_html.replace(f"<p>FIGURE{i}PLACEHOLDER</p>", f"<!--figure:{fig.id}-->")
        appendix_html = appendix_html.replace(f"<p>FIGURE{i}PLACEHOLDER</p>", f"<!--figure:{fig.id}-->")
    return Article(meta, body_html, appendix_html, figures, notes, cites.references(), bibtex_for(meta))


def figure_sections(body: str, known: set[str], withheld) -> str:
    """The prose with each figure's marked section kept (its marks dropped), or left out where the
    build withholds that figure. ValueError for a mark without its pair, a section of a figure
    that has no folder, or a withheld figure placed outside its section."""
    def one(m):
        if m["kind"] not in known:
            raise ValueError(f"index.md marks a section for the figure {m['kind']!r}, which has no folder")
        return "" if m["kind"] in withheld else m["body"]
    out = SECTION.sub(one, body)
    stray = SECTION_MARK.search(out)
    if stray:
        raise ValueError(f"index.md: {stray.group(0)!r} has no pair (a section runs from '<!-- with figure "
                         f"<kind> -->' to '<!-- end figure <kind> -->', each on its own line, not nested)")
    for m in SHORTCODE.finditer(out):
        kind = shlex.split(m["args"])[0]
        if kind in withheld:
            raise ValueError(f"index.md places the figure {kind!r} outside a '<!-- with figure {kind} -->' section; "
                             f"the build may leave that figure out, and its prose must go with it")
    return out


def updates(entries, known: set[str], withheld) -> list[str]:
    """The front matter's updates as text: an entry ``{figure: <kind>, text: …}`` is about a figure
    the build may leave out, and is left out with it."""
    out = []
    for entry in entries or []:
        if isinstance(entry, dict):
            if set(entry) != {"figure", "text"} or entry["figure"] not in known:
                raise ValueError(f"front matter: an update about a figure is {{figure: <kind>, text: ...}} naming a "
                                 f"figure folder, not {entry!r}")
            if entry["figure"] not in withheld:
                out.append(str(entry["text"]))
        else:
            out.append(str(entry))
    return out


def cell_refs(text: str, spec: dict) -> str:
    """Put the measured cell ids and correlations (analysis/cells.py --write) into the prose."""
    claims, misses = spec.get("claims", {}), spec.get("near_misses", {})

    def one(m):
        kind, name = m.groups()
        if kind == "miss":
            if name not in misses:
                raise ValueError(f"the article calls {name!r} a near miss, which cell-claims.json does not "
                                 f"(re-run: python -m analysis.cells --write, then revise the prose)")
            return f"{misses[name]['confirmed_r']:+.2f}".replace("-", "−")
        if name not in claims:
            raise ValueError(f"the article cites the cell claim {name!r}, which cell-claims.json does not hold "
                             f"(re-run: python -m analysis.cells --write, then revise the prose)")
        c = claims[name]
        if kind in ("r", "unipen"):
            return f"{c['confirmed_r' if kind == 'r' else 'unipen_r']:+.2f}".replace("-", "−")
        return f'<a class="cell-ref" href="#fig-cells" data-cell="{c["cell"]}">cell {c["cell"]}</a>'
    return CELL_REF.sub(one, text)


def card_refs(text: str, card: dict, synthesis: dict | None = None) -> str:
    """Put measured numbers into the prose: [[card:...]] from the default model's card
    (training.export --evaluate), [[synthesis:...]] from the synthesis model's record
    (training.evaluate_synthesis; ``None`` when the build does not show that model)."""
    sources = {"card": {**card, **{k: v for k, v in card.get("provenance", {}).items() if not isinstance(v, dict)}},
               "synthesis": synthesis}
    files = {"card": "card.json", "synthesis": "synthesis.json"}

    def one(m):
        source, path, percent = m.groups()
        ref = f"[[{source}:{path}]]"
        v = sources[source]
        if v is None:
            raise ValueError(f"the article cites {ref}, but this build shows no synthesis model: cite its record "
                             f"only inside a '<!-- with figure write -->' section")
        keys = path.split(".")
        while keys:  # a key may itself hold dots ("1.0", a bias): the longest one present wins
            if isinstance(v, list) and keys[0].lstrip("-").isdigit() and -len(v) <= int(keys[0]) < len(v):
                v, keys = v[int(keys[0])], keys[1:]  # a list's item by index, -1 the last
                continue
            n = next((n for n in range(len(keys), 0, -1) if isinstance(v, dict) and ".".join(keys[:n]) in v), 0)
            if not n:
                raise ValueError(f"the article cites {ref}, which {files[source]} does not hold")
            v, keys = v[".".join(keys[:n])], keys[n:]
        if isinstance(v, (dict, list)):
            raise ValueError(f"the article cites {ref}, which is a table, not a number")
        if percent:
            return f"{100 * v:.1f} %"
        return (f"{v:.3f}".replace("-", "−") if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v))
    return CARD_REF.sub(one, text)


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise ValueError("index.md must start with YAML front matter between '---' lines")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front) or {}
    for key in ("title", "description", "authors", "published"):
        if key not in meta:
            raise ValueError(f"front matter lacks {key!r}")
    return {**OPTIONAL_META, **meta}, body


def _setting(arg: str):
    key, _, value = arg.partition("=")
    for cast in (int, float):
        try:
            return key, cast(value)
        except ValueError:
            pass
    return key, value


def _strip_p(html_text: str) -> str:
    return re.sub(r"^<p>(.*)</p>$", r"\1", html_text.strip(), flags=re.S)


def _take_footnotes(body: str) -> tuple[str, str]:
    """Move Markdown's footnote list out of the body and give each reference a hover preview."""
    m = re.search(r'<div class="footnote">.*?</div>', body, re.S)
    if not m:
        return body, ""
    notes = m.group(0)
    body = body.replace(notes, "")
    texts = dict(re.findall(r'<li id="fn:([^"]+)">\s*(.*?)</li>', notes, re.S))
    def preview(ref):
        key = ref.group(1)
        inner = re.sub(r'<a class="footnote-backref".*?</a>', "", texts.get(key, ""))
        inner = re.sub(r"</?p>", "", inner).strip()
        return ref.group(0)[:-len("</sup>")] + f'<span class="hover-box" role="tooltip">{inner}</span></sup>'
    body = re.sub(r'<sup id="fnref:([^"]+)">.*?</sup>', preview, body)
    return body, notes.replace("<hr />", "")


def bibtex_for(meta: dict) -> str:
    authors = " and ".join(a["name"] for a in meta.get("authors", []))
    year = str(meta.get("published", ""))[:4]
    first = (meta.get("authors") or [{"name": "anonymous"}])[0]["name"]
    key = re.sub(r"\W", "", first.split()[-1] + year).lower()
    fields = {"author": authors, "title": meta["title"], "journal": meta.get("journal", ""), "year": year,
              "note": meta.get("url", ""), "doi": meta.get("doi", "")}
    body = ",\n".join(f"  {k} = {{{html.unescape(str(v))}}}" for k, v in fields.items() if v)
    return f"@article{{{key},\n{body}\n}}"
