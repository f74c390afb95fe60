"""The page's Content-Security-Policy in Chromium: nothing in normal use of any figure breaks it; it
reaches the workers, from builder/serve.py's header or, on a host that sends no headers, from the
service worker; other origins are refused by the browser, not by Python; Pyodide needs
'wasm-unsafe-eval' and nothing more."""
import functools
import http.server
import threading
from typing import ClassVar

from builder import offline
from builder.serve import Handler, Server
from tests.helpers import live_figures

from .conftest import OFFLINE_CONTEXT, Served, first_look, record_errors
from .test_offline import KEPT, READY, console_run

# Every securitypolicyviolation the page sees, and Chrome's own console reports of one.
VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
    `${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));"""


def policy_messages(context) -> list[str]:
    found = []
    context.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


# True once a number in the figure's data-* (what its JS counts for the tests) has risen past ``before``.
ROSE = """([id, before]) => Object.entries(document.getElementById(id).dataset)
    .some(([key, value]) => Number(value) > Number(before[key] ?? 0))"""


def use(page, fid):
    """Normal use of a live figure: its first look (conftest.first_look); its sample button and each
    of its examples pressed, each time until a number in its data-* rises; a click in the middle of
    each canvas it shows."""
    first_look(page, fid)
    presses = page.locator(f"#{fid} .live").locator("button.sample, button.example")
    for i in range(presses.count()):
        before = page.evaluate("(id) => ({ ...document.getElementById(id).dataset })", fid)
        presses.nth(i).click()
        page.wait_for_function(ROSE, arg=[fid, before])
    for canvas in page.locator(f"#{fid} .live canvas").all():
        if canvas.is_visible():
            box = canvas.bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_no_violation_in_normal_use_of_every_figure(browser, site_url):
    context = browser.new_context(bypass_csp=False)  # service workers blocked: the policy comes from serve.py's header
    context.add_init_script(VIOLATIONS)
    reports, errors = policy_messages(context), record_errors(context)
    page = context.new_page()
    response = page.goto(site_url)
    assert response.headers["content-security-policy"] == offline.CSP
    assert page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content") == offline.CSP
    page.wait_for_function(READY)

    for fid in live_figures():
        use(page, fid)
    # the console's worker runs under the policy too (the header reached it): no eval there either
    assert "EvalError" in console_run(page, "import js\njs.eval('1 + 1')")
    # an inline script is refused, and its violation reaches the listener after any that normal use
    # caused: once it has arrived, it must be the only kind (reported once per policy: header, meta)
    ran = page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
        document.head.append(s); return window.__inline === 1; }""")
    page.wait_for_function("() => window.__violations.length > 0")
    violations = page.evaluate("window.__violations")
    assert not ran and all(v.startswith("script-src-elem inline") for v in violations), violations
    # Chrome's console reports only the eval and the inline script the test asked for
    assert [r for r in reports if "eval" not in r and "inline script" not in r] == [], reports
    context.close()
    assert not [e for e in errors if "Content Security Policy" not in e], errors


class Counting(http.server.BaseHTTPRequestHandler):
    """Another origin: it answers anything and counts what reached it."""
    hits: ClassVar[list] = []

    def do_GET(self):
        Counting.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"from another origin")

    def log_message(self, *args):
        pass


def test_other_origins_are_refused_where_the_host_sends_no_policy(browser, site_dir):
    served = Served(site_dir, plain=True)  # Python's own server: no Content-Security-Policy header
    other = Server(("127.0.0.1", 0), Counting)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    elsewhere = f"http://127.0.0.1:{other.server_address[1]}/"
    Counting.hits.clear()
    fetch = f"from pyodide.http import open_url\nopen_url('{elsewhere}data')"
    context = browser.new_context(**OFFLINE_CONTEXT)
    try:
        page = context.new_page()
        response = page.goto(served.url)
        assert "content-security-policy" not in response.headers
        page.wait_for_function(READY)
        page.wait_for_function(KEPT)
        # Before the service worker serves the page, its workers have no policy (a <meta> reaches
        # the page only): the request leaves, and only CORS keeps its answer from the reader.
        page.locator("#fig-console").scroll_into_view_if_needed()
        console_run(page, fetch)
        assert Counting.hits == ["/data"]

        response = page.reload()
        assert response.from_service_worker and response.headers["content-security-policy"] == offline.CSP
        page.wait_for_function(READY)
        page.locator("#fig-console").scroll_into_view_if_needed()
        assert console_run(page, "from pyodide.http import open_url\nprint(len(open_url('data/cells.json').read()) > 0)").strip() == "True"
        out = console_run(page, fetch)
        assert f"Failed to load '{elsewhere}data'" in out, out  # the reader sees which address was refused
        assert "NetworkError" in out and "most recent call last" not in out and len(out.splitlines()) <= 4, out
        assert Counting.hits == ["/data"]  # nothing left the page this time: the browser refused it
    finally:
        context.close()
        served.stop()
        other.shutdown()
        other.server_close()


class NoWasmEval(Handler):
    """builder/serve.py's handler with the policy less 'wasm-unsafe-eval'."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", offline.CSP.replace(" 'wasm-unsafe-eval'", ""))
        http.server.SimpleHTTPRequestHandler.end_headers(self)


def test_pyodide_needs_wasm_unsafe_eval_and_nothing_more(browser, site_dir):
    """Without 'wasm-unsafe-eval' the model cannot start (and says so); the site's policy has no
    'unsafe-eval', and the model starts under it (the test above)."""
    assert "'unsafe-eval'" not in offline.CSP
    server = Server(("127.0.0.1", 0), functools.partial(NoWasmEval, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(bypass_csp=False)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_function("() => document.documentElement.dataset.model === 'failed'")
        assert "could not start" in page.inner_text("#fig-generate .status")
    finally:
        context.close()
        server.shutdown()
        server.server_close()
