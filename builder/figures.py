"""The article's figures: one folder each under ``<article>/figures/``, found and checked before the
build computes anything. A folder ``figures/<name>/`` is the whole figure:

- ``figure.html.j2``: its HTML, a ``<figure>`` holding the static frame (rendered with ``fig``, the
  placement; ``frame``, what ``frame()`` returned; ``config``, the shortcode's settings as JSON);
- ``<name>.css``: its style, linked by the page wherever the figure is placed;
- ``frame.py``: ``frame(model, settings, inputs) -> dict``, the static first frame the build draws
  (``svg`` at least; ``inputs`` is :class:`builder.frames.Inputs`). ``HUMAN_LINES = True`` there
  puts ``human`` (whether the build has human lines) into the figure's config; ``NEEDS =
  "synthesis"`` places the figure only when the build's synthesis model passes its bars
  (builder/synthesis.py; else the build leaves it out, with its marked prose, and says why);
- ``<name>.js``, only for a live figure: one whose template's ``<figure>`` has
  ``data-figure="<name>"``. The page imports that module and calls its ``mount(root, config)``. A
  figure without ``data-figure`` is static: its frame is all it shows, and it has no JS.

Anything else in the folder is the figure's own (data its frame reads, images it serves). A folder
that lacks a piece stops the build with a sentence naming the figure and the piece.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "figure.html.j2"
FRAME = "frame.py"
LIVE_MARK = re.compile(r"""\bdata-figure=["']([^"']*)["']""")
MOUNT = re.compile(r"\bexport\s+(?:async\s+)?function\s+mount\s*\(")
NEEDS = (None, "synthesis")  # what a figure may need from the build before it is placed


class FigureError(ValueError):
    """A figure folder that lacks a piece, or holds one it cannot use."""


@dataclass(frozen=True)
class Folder:
    name: str  # the folder's name: the shortcode's kind and the figure's id, fig-<name>
    path: Path
    live: bool  # it has <name>.js, which the page mounts
    module: ModuleType  # its frame.py
    frame: Callable  # frame(model, settings, inputs) -> dict
    human_lines: bool  # its config says whether the build has human lines
    needs: str | None  # what the build must have for the figure to be placed (NEEDS): "synthesis" or None


def discover(article: Path) -> dict[str, Folder]:
    """Every figure folder under ``article/figures/``, by name, each checked to be complete (none
    where the article has no figures/)."""
    root = article / "figures"
    return {p.name: load(p) for p in sorted(root.iterdir()) if p.is_dir()} if root.is_dir() else {}


def load(path: Path) -> Folder:
    """One figure folder, checked: its template, CSS and frame function, and its JS where the
    template makes it live (and only there)."""
    name, where = path.name, _where(path)
    template = path / TEMPLATE
    if not template.is_file():
        raise FigureError(f"{where} has no {TEMPLATE}, the HTML that places it in the page")
    if not (path / f"{name}.css").is_file():
        raise FigureError(f"{where} has no {name}.css, its style (an empty file will do)")
    marks = set(LIVE_MARK.findall(template.read_text(encoding="utf-8")))
    if marks - {name}:
        raise FigureError(f"{where}: its {TEMPLATE} says data-figure=\"{sorted(marks - {name})[0]}\"; "
                          f"a figure's data-figure is its folder's name, \"{name}\"")
    script, live = path / f"{name}.js", bool(marks)
    if live and not script.is_file():
        raise FigureError(f"{where} has no {name}.js: its {TEMPLATE} marks it live (data-figure=\"{name}\"), "
                          f"and the page imports that module to mount it")
    if script.is_file() and not live:
        raise FigureError(f"{where}: its {name}.js would never run: the <figure> in its {TEMPLATE} has no "
                          f"data-figure=\"{name}\" (drop the JS for a static figure)")
    if live and not MOUNT.search(script.read_text(encoding="utf-8")):
        raise FigureError(f"{where}: its {name}.js exports no mount(root, config), which the page calls")
    module = frame_module(path)
    frame = getattr(module, "frame", None)
    if not callable(frame):
        raise FigureError(f"{where}: its {FRAME} defines no frame(model, settings, inputs), which draws its "
                          f"static first frame")
    needs = getattr(module, "NEEDS", None)
    if needs not in NEEDS:
        raise FigureError(f"{where}: its {FRAME} sets NEEDS = {needs!r}; a figure may need "
                          f"{' or '.join(repr(n) for n in NEEDS if n)} (or nothing)")
    return Folder(name, path, live, module, frame, bool(getattr(module, "HUMAN_LINES", False)), needs)


def _where(path: Path) -> str:
    """``figure 'name' (its folder)``, the folder relative to the repository where it lies inside."""
    shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
    return f"figure {path.name!r} ({shown.as_posix()}/)"


def frame_module(path: Path) -> ModuleType:
    """The folder's frame.py, loaded from its path (figure folders are not packages; their
    modules import what they share from ``builder`` and ``engine``)."""
    source = path / FRAME
    if not source.is_file():
        raise FigureError(f"{_where(path)} has no {FRAME}, whose frame(model, settings, inputs) draws its "
                          f"static first frame")
    spec = importlib.util.spec_from_file_location("figure_frame_" + re.sub(r"\W", "_", path.name), source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
