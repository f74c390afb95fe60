#!/usr/bin/env python3
"""Build the article into a static site, or build and serve it.

    python build.py                       # → site/
    python build.py serve [--port 8000]   # build, then serve on 127.0.0.1 and print the URL
    python build.py clean
Options: --out DIR, --weights PATH (project or 2016 format), --pyodide DIR, --samples PATH,
--base-url /repo-name/ (for a sub-path host such as GitHub Pages), --repository URL, --zip (also
write site.zip into the output: the whole site to download, which the page links), --article DIR
(another article folder: its index.md, bibliography.bib and figures/, in the page of article/),
--synthesis PATH (the synthesis model's weights, its measured record beside them as .json; default
weights/synthesis.hwlstm: fig-write and its prose are placed only when that record passes every bar).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from builder import assets, figures, frames, offline, render, samples, synthesis  # noqa: E402
from builder.article import Article, load_article  # noqa: E402

ARTICLE = ROOT / "article"
CARD = ROOT / "weights" / "card.json"  # the default model's measured numbers, which the prose cites
CLAIMS = "cell-claims.json"  # in the article folder: which cells track what (python -m analysis.cells --write)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", nargs="?", default="build", choices=["build", "serve", "clean"])
    p.add_argument("--out", default=str(ROOT / "site"), help="output folder (default: site/)")
    p.add_argument("--weights", default=None, help="weights file, project or 2016 format (default: weights/)")
    p.add_argument("--pyodide", default=None, help="a Pyodide 0.27.7 distribution folder to copy from")
    p.add_argument("--samples", default=None, help="human lines you may publish: IAM-OnDB lineStrokes folder or archive")
    p.add_argument("--base-url", default="", help="absolute path the site is served under, e.g. /repo-name/")
    p.add_argument("--repository", default=None, help="the source repository's URL, linked from the page "
                                                        "(default: the front matter's repository)")
    p.add_argument("--zip", action="store_true", help=f"also write {offline.ZIP}, a copy of the site to read offline, "
                                                       "into the output; the page links it")
    p.add_argument("--article", default=str(ARTICLE), help="the article folder: index.md, bibliography.bib, "
                   "figures/ (one folder per figure) and, if the prose cites cells, cell-claims.json (default: "
                   "article/); the page around it (templates/, runtime/, style.css) is always article/'s")
    p.add_argument("--synthesis", default=None, help="the synthesis model's weights (default: weights/synthesis.hwlstm); "
                   "its measured record is beside them, the same name with .json (python -m training.evaluate_synthesis)")
    p.add_argument("--port", type=int, default=8000)
    return p.parse_args(argv)


def build(args) -> Path:
    """load → precompute → render → copy assets → write. Returns the output folder."""
    t0 = time.time()
    out, folder = Path(args.out), Path(args.article)
    print("loading article and model", flush=True)
    article, found, card, claims, withheld = read_article(folder, args.synthesis)
    for name, reason in withheld.items():
        print(f"fig-{name} left out: {reason}", flush=True)
    if args.repository is not None:
        article.meta["repository"] = args.repository
    weights_bytes, model = assets.load_weights(args.weights)
    files, synth = {}, None
    if any(found[f.kind].needs == "synthesis" for f in article.figures):
        synthesis_bytes, synth = synthesis.load(args.synthesis)
        files[synthesis.SITE_PATH] = synthesis_bytes
    human = samples.published_lines()
    if args.samples:
        print(f"reading human lines from {args.samples}", flush=True)
        human += samples.load_samples(Path(args.samples))
    print("precomputing static frames", flush=True)
    inputs = frames.Inputs(model, weights_bytes, card, claims.get("claims", {}), frames.generated_lines(model), human,
                           synth)
    static, data_files = frames.precompute(model, article.figures, found, inputs)
    print("gathering assets", flush=True)
    files.update({"py/weights.bin": weights_bytes, **data_files})
    if human:
        files["data/samples.json"] = samples.samples_json(human)
    files.update(assets.static_files({name: f for name, f in found.items() if name not in withheld}))
    files.update(assets.runtime_files(args.pyodide))
    print("rendering", flush=True)
    base = args.base_url.rstrip("/") + "/" if args.base_url else ""
    for fig in article.figures:
        if found[fig.kind].human_lines:
            fig.settings["human"] = bool(human)
    site = {"model": describe(model.meta), "human_licence": samples.published_licence()}
    config = page_config(offline.live_bytes(files), synthesis.page_config(synth) if synth else None)

    def page(base_url: str, zip_link: bool) -> bytes:
        info = {**site, "zip": offline.ZIP if zip_link else None}
        return render.render_page(folder, article, static, base_url, info, config).encode()

    # the manifest and the service worker cover every file written so far (builder/offline.py)
    copy = offline.finish({**files, "index.html": page("", False)}) if args.zip else None
    files = offline.finish({**files, "index.html": page(base, bool(args.zip))})
    if copy:  # the zip's page has no <base> (it is served from wherever it is unpacked) and no link to itself
        files[offline.ZIP] = offline.zip_copy(copy)
    assets.write_site(out, files)
    size = sum(len(v) for v in files.values())
    print(f"built {out} ({len(files)} files, {size / 1e6:.1f} MB) in {time.time() - t0:.1f} s", flush=True)
    return out


class Source(NamedTuple):
    article: Article
    figures: dict  # the figure folders by name (builder.figures.discover)
    card: dict  # the default model's card, whose numbers the prose cites
    claims: dict  # the cell claims the prose cites ({} when the article folder has none)
    withheld: dict  # the figures left out, by name, each with the sentence saying why


def read_article(folder: Path = ARTICLE, synthesis_weights=None) -> Source:
    """The article in ``folder`` with its figure folders, each checked (builder.figures), and what its
    prose cites; a figure that needs the synthesis model (``synthesis_weights``, default
    weights/synthesis.hwlstm) is left out, with its marked prose, unless that model passes its bars."""
    if not (folder / "index.md").is_file():
        raise ValueError(f"{folder} holds no index.md: an article folder holds index.md, bibliography.bib and figures/")
    found, card, claims = figures.discover(folder), json.loads(CARD.read_text()), read_claims(folder)
    needing = [name for name, f in found.items() if f.needs == "synthesis"]
    reason = synthesis.failing(synthesis_weights) if needing else None
    withheld = {name: reason for name in needing if reason}
    record = synthesis.record(synthesis_weights) if needing and not withheld else None
    article = load_article(folder, set(found), card, claims, set(withheld), synthesis=record)
    return Source(article, found, card, claims, withheld)


def read_claims(folder: Path = ARTICLE) -> dict:
    path = folder / CLAIMS
    return json.loads(path.read_text()) if path.exists() else {}


def page_config(live_bytes: int, synthesis_config: dict | None = None) -> dict:
    """What the page's JS shares with the build, so each value has one source. ``live_bytes``: the
    gzip size of what the live figures download (their button on a metered connection says it);
    ``synthesis_config``: the synthesis model's (builder.synthesis.page_config), None where the
    site does not ship it."""
    from builder.png import PALETTE
    return {"px_per_unit": frames.PX_PER_UNIT, "palette": PALETTE, "pyodide_files": list(assets.PYODIDE_FILES),
            "live_bytes": live_bytes, "synthesis": synthesis_config}


def describe(meta: dict) -> str:
    """One line on where the weights came from, for the appendix."""
    prov = meta.get("provenance", "unknown provenance")
    if isinstance(prov, dict):
        return f"{prov.get('data', 'trained by this project')}, {prov.get('epochs', '?')} epochs"
    return str(prov)


def main(argv=None):
    args = parse_args(argv)
    if args.command == "clean":
        import shutil
        shutil.rmtree(args.out, ignore_errors=True)
        return
    try:
        out = build(args)
    except (assets.AssetError, ValueError) as exc:
        raise SystemExit(f"error: {exc}") from None
    if args.command == "serve":
        from builder.serve import serve
        serve(out, args.port)


if __name__ == "__main__":
    main()
