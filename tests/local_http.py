"""A small local HTTP server for fetcher and verification tests: routes are set per test, requests are
recorded. Threaded ``http.server`` on 127.0.0.1, daemon threads, shut down by the fixture that starts it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    # Special behaviours: "endless" streams bytes until the client hangs up; "huge" announces 2 GB; "drip"
    # sends one byte at a time, slowly.
    mode: str = ""
    before_reply: Callable[[], None] | None = None


class LocalServer:
    def __init__(self, tls=None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.drip_completed: bool | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with server._lock:
                    server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                if route.before_reply:
                    route.before_reply()
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if route.mode == "huge":
                    self.send_header("Content-Length", str(2 * 1024**3))
                    self.end_headers()
                    self.wfile.write(b"\0" * 1024)
                    return
                if route.mode == "drip":  # one byte every 0.2 s, each well inside any read timeout
                    self.send_header("Content-Length", "50")
                    self.end_headers()
                    server.drip_completed = None
                    try:
                        for _ in range(50):  # bounded: 10 s at most
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            time.sleep(0.2)
                        server.drip_completed = True
                    except OSError:
                        server.drip_completed = False  # the client hung up
                    return
                if route.mode == "endless":
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"\0" * 65536
                    try:
                        for _ in range(2000):  # bounded: 128 MB at most, far past the 30 MB cap
                            self.wfile.write(chunk)
                    except OSError:
                        pass  # the client hung up at its cap
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:  # an ssl.SSLContext (server side): this server speaks HTTPS
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def image(self, path: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.routes[path] = Route(body=data, content_type=content_type)
        return self.base + path

    def page(self, path: str, html: str) -> str:
        self.routes[path] = Route(body=html.encode(), content_type="text/html; charset=utf-8")
        return self.base + path

    def redirect(self, path: str, to: str, status: int = 302, before_reply=None) -> str:
        self.routes[path] = Route(status=status, headers={"Location": to}, before_reply=before_reply)
        return self.base + path

    def remove(self, path: str) -> None:
        self.routes.pop(path, None)

    def hits(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.requests if p.startswith(prefix))
