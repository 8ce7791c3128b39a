"""A real HTTP server on a free loopback port, for tests that talk to one (RPC nodes, IPFS APIs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers with ``answer``."""

    _body: bytes | None = None

    def request_body(self) -> bytes:
        """The request's body, read once (by its Content-Length)."""
        if self._body is None:
            self._body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return self._body

    def answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        # An answer sent over a body left unread makes the kernel reset the connection when the
        # server closes it, and the client may see that reset before the answer: read it first.
        self.request_body()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` in a daemon thread; yields the base URL, stops and joins on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.handle_error = lambda *args: None  # type: ignore[method-assign]  # clients that hang up
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def answering(body: bytes, status: int = 200) -> Iterator[int]:
    """A server answering every GET with ``body``; yields its port."""

    class Fixed(Handler):
        def do_GET(self) -> None:
            self.answer(status, body)

    with serving(Fixed) as url:
        yield int(url.rsplit(":", 1)[1])
