"""Citations from ``article/bibliography.bib`` (parsed with bibtexparser), numbered by first use."""
from __future__ import annotations

import html
import re
from pathlib import Path

import bibtexparser
from bibtexparser.bparser import BibTexParser

CITE = re.compile(r"\[(@[\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\]")  # [@key] or [@a; @b]


def load_bib(path: Path) -> dict[str, dict]:
    parser = BibTexParser(common_strings=True)
    parser.ignore_nonstandard_types = False
    with open(path, encoding="utf-8") as f:
        db = bibtexparser.load(f, parser=parser)
    return {e["ID"]: {k: _clean(v) for k, v in e.items()} for e in db.entries}


def _clean(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("{", "").replace("}", "")).strip()


def authors_short(entry: dict) -> str:
    names = [n.strip() for n in entry.get("author", "").split(" and ") if n.strip()]
    last = [n.split(",")[0] if "," in n else n.split()[-1] for n in names]
    if not last:
        return entry.get("title", entry["ID"])
    return last[0] if len(last) == 1 else f"{last[0]} and {last[1]}" if len(last) == 2 else f"{last[0]} et al."


def authors_full(entry: dict) -> str:
    names = []
    for n in entry.get("author", "").split(" and "):
        n = n.strip()
        if "," in n:
            last, first = (p.strip() for p in n.split(",", 1))
            n = f"{first} {last}"
        if n:
            names.append(n)
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else ""


def reference_html(entry: dict) -> str:
    """One formatted reference: authors, year. <b>title</b>. venue. link."""
    venue = entry.get("journal") or entry.get("booktitle") or entry.get("publisher") or entry.get("howpublished", "")
    parts = [html.escape(authors_full(entry)), f"{html.escape(entry.get('year', ''))}."]
    parts.append(f"<span class=\"ref-title\">{html.escape(entry.get('title', ''))}</span>.")
    if venue:
        parts.append(f"{html.escape(venue)}.")
    url = entry.get("url") or (f"https://doi.org/{entry['doi']}" if entry.get("doi") else "")
    if url:
        parts.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
    return " ".join(p for p in parts if p)


class Citations:
    """Replaces ``[@key]`` in Markdown with numbered inline citations carrying a hover preview."""

    def __init__(self, bib: dict[str, dict]):
        self.bib, self.order = bib, []

    def number(self, key: str) -> int:
        if key not in self.bib:
            raise ValueError(f"citation @{key} is not in bibliography.bib (known: {', '.join(sorted(self.bib))})")
        if key not in self.order:
            self.order.append(key)
        return self.order.index(key) + 1

    def replace(self, text: str) -> str:
        def one(m):
            keys = [k.strip().lstrip("@") for k in m.group(1).split(";")]
            nums = [self.number(k) for k in keys]
            preview = "".join(f'<span class="hover-ref">{reference_html(self.bib[k])}</span>' for k in keys)
            label = ",".join(str(n) for n in nums)
            return (f'<span class="citation" tabindex="0"><a href="#ref-{keys[0]}">[{label}]</a>'
                    f'<span class="hover-box" role="tooltip">{preview}</span></span>')
        return CITE.sub(one, text)

    def references(self) -> list[tuple[str, str]]:
        return [(k, reference_html(self.bib[k])) for k in self.order]
