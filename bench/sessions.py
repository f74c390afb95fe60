"""Fresh browser sessions one after another, each a reader's first minute with the article: the page
loads (model ready), fig-generate writes, fig-paths draws branches, the console prints. Made for
WebKit's rare page crash (docs/design.md, "Tests and benchmarks"): a session that fails says how,
and WebKit's driver log of each session is kept.

    python bench/sessions.py [--engine webkit] [--sessions 50] [--site DIR] [--logs DIR] [--query Q ...]

Per session it prints the seconds from navigation to the model ready and the console's first run
(which starts the console's own Pyodide worker), each Pyodide worker's start-up (from its start to
its ready reply: the model worker, fig-paths' first helper, the console's; runtime/client.js
`boots`) and whether its Pyodide core was compiled or given (the model worker's Module), the
workers fig-paths ran on, and "ok" or the failure; then how many sessions failed, and the medians,
with those of each worker's start-up stages (its info.timings, as bench/browser.py prints the
model worker's for Chromium). With several --query the sessions take them in turn (each is appended to the
page's address, e.g. "" and "pyodide-core=own" compare a shared core with one compiled per worker)
and the medians are per query. Drives the engines as tests/browser/test_engines.py does
(bench/engines.py); needs what `make test` installs.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from common import site_folder

from bench import engines

HANG_MS = 300_000  # a wait's limit, as the tests': only a hang reaches it
ROLES = ("model", "helper", "console")  # runtime/client.js ModelClient roles, in the order they boot here

# Every Pyodide worker the page booted (runtime/client.js boots).
BOOTS = """async () => (await import(new URL('runtime/client.js', document.baseURI))).boots"""


def worker_starts(boots: list[dict]) -> dict:
    """Seconds from start to ready of each role's first worker that got ready, its core, its stages (ms)."""
    starts = {}
    for b in boots:
        if b["role"] not in starts and b.get("ready") is not None:
            starts[b["role"]] = ((b["ready"] - b["started"]) / 1000, b["core"], b["timings"])
    return starts


def session(page, url) -> dict:
    t0 = time.perf_counter()
    page.goto(url)
    if page.model_status() != "ready":
        raise engines.EngineError("the model failed to start")
    ready = time.perf_counter() - t0
    info = page.model_info()
    if info["backend"] != "kernel":
        raise engines.EngineError("the model is not on the kernel")
    page.box("#fig-generate")
    page.wait_count("fig-generate", "points", 50)
    page.box("#fig-paths")
    page.wait_count("fig-paths", "pointsDone", 4)
    workers = page.count("fig-paths", "workers")
    t1 = time.perf_counter()
    if page.console_run("print(6 * 7)").strip() != "42":
        raise engines.EngineError("the console did not print 42")
    console = time.perf_counter() - t1
    if errors := page.errors():
        raise engines.EngineError(f"the page reported {errors}")
    return {"ready": ready, "console": console, "workers": workers, "module": info["kernelModule"],
            "starts": worker_starts(page.evaluate(BOOTS))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", choices=engines.ENGINES, default="webkit")
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--site", help="a built site (default: build one into a temporary folder)")
    p.add_argument("--logs", help="where WebKit's driver logs go (default: a temporary folder)")
    p.add_argument("--query", action="append", help="appended to the page's address after ?; repeat to take several in turn")
    args = p.parse_args()
    if why := engines.missing(args.engine):
        raise SystemExit(f"{args.engine}: {why}")
    logs = None
    if args.engine == "webkit":
        logs = Path(args.logs or tempfile.mkdtemp(prefix="sessions-"))
        logs.mkdir(parents=True, exist_ok=True)
    site = engines.ListedSite(site_folder(args.site))
    queries = args.query or [""]
    done, failed = {q: [] for q in queries}, []
    with engines.xvfb() if args.engine == "webkit" else contextlib.nullcontext() as display:
        for k in range(1, args.sessions + 1):
            log = logs / f"session-{k:03d}.log" if logs else None
            query = queries[(k - 1) % len(queries)]
            try:
                with engines.open_page(args.engine, HANG_MS, display, log) as page:
                    r = session(page, site.url + (f"?{query}" if query else ""))
                done[query].append(r)
                starts = ", ".join(f"{role} {s:.1f} s ({core})" for role, (s, core, _) in r["starts"].items())
                print(f"{k:4d}{f'  ?{query}' if query else ''}  ready {r['ready']:5.1f} s  console's first run "
                      f"{r['console']:5.1f} s  paths on {r['workers']:.0f} workers  workers ready in: {starts}  ok",
                      flush=True)
            except engines.EngineError as e:
                failed.append(k)
                print(f"{k:4d}  FAILED: {str(e).splitlines()[0][:300]}" + (f"  (log: {log})" if log else ""), flush=True)
            if site.refused:
                print(f"      refused: {site.refused}", flush=True)
                site.refused.clear()
    site.stop()
    print(f"\n{args.engine}: {len(failed)} of {args.sessions} sessions failed" + (f": {failed}" if failed else ""))
    for query, runs in done.items():
        if not runs:
            continue
        print(f"  {f'?{query}' if query else 'the page as built'}: {len(runs)} sessions")
        for key in ("ready", "console"):
            print(f"    median {key}: {statistics.median(r[key] for r in runs):.1f} s")
        for role in ROLES:
            if got := [r["starts"][role] for r in runs if role in r["starts"]]:
                seconds = [g[0] for g in got]
                stages = {k: statistics.median(g[2][k] for g in got) for k in got[0][2]}
                print(f"    {role} worker, start to ready: median {statistics.median(seconds):.1f} s "
                      f"(min {min(seconds):.1f}, max {max(seconds):.1f}; {len(got)} sessions; core "
                      f"{'/'.join(sorted({g[1] for g in got}))}); its stages, median ms: {stages}")
        print(f"    kernel module {runs[0]['module']}")
    if logs:
        print(f"  driver logs: {logs}")


if __name__ == "__main__":
    main()
