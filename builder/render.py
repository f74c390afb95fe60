"""Jinja2: the page's template (builder.SHELL) with each figure's own template (from the article's
figures/) put in place of its shortcode."""
from __future__ import annotations

import json
from pathlib import Path

import jinja2

from . import SHELL
from .article import Article
from .offline import CSP


def environment(article_dir: Path) -> jinja2.Environment:
    """``templates/…`` from the page's shell, ``figures/<name>/…`` from the article's figure folders."""
    loader = jinja2.PrefixLoader({"templates": jinja2.FileSystemLoader(str(SHELL / "templates")),
                                  "figures": jinja2.FileSystemLoader(str(article_dir / "figures"))})
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def render_page(article_dir: Path, article: Article, frames: dict, base_url: str, site_info: dict,
                page_config: dict) -> str:
    """The whole page. ``page_config``: the values the runtime JS shares with the build (pixels per
    unit, the heatmap palette, Pyodide's files, the live figures' download size), written once into
    the page as JSON. The page carries the Content-Security-Policy in a <meta> too (builder/offline.py)."""
    env = environment(article_dir)
    body, appendix = article.body_html, article.appendix_html
    for fig in article.figures:
        html = env.get_template(f"figures/{fig.kind}/figure.html.j2").render(
            fig=fig, frame=frames[fig.id], config=json.dumps(fig.settings, sort_keys=True))
        body = body.replace(f"<!--figure:{fig.id}-->", html)
        appendix = appendix.replace(f"<!--figure:{fig.id}-->", html)
    return env.get_template("templates/index.html.j2").render(
        meta=article.meta, body=body, appendix=appendix, article=article, base=base_url, site=site_info, csp=CSP,
        page_config=json.dumps(page_config, sort_keys=True, separators=(",", ":")).replace("</", "<\\/"),
        figure_kinds=sorted({f.kind for f in article.figures}))
