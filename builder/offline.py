"""What lets the site be read offline and locked down: the Content-Security-Policy, the build
manifest (every file the site needs, with its sha256 and size), the service worker that precaches
those files under a cache named by the build's hash, and the downloadable zip copy.

The manifest and the service worker are derived from the complete set of files the build writes,
so a file added to the site (such as a WebAssembly kernel) is precached without a list to update.
Why the service worker and the policy work as they do: docs/design.md, "Offline and locked down".
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zipfile

# The one policy: the page's <meta http-equiv>, builder/serve.py's header and the service worker's
# header on every file it serves all carry this text. 'wasm-unsafe-eval' lets Pyodide (and numpy's
# extension modules) compile WebAssembly; nothing on the site needs 'unsafe-eval' or inline code.
CSP = ("default-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "img-src 'self' data: blob:; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'")

MANIFEST = "build-manifest.json"
SERVICE_WORKER = "sw.js"  # at the site's root, so its scope is the whole site (also under --base-url)
SW_SOURCE = "runtime/sw.js"  # its source among the article's files; the site serves it only as sw.js
SW_PLACEHOLDER = "const SITE = {}; // the build writes the manifest and the policy here"
ZIP = "site.zip"
ZIP_FOLDER = "handwriting"  # the folder the zip unpacks into
PAGE_SCRIPT = "runtime/article.js"  # the page's module script (article/templates/index.html.j2)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip timestamps: same inputs → same bytes
NOT_PRECACHED = {MANIFEST, SERVICE_WORKER, ZIP}  # the worker's own script and the copies of the site


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_files(files: dict[str, bytes]) -> set[str]:
    """What the page loads before any live figure starts: the HTML, the CSS and the modules the page
    script imports statically (followed from file to file; dynamic ``import()`` is not followed)."""
    seen, todo = set(), [PAGE_SCRIPT]
    while todo:
        path = todo.pop()
        if path in seen or path not in files:
            continue
        seen.add(path)
        for rel in re.findall(r"""\bimport\s*(?:[\w*{}\s,$]+?\s*from\s*)?["'](\.{1,2}/[^"']+)["']""",
                              files[path].decode()):
            todo.append(_join(path, rel))
    return seen | {"index.html"} | {p for p in files if p.endswith(".css")}


def _join(path: str, rel: str) -> str:
    """``rel`` (./x or ../x) resolved against the folder of the site path ``path``."""
    parts = path.split("/")[:-1]
    for part in rel.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def live_bytes(files: dict[str, bytes]) -> int:
    """The gzip size of what the live figures need beyond the page itself (Pyodide, numpy, the
    engine, the weights, the workers, the figures' modules and data): the download a reader on a
    metered connection is asked to allow. Gzip at level 6, as static hosts compress."""
    page = page_files(files)
    return sum(len(gzip.compress(data, 6, mtime=0)) for path, data in files.items()
               if path not in page and path not in NOT_PRECACHED and path != SW_SOURCE)


def manifest(files: dict[str, bytes], sw_source: bytes) -> dict:
    """``files`` (everything the site serves but the worker, the manifest and the zip) with sha256
    and size, and the build's hash: over every path and sha256 and the worker's source, so any change
    to what a reader would get makes a new build, with a new cache."""
    entries = {p: {"sha256": digest(d), "size": len(d)} for p, d in sorted(files.items()) if p not in NOT_PRECACHED}
    h = hashlib.sha256(sw_source)
    for path, e in entries.items():
        h.update(f"{path}\0{e['sha256']}\n".encode())
    return {"build": h.hexdigest()[:16], "files": entries}


def service_worker(sw_source: bytes, info: dict) -> bytes:
    """The service worker's source with the build written in: its hash, the policy and every file's
    sha256 and size."""
    text = sw_source.decode()
    if text.count(SW_PLACEHOLDER) != 1:
        raise ValueError(f"{SW_SOURCE} must hold the line `{SW_PLACEHOLDER}` exactly once")
    site = {"build": info["build"], "csp": CSP,
            "files": {p: [e["sha256"], e["size"]] for p, e in info["files"].items()}}
    return text.replace(SW_PLACEHOLDER, f"const SITE = {json.dumps(site, sort_keys=True, separators=(',', ':'))};").encode()


def finish(files: dict[str, bytes]) -> dict[str, bytes]:
    """The site's files with the manifest and the service worker added (the worker's source taken
    out of runtime/, where the article's files put it)."""
    files = dict(files)
    source = files.pop(SW_SOURCE)
    info = manifest(files, source)
    files[MANIFEST] = (json.dumps(info, indent=1, sort_keys=True) + "\n").encode()
    files[SERVICE_WORKER] = service_worker(source, info)
    return files


def zip_copy(files: dict[str, bytes]) -> bytes:
    """One archive of the site, unpacking into ``handwriting/``: entries sorted, fixed times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for path, data in sorted(files.items()):
            info = zipfile.ZipInfo(f"{ZIP_FOLDER}/{path}", FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()
