"""A local static server for the built site (Pyodide cannot run from file://). Every response
carries the site's Content-Security-Policy as a header: a <meta> policy covers the page only, the
header covers its workers too (builder/offline.py)."""
from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from .offline import CSP


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript",
                      ".whl": "application/zip", ".zip": "application/zip", ".bin": "application/octet-stream"}

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args):  # quiet: the page makes many requests
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A reader who leaves while Pyodide downloads resets the connection: not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def make_server(folder: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(Handler, directory=str(folder))
    return Server(("127.0.0.1", port), handler)


def serve_in_thread(folder: Path, port: int = 0) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``folder`` from a thread, on ``port`` (0: any free one); ``server.shutdown()`` and
    ``server.server_close()`` stop it and free the port, so a new server can take the same origin."""
    server = make_server(folder, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def serve(folder: Path, port: int) -> None:
    server = make_server(folder, port)
    print(f"serving {folder} at http://127.0.0.1:{server.server_address[1]}/  (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
