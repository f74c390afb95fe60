"""What the build writes for offline reading and a locked-down page: the manifest, the service worker,
the zip, the policy in the page and in the local server's headers (builder/offline.py)."""
import gzip
import hashlib
import json
import re
import urllib.request
import zipfile

import pytest

import build
from builder import offline, synthesis
from builder.serve import serve_in_thread
from tests.helpers import synthesis_folder

FIRST_LIVE_BUDGET, ALL_BUDGET = 9_000_000, 11_500_000  # gzip bytes: the README's transfer budget


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("offline") / "site"
    build.main(["--out", str(out), "--zip"])
    return out


def written(site) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_manifest_lists_every_file_the_site_needs_with_its_hash(site):
    files = written(site)
    manifest = json.loads(files[offline.MANIFEST])
    expected = set(files) - {offline.MANIFEST, offline.SERVICE_WORKER, offline.ZIP, ".handwriting-site"}
    assert set(manifest["files"]) == expected
    for path, entry in manifest["files"].items():
        assert entry == {"sha256": hashlib.sha256(files[path]).hexdigest(), "size": len(files[path])}, path
    assert offline.SW_SOURCE not in files  # the worker's source is served only as sw.js, at the root
    assert any(p.startswith("pyodide/") for p in expected) and "py/weights.bin" in expected


def test_service_worker_carries_the_build(site):
    files = written(site)
    manifest = json.loads(files[offline.MANIFEST])
    sw = files[offline.SERVICE_WORKER].decode()
    site_line = re.search(r"^const SITE = (\{.*\});$", sw, re.MULTILINE)
    assert site_line and offline.SW_PLACEHOLDER not in sw
    embedded = json.loads(site_line.group(1))
    assert embedded["build"] == manifest["build"] and embedded["csp"] == offline.CSP
    assert embedded["files"] == {p: [e["sha256"], e["size"]] for p, e in manifest["files"].items()}
    # a build's hash follows every file: one changed byte anywhere makes another build
    changed = {**{p: files[p] for p in manifest["files"]}, "style.css": files["style.css"] + b" ",
               offline.SW_SOURCE: (build.ARTICLE / offline.SW_SOURCE).read_bytes()}
    assert json.loads(offline.finish(changed)[offline.MANIFEST])["build"] != manifest["build"]


def test_page_carries_the_policy_and_no_inline_code_or_style(site):
    html = (site / "index.html").read_text()
    assert f'<meta http-equiv="Content-Security-Policy" content="{offline.CSP}">' in html.replace("&#39;", "'")
    assert not re.search(r"\sstyle=", html), "style= attributes need 'unsafe-inline'"
    assert not re.search(r"\son[a-z]+=", html), "event-handler attributes are inline script"
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or ('type="module"' in tag and "src=" in tag), tag
    assert "javascript:" not in html


def test_live_size_is_the_gzip_size_of_what_the_live_figures_need(site):
    files = written(site)
    page = offline.page_files(files)
    assert {"index.html", "runtime/article.js", "runtime/client.js", "runtime/config.js", "style.css"} <= page
    assert not any(p.startswith(("pyodide/", "py/", "kernel/", "data/")) or p == "runtime/worker.js" for p in page)
    config = json.loads(re.search(r'<script type="application/json" id="page-config">(.*?)</script>',
                                  files["index.html"].decode()).group(1))
    live = {p for p in json.loads(files[offline.MANIFEST])["files"] if p not in page}
    assert config["live_bytes"] == sum(len(gzip.compress(files[p], 6, mtime=0)) for p in live)


def test_a_build_with_fig_write_stays_in_the_transfer_budget(tmp_path):
    """README, "Transfer": at most 9 MB gzip before the first live figure is ready, 11.5 MB in all.
    In all: every file the service worker keeps after one visit, the worker and its manifest. Before
    the first live figure: the same but the synthesis weights, which wait for fig-write (what the
    page fetches by then is no more than that)."""
    out = tmp_path / "site"
    build.main(["--out", str(out), "--synthesis", str(synthesis_folder(tmp_path / "synthesis"))])
    files = written(out)
    kept = json.loads(files[offline.MANIFEST])["files"]
    assert synthesis.SITE_PATH in kept
    size = {p: len(gzip.compress(files[p], 6, mtime=0)) for p in [*kept, offline.MANIFEST, offline.SERVICE_WORKER]}
    assert sum(size.values()) - size[synthesis.SITE_PATH] <= FIRST_LIVE_BUDGET
    assert sum(size.values()) <= ALL_BUDGET


def test_zip_holds_the_site_to_read_from_anywhere(site):
    files = written(site)
    with zipfile.ZipFile(site / offline.ZIP) as z:
        names = z.namelist()
        copy = {n.split("/", 1)[1]: z.read(n) for n in names}
        assert {i.date_time for i in z.infolist()} == {offline.FIXED_TIME}
    assert names == sorted(names) and all(n.startswith(offline.ZIP_FOLDER + "/") for n in names)
    assert set(copy) == set(files) - {offline.ZIP, ".handwriting-site"}
    assert f'href="{offline.ZIP}"' in files["index.html"].decode()
    assert f'href="{offline.ZIP}"' not in copy["index.html"].decode()  # the copy does not link to itself
    manifest = json.loads(copy[offline.MANIFEST])  # the copy's own manifest and worker, for its own page
    assert manifest["files"]["index.html"]["sha256"] == hashlib.sha256(copy["index.html"]).hexdigest()
    assert offline.zip_copy({"b": b"2", "a": b"1"}) == offline.zip_copy({"a": b"1", "b": b"2"})


def test_base_url_build_has_no_base_in_its_zip(tmp_path):
    out = tmp_path / "site"
    build.main(["--out", str(out), "--base-url", "/repo-name/", "--zip"])
    assert '<base href="/repo-name/">' in (out / "index.html").read_text()
    with zipfile.ZipFile(out / offline.ZIP) as z:
        assert "<base " not in z.read(f"{offline.ZIP_FOLDER}/index.html").decode()


def test_local_server_sends_the_policy_with_every_file(site):
    server, url = serve_in_thread(site)
    try:
        for path in ("", "runtime/worker.js", "pyodide/pyodide.asm.wasm", offline.SERVICE_WORKER):
            with urllib.request.urlopen(url + path) as r:
                assert r.headers["Content-Security-Policy"] == offline.CSP, path
    finally:
        server.shutdown()
        server.server_close()


def test_readme_states_the_policy_hosts_should_send():
    assert offline.CSP in (build.ROOT / "README.md").read_text()
