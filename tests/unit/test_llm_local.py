"""Local chat servers: probing loopback for OpenAI-compatible servers, and starting the bundled one."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from app.llm import local


@contextmanager
def http_server(body: bytes, status: int = 200) -> Iterator[int]:
    """A loopback server answering every GET with ``body``; yields its port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_finds_a_server_that_lists_models_and_skips_silent_ports() -> None:
    models = json.dumps({"object": "list", "data": [{"id": "llama3.2"}, {"id": "qwen"}]}).encode()
    with http_server(models) as port:
        silent = free_port()
        found = local.find_local_servers({port: "Ollama", silent: "llama.cpp"})
    assert found == [local.LocalServer("Ollama", f"http://127.0.0.1:{port}/v1", ("llama3.2", "qwen"))]


@pytest.mark.parametrize("body", [b"<html>a web page</html>", b'{"data": "not a list"}', b"[1, 2]"])
def test_a_server_that_is_not_a_chat_api_is_not_offered(body: bytes) -> None:
    with http_server(body) as port:
        assert local.find_local_servers({port: "Ollama"}) == []


def test_starts_the_bundled_model_once_and_it_answers() -> None:
    port = free_port()
    try:
        url = local.ensure_bundled(port)
        assert url == f"http://127.0.0.1:{port}/v1"
        assert local.list_models(url)
        assert local.ensure_bundled(port) == url, "a second call uses the running server"
    finally:
        local.stop_bundled()
    assert local.list_models(f"http://127.0.0.1:{port}/v1") is None


def test_a_port_held_by_another_program_gives_a_sentence() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()  # takes connections but never answers /v1/models
        with pytest.raises(RuntimeError, match=r"port \d+ is in use by another program"):
            local.ensure_bundled(other.getsockname()[1])
