"""Reading offline: the service worker keeps a build after one visit and serves it with the server
gone; a new build takes over whole on the next load; a downloaded copy reads from file://.

Each test serves its own folder on a port that survives a restart (conftest.Served): Chromium's
offline switch does not reach service-worker fetches, so "offline" here is the server stopped."""
import contextlib
import json
import time
import shutil
import zipfile

import pytest

import build
from builder import offline
from tests.helpers import live_figures

from .conftest import HANG_MS, OFFLINE_CONTEXT, Served, canvas_ink, record_errors, screenshot
from .test_site import console_wait

READY = "() => document.documentElement.dataset.model === 'ready'"
KEPT = "() => document.documentElement.dataset.offline === 'ready'"
LIVE = live_figures()  # every placed figure the page mounts, found from the figure folders


def build_hash(folder) -> str:
    return json.loads((folder / offline.MANIFEST).read_text())["build"]


def cache_names(page) -> list[str]:
    return page.evaluate("async () => (await caches.keys()).sort()")


def kept_files(page, build_id: str) -> set[str]:
    """The paths (relative to the site) that the build's cache holds."""
    return set(page.evaluate("""async ([name, base]) => {
        const cache = await caches.open(name);
        return (await cache.keys()).map((r) => r.url.slice(base.length)); }""",
                             [f"handwriting-build-{build_id}", page.evaluate("document.baseURI")]))


def console_run(page, code: str) -> str:
    """Run ``code`` with the console's Run button: its output, once the run has ended with one."""
    page.locator("#fig-console textarea").fill(code)
    return console_wait(page, lambda: page.locator("#fig-console button.run").click())


def use_figures(page) -> None:
    """fig-generate writes, fig-paths draws and the console answers."""
    page.locator("#fig-generate").scroll_into_view_if_needed()
    page.wait_for_function("() => Number(document.getElementById('fig-generate').dataset.points || 0) > 50")
    page.locator("#fig-paths").scroll_into_view_if_needed()
    page.wait_for_function("() => Number(document.getElementById('fig-paths').dataset.pointsDone || 0) >= 1")
    assert canvas_ink(page, "#fig-paths canvas.branches") > 0
    page.locator("#fig-console").scroll_into_view_if_needed()
    assert console_run(page, "print(6 * 7)").strip() == "42"


@contextlib.contextmanager
def reloaded_offline(browser, folder):
    """``folder`` served and visited once, until its service worker has kept the build; then the
    server stopped and the page reloaded until its model is ready → (page, the paths the build's
    cache held, every response since the reload). When the block ends: none of those responses
    came from the network, and no page had an error."""
    served = Served(folder)
    context = browser.new_context(**OFFLINE_CONTEXT)
    errors = record_errors(context)
    try:
        page = context.new_page()
        page.goto(served.url)
        page.wait_for_function(READY)
        page.wait_for_function(KEPT)  # the service worker is active: its precache is complete
        kept = kept_files(page, build_hash(folder))
        served.stop()
        responses = []
        context.on("response", lambda r: responses.append(r))  # Playwright wraps Python functions, not builtins
        page.reload()
        page.wait_for_function(READY)
        yield page, kept, responses
        from_network = [r.url for r in responses if not r.from_service_worker and r.request.service_worker is None]
        assert not from_network, from_network
    finally:
        context.close()
        served.stop()
    assert not errors, errors


def test_reads_offline_after_one_visit(browser, site_dir):
    with reloaded_offline(browser, site_dir) as (page, kept, responses):
        manifest = json.loads((site_dir / offline.MANIFEST).read_text())["files"]
        assert f"handwriting-build-{build_hash(site_dir)}" in cache_names(page)
        assert kept == set(manifest)  # every file of the build, nothing else
        use_figures(page)
        assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
        assert any(r.url.endswith("pyodide.asm.wasm") for r in responses)  # the workers' files came from the cache too


def test_a_path_that_is_not_valid_percent_encoding_reaches_the_server(browser, site_dir):
    """The service worker decodes request paths to find them in its cache: one it cannot decode
    goes to the network (its catch-all), so the server answers (a 404 here), not a failed fetch."""
    served = Served(site_dir)
    context = browser.new_context(**OFFLINE_CONTEXT)
    try:
        page = context.new_page()
        page.goto(served.url)
        page.wait_for_function(KEPT)
        page.reload()
        page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")
        status = page.evaluate("() => fetch('data/bad%E0%A4%A.json').then((r) => r.status, (e) => String(e))")
        assert status == 404
    finally:
        context.close()
        served.stop()


@pytest.fixture(scope="module")
def www(tmp_path_factory):
    """A site built under a sub-path, with its zip: www/repo-name/, as a Pages host serves it."""
    root = tmp_path_factory.mktemp("www")
    build.main(["--out", str(root / "repo-name"), "--base-url", "/repo-name/", "--zip",
                "--repository", "https://example.org/first"])
    return root


def test_a_new_build_takes_over_whole_on_the_next_load(browser, www, tmp_path, output_path):
    folder = tmp_path / "www"
    shutil.copytree(www, folder)
    site = folder / "repo-name"
    served = Served(folder)
    url = served.url + "repo-name/"
    context = browser.new_context(**OFFLINE_CONTEXT)
    errors = record_errors(context)
    responses = []
    context.on("response", lambda r: responses.append(r) if r.request.service_worker is None else None)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(READY)
        page.wait_for_function(KEPT)
        first = build_hash(site)
        assert page.evaluate("async () => (await navigator.serviceWorker.ready).scope") == url
        page.reload()  # now served by the service worker, from the first build's cache
        page.wait_for_function(READY)
        assert "example.org/first" in page.inner_text(".source")

        build.main(["--out", str(site), "--base-url", "/repo-name/", "--zip", "--repository", "https://example.org/second"])
        second = build_hash(site)
        assert second != first
        page.reload()  # still the first build; the browser finds the new service worker, which installs
        page.wait_for_function(READY)
        assert "example.org/first" in page.inner_text(".source")
        page.locator(".update-note").wait_for()  # the new build has taken over: the open page says so
        assert page.inner_text(".update-note").startswith("A newer version of this article is available")
        screenshot(page, output_path, "update-note.png")
        # the open page keeps its build, even for a worker it starts now (the console's)
        responses.clear()
        page.locator("#fig-console").scroll_into_view_if_needed()
        assert console_run(page, "print(6 * 7)").strip() == "42"
        builds = {r.url: r.headers.get("x-handwriting-build") for r in responses}
        assert builds and set(builds.values()) == {first}, builds
        assert any(u.endswith("runtime/worker.js") for u in builds) and any(u.endswith("pyodide.asm.wasm") for u in builds)

        responses.clear()
        page.reload()  # the next load: the second build, whole
        page.wait_for_function(READY)
        assert "example.org/second" in page.inner_text(".source")
        assert page.locator(".update-note").count() == 0
        builds = {r.url: r.headers.get("x-handwriting-build") for r in responses}
        assert all(r.from_service_worker for r in responses), [r.url for r in responses if not r.from_service_worker]
        assert set(builds.values()) == {second}, builds
        assert any(u.endswith("pyodide.asm.wasm") for u in builds)
        # once no page of the first build is open, its cache goes at a later load (after the service
        # worker's 10 s grace for pages still starting): load again until it has gone
        deadline, want = time.monotonic() + HANG_MS / 1000, sorted([f"handwriting-build-{second}", "handwriting-meta"])
        while cache_names(page) != want:
            assert time.monotonic() < deadline, cache_names(page)
            page.reload()
            page.wait_for_function(READY)
    finally:
        context.close()
        served.stop()
    assert not errors, errors


def test_with_live_figures_off_a_new_build_waits(browser, www, tmp_path):
    """The reader's setting off: an installed service worker does not precache a new build (its
    install fails on purpose) and the kept build stays in charge, complete."""
    folder = tmp_path / "www"
    shutil.copytree(www, folder)
    site = folder / "repo-name"
    served = Served(folder)
    context = browser.new_context(**OFFLINE_CONTEXT)
    try:
        page = context.new_page()
        page.goto(served.url + "repo-name/")
        page.wait_for_function(READY)
        page.wait_for_function(KEPT)
        first = build_hash(site)
        page.locator(".live-setting input").uncheck()
        page.wait_for_function("""async () => (await caches.open('handwriting-meta'))
            .match(new URL('__meta/live', document.baseURI)).then((r) => r && r.text()).then((t) => t === 'off')""")
        build.main(["--out", str(site), "--base-url", "/repo-name/", "--repository", "https://example.org/second"])
        page.reload()
        page.locator("button", has_text="Run the live figures").first.wait_for()
        state = page.evaluate("""async () => {
            const reg = await navigator.serviceWorker.getRegistration();
            await reg.update();
            const w = reg.installing || reg.waiting;
            if (!w) return 'none';
            if (w.state !== 'redundant') await new Promise((done) => w.addEventListener('statechange', () => {
                if (w.state === 'redundant' || w.state === 'activated') done(); }));
            return w.state; }""")
        assert state in ("none", "redundant")
        assert cache_names(page) == sorted([f"handwriting-build-{first}", "handwriting-meta"])
        assert "example.org/first" in page.inner_text(".source")
    finally:
        context.close()
        served.stop()


def test_a_file_that_does_not_match_the_manifest_is_never_kept(browser, site_dir, tmp_path):
    """As a truncated download would: the install fails, that file is not kept, no page is served
    from the cache, and the page the server sends works on."""
    site = tmp_path / "site"
    shutil.copytree(site_dir, site)
    css = site / "style.css"
    css.write_bytes(css.read_bytes()[:-100])
    served = Served(site)
    context = browser.new_context(**OFFLINE_CONTEXT)
    try:
        page = context.new_page()
        page.goto(served.url)
        page.wait_for_function(READY)
        page.wait_for_function("() => document.documentElement.dataset.offline === 'failed'")
        page.reload()
        page.wait_for_function(READY)
        assert not page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
        name = f"handwriting-build-{build_hash(site)}"
        kept = kept_files(page, build_hash(site)) if name in cache_names(page) else set()
        assert "style.css" not in kept
    finally:
        context.close()
        served.stop()


def test_the_zip_reads_from_file_and_says_how_to_run_the_figures(browser, www, tmp_path, output_path):
    site = www / "repo-name"
    html = (site / "index.html").read_text()
    assert f'href="{offline.ZIP}"' in html  # the page links its zip (the appendix's Reuse)
    with zipfile.ZipFile(site / offline.ZIP) as z:
        names = set(z.namelist())
        z.extractall(tmp_path)
    copy = tmp_path / offline.ZIP_FOLDER
    expected = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {offline.ZIP, ".handwriting-site"}
    assert {n.split("/", 1)[1] for n in names} == expected
    copy_html = (copy / "index.html").read_text()
    assert "<base " not in copy_html and f'href="{offline.ZIP}"' not in copy_html
    assert json.loads((copy / offline.MANIFEST).read_text())["files"]["index.html"]["sha256"] == offline.digest(copy_html.encode())

    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    page.goto((copy / "index.html").as_uri())
    assert "Writing together" in page.inner_text("main")
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontWeight") == "700"  # style.css applies
    for fid in LIVE:
        assert page.locator(f"#{fid} .frame.static svg").is_visible(), fid
        note = page.locator(f"#{fid} .file-note")
        assert note.is_visible() and "python -m http.server" in note.inner_text(), fid
    screenshot(page, output_path, "file-copy.png")
    context.close()

    served = Served(copy)  # the same copy over http: the runtime removes the notes, the figures run
    context = browser.new_context(bypass_csp=False)
    try:
        page = context.new_page()
        page.goto(served.url)
        page.wait_for_function(READY)
        assert page.locator(".file-note").count() == 0
    finally:
        context.close()
        served.stop()
