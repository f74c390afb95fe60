"""The site in Gecko and WebKit, as tests/browser/test_engines.py and bench/sessions.py drive
them (Chromium is Playwright's: bench/common.py).

Playwright drives only its own patched builds of Firefox and WebKit, so these engines are driven
through WebDriver, each by the client that can drive the stock browser here:

- Gecko: Debian's firefox-esr, headless, by puppeteer-core over WebDriver BiDi, in a Node process
  (bench/gecko.mjs) that this module sends one JSON request a line;
- WebKit: WebKitGTK's MiniBrowser through Debian's WebKitWebDriver, by selenium; MiniBrowser needs
  a display, an Xvfb of its own (``xvfb()``).

Both give the same ``Page``: evaluate a JS function in the page, wait in the page for a predicate,
click and draw with the pointer at viewport coordinates, load and reload. Neither driver can route
requests as Playwright does, so the site is served by ``ListedSite``, a plain static server that
answers only the paths the build lists and records every other request.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench.common import ROOT, word

from builder import offline
from builder.serve import Handler, Server

FIREFOX = "/usr/bin/firefox-esr"  # Debian's firefox-esr, as `make test` installs it
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"  # Debian's webkit2gtk-driver (it starts MiniBrowser)
XVFB = shutil.which("Xvfb") or "/usr/bin/Xvfb"  # Debian's xvfb
PUPPETEER = ROOT / "node_modules" / "puppeteer-core"  # package-lock.json pins it
GECKO_BRIDGE = Path(__file__).resolve().parent / "gecko.mjs"
ENGINES = ("gecko", "webkit")
WIDTH, HEIGHT = 1280, 900  # the viewport, as the Chromium tests' default

# Waits in the page: the predicate runs now and then every 100 ms until it returns something truthy
# (that value is the wait's), or until `ms` have passed, when the wait throws.
WAIT = """async (predicate, args, ms) => {
    const until = performance.now() + ms;
    for (;;) {
        const value = await predicate(...args);
        if (value) return value;
        if (performance.now() > until) throw new Error(`still false after ${ms / 1000} s: ${predicate}`);
        await new Promise((go) => setTimeout(go, 100));
    } }"""

# What the page reports that a test must see: uncaught errors, unhandled rejections and
# securitypolicyviolation events, kept in the page until Page.errors() takes them. Gecko's driver
# runs it before the page's own scripts (a preload script); WebKit's has none, so it runs once each
# load has finished: an error before that shows there only as a figure that does not answer.
WATCH = """() => { if (window.__engineErrors) return;
    const found = window.__engineErrors = [];
    addEventListener('error', (e) => found.push(`uncaught: ${e.message} at ${e.filename}:${e.lineno}`));
    addEventListener('unhandledrejection', (e) => found.push(`unhandled rejection: ${e.reason}`));
    document.addEventListener('securitypolicyviolation', (e) => found.push(
        `securitypolicyviolation: ${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`)); }"""
TAKE_ERRORS = "() => (window.__engineErrors || []).splice(0)"

# The model worker's report (backend, kernel module, stage timings), from the page's own client.
MODEL_INFO = """async () => (await import(new URL('runtime/client.js', document.baseURI))).model.info"""


class EngineError(RuntimeError):
    """The browser or its driver failed a request (a wait that hung, a page that crashed)."""


class Page:
    """One browser's one page. Subclasses give the primitives (_evaluate, _goto, _reload, click,
    draw, _driver_errors, close); the rest is written once for every engine."""

    engine = ""
    preloads = False  # whether the driver runs WATCH before the page's scripts

    def __init__(self, hang_ms: int):
        self.hang_ms, self._kept = hang_ms, []

    def goto(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self._goto(url)
        self._watch()

    def reload(self) -> None:
        """Reload and wait for the load event; what the page reported before is kept for errors()."""
        self._kept += self.evaluate(TAKE_ERRORS)
        self._reload()
        self._watch()

    def _watch(self) -> None:
        if not self.preloads:
            self.evaluate(WATCH)

    def evaluate(self, fn: str, *args):
        """Call the JS function source ``fn`` in the page with JSON ``args``; its value, awaited."""
        return self._evaluate(f"({fn})(...{json.dumps(list(args))})")

    def wait(self, predicate: str, *args):
        """Wait in the page until ``predicate(...args)`` is truthy (limit: the hang limit)."""
        return self._evaluate(f"({WAIT})({predicate}, {json.dumps(list(args))}, {self.hang_ms})")

    def errors(self) -> list[str]:
        """What went wrong in the page since the last call (WATCH, and what the driver reports)."""
        found, self._kept = self._kept + self.evaluate(TAKE_ERRORS) + self._driver_errors(), []
        return found

    # what a reader does

    def box(self, selector: str) -> dict:
        """Scroll ``selector`` to the middle of the viewport; its box there (x, y, width, height)."""
        return self.evaluate("""(selector) => { const e = document.querySelector(selector);
            e.scrollIntoView({ block: 'center', behavior: 'instant' });
            const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; }""",
                             selector)

    def click_in(self, selector: str, fx: float = 0.5, fy: float = 0.5) -> None:
        box = self.box(selector)
        self.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])

    def draw_word(self, selector: str) -> None:
        """Write bench.common.word into the canvas ``selector`` with the pointer."""
        self.draw(word(self.box(selector)))

    def model_status(self) -> str:
        """The page's model once it has settled: ready or failed."""
        return self.wait("() => ['ready', 'failed'].includes(document.documentElement.dataset.model) "
                         "&& document.documentElement.dataset.model")

    def model_info(self) -> dict:
        return self.evaluate(MODEL_INFO)

    def count(self, fid: str, key: str) -> float:
        """A counter the figure ``fid`` keeps in its data-* (runtime/figure.js count and the like)."""
        return self.evaluate("(id, key) => Number(document.getElementById(id).dataset[key] || 0)", fid, key)

    def wait_count(self, fid: str, key: str, above: float) -> float:
        """Wait until the figure's counter ``key`` is over ``above``; its value then."""
        return self.wait("(id, key, above) => { const n = Number(document.getElementById(id).dataset[key] || 0);"
                         " return n > above && n; }", fid, key, above)

    def console_run(self, code: str, fid: str = "fig-console") -> str:
        """Type ``code`` into the console figure, press Run and wait for the run to end; its output,
        or an EngineError with the console's status line where the run ended without one."""
        runs, ends = self.count(fid, "runs"), self.count(fid, "ends")
        self.evaluate("(id, code) => { document.querySelector(`#${id} textarea`).value = code; }", fid, code)
        self.click_in(f"#{fid} button.run")
        self.wait_count(fid, "ends", ends)
        if self.count(fid, "runs") == runs:
            status = self.evaluate("(id) => document.querySelector(`#${id} .status`).textContent", fid)
            raise EngineError(f"{self.engine}: the console's run ended without output: {status!r}")
        return self.evaluate("(id) => document.querySelector(`#${id} .output`).textContent", fid)


class GeckoPage(Page):
    """Firefox through bench/gecko.mjs (puppeteer-core, WebDriver BiDi)."""

    engine = "gecko"
    preloads = True

    def __init__(self, hang_ms: int):
        super().__init__(hang_ms)
        self.node = subprocess.Popen(["node", str(GECKO_BRIDGE), FIREFOX, str(WIDTH), str(HEIGHT), str(hang_ms)],
                                     cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._ask("preload", script=f"({WATCH})()")

    def _ask(self, op: str, **args):
        self.node.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.node.stdin.flush()
        line = self.node.stdout.readline()
        if not line:
            raise EngineError(f"gecko: the driver (bench/gecko.mjs) stopped, exit status {self.node.wait()}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise EngineError(f"gecko: {reply['error']}")
        return reply["value"]

    def _evaluate(self, expression: str):
        return self._ask("evaluate", expression=expression)

    def _goto(self, url: str) -> None:
        self._ask("goto", url=url)

    def _reload(self) -> None:
        self._ask("reload")

    def click(self, x: float, y: float) -> None:
        self._ask("click", x=x, y=y)

    def draw(self, strokes) -> None:
        self._ask("draw", strokes=strokes)

    def _driver_errors(self) -> list[str]:
        return self._ask("errors")

    def close(self) -> None:
        if self.node.poll() is None:
            with contextlib.suppress(EngineError, BrokenPipeError):
                self._ask("close")
            self.node.stdin.close()
            self.node.wait()


class WebKitPage(Page):
    """WebKitGTK's MiniBrowser through WebKitWebDriver (selenium), on the X display ``display``."""

    engine = "webkit"

    def __init__(self, hang_ms: int, display: str, log: Path | None = None):
        super().__init__(hang_ms)
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.webkitgtk.service import Service
        self._failure = WebDriverException
        service = Service(WEBKIT_DRIVER, env={**os.environ, "DISPLAY": display},
                          log_output=str(log) if log else subprocess.DEVNULL)
        self.driver = webdriver.WebKitGTK(options=webdriver.WebKitGTKOptions(), service=service)
        self.driver.set_window_size(WIDTH, HEIGHT)
        self.driver.set_script_timeout(hang_ms / 1000 + 60)  # a wait's own limit is hang_ms
        self.driver.set_page_load_timeout(hang_ms / 1000)

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except self._failure as e:
            raise EngineError(f"webkit: {e.msg or type(e).__name__}") from None

    def _evaluate(self, expression: str):
        return self._call(self.driver.execute_script, f"return {expression}")

    def _goto(self, url: str) -> None:
        self._call(self.driver.get, url)

    def _reload(self) -> None:
        self._call(self.driver.refresh)

    def _pointer(self, moves) -> None:
        """One pointer action: ``moves`` of ("move", x, y), ("down",) and ("up",), none waiting."""
        from selenium.webdriver.common.actions.action_builder import ActionBuilder
        actions = ActionBuilder(self.driver, duration=0)
        for move in moves:
            if move[0] == "move":
                actions.pointer_action.move_to_location(round(move[1]), round(move[2]))
            elif move[0] == "down":
                actions.pointer_action.pointer_down()
            else:
                actions.pointer_action.pointer_up()
        self._call(actions.perform)

    def click(self, x: float, y: float) -> None:
        self._pointer([("move", x, y), ("down",), ("up",)])

    def draw(self, strokes) -> None:
        self._pointer([m for first, *rest in strokes
                       for m in [("move", *first), ("down",), *(("move", *p) for p in rest), ("up",)]])

    def _driver_errors(self) -> list[str]:
        return []  # WebKitWebDriver reports no console or uncaught errors: WATCH catches them

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.driver.quit()


@contextlib.contextmanager
def open_page(engine: str, hang_ms: int, display: str | None = None, log: Path | None = None):
    """A fresh browser's page in ``engine`` ("gecko" or "webkit"; WebKit on the X ``display``)."""
    page = GeckoPage(hang_ms) if engine == "gecko" else WebKitPage(hang_ms, display, log)
    try:
        yield page
    finally:
        page.close()


def missing(engine: str) -> str | None:
    """What driving ``engine`` needs and this machine lacks, named (None: nothing)."""
    if engine == "gecko":
        needs = [(FIREFOX, "Debian's firefox-esr"), (PUPPETEER, "npm's puppeteer-core")]
    else:
        needs = [(WEBKIT_DRIVER, "Debian's webkit2gtk-driver"), (XVFB, "Debian's xvfb")]
    absent = [f"{what} ({path})" for path, what in needs if not Path(path).exists()]
    if engine == "webkit" and importlib.util.find_spec("selenium") is None:
        absent.append("PyPI's selenium (the [test] extra)")
    return " and ".join(absent) or None


@contextlib.contextmanager
def xvfb(width: int = WIDTH, height: int = HEIGHT + 124):
    """An Xvfb display of its own (the first free number, as Xvfb picks it): yields ":N"."""
    read, write = os.pipe()
    proc = subprocess.Popen([XVFB, "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            pass_fds=[write], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    try:
        if not number:
            raise EngineError(f"Xvfb did not start (exit status {proc.wait()})")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait()


class _ListedHandler(http.server.SimpleHTTPRequestHandler):
    """Python's file handler with builder/serve.py's types and no other header; a path the server
    does not list gets a 404 and is recorded."""

    extensions_map = Handler.extensions_map

    def send_head(self):
        path = unquote(urlsplit(self.path).path).lstrip("/") or "index.html"
        if path not in self.server.listed:
            self.server.refused.append(f"{self.command} /{path}")
            self.send_error(404)
            return None
        return super().send_head()

    def log_message(self, *args):
        pass


class ListedSite:
    """A built site as a plain static host serves it (GitHub Pages): no Content-Security-Policy
    header (the page's <meta>, and from the second visit the service worker, carry the policy), and
    only the files in its build-manifest.json, the manifest itself and sw.js; "/" is index.html.
    Every other request is answered 404 and kept in ``refused``. One port for its whole life:
    stop() and start() again keep the origin, so the site's service worker stays in charge."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.refused = Path(folder), 0, []
        files = json.loads((self.folder / offline.MANIFEST).read_text())["files"]
        self.listed = set(files) | {offline.MANIFEST, offline.SERVICE_WORKER}
        self.start()
        self.url = f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.server = Server(("127.0.0.1", self.port), functools.partial(_ListedHandler, directory=str(self.folder)))
        self.server.listed, self.server.refused = self.listed, self.refused
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
