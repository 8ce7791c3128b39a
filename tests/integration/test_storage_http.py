"""The HTTP backends against servers that misbehave: each lie or oversize answer is refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.paths import AppPaths
from app.storage import BackendError, BlobCorrupt, BlobTooLarge, open_store
from app.storage.gateway import GatewayStore
from app.storage.http import HttpOrigin
from app.storage.ipfs_rpc import IpfsRpcStore
from app.storage.layout import compute_cid

Answer = tuple[int, dict[str, str], bytes]


class FakeServer:
    """A loopback HTTP server whose answer a test sets; it records every path it was asked."""

    def __init__(self) -> None:
        self.answer: Callable[[str], Answer] = lambda path: (404, {}, b"")
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                server.paths.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Transfer-Encoding") == "chunked":
                    while (size := int(self.rfile.readline().strip(), 16)) != 0:
                        self.rfile.read(size + 2)
                    self.rfile.readline()
                elif length:
                    self.rfile.read(length)
                status, headers, body = server.answer(self.path)
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _reply

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = FakeServer()
    yield server
    server.close()


RAW = {"Content-Type": "application/vnd.ipld.raw"}
DATA = b"the real bytes"
CID = compute_cid([DATA])


def test_a_gateway_sending_other_bytes_is_caught(fake) -> None:
    fake.answer = lambda path: (200, RAW, b"other bytes!!!")
    with pytest.raises(BlobCorrupt, match="does not match"):
        GatewayStore(fake.url).get(CID)


def test_a_gateway_that_is_not_trustless_is_refused(fake) -> None:
    fake.answer = lambda path: (200, {"Content-Type": "text/html"}, b"<html>the real bytes</html>")
    with pytest.raises(BackendError, match="not a trustless gateway"):
        GatewayStore(fake.url).get(CID)


def test_oversized_answers_are_cut_off(fake) -> None:
    fake.answer = lambda path: (200, RAW, b"x" * (2 * 1024 * 1024 + 1))
    with pytest.raises(BlobTooLarge):
        GatewayStore(fake.url).get(CID)
    fake.answer = lambda path: (200, {**RAW, "Content-Length": "10"}, b"x" * 10)
    origin = HttpOrigin(fake.url)
    with pytest.raises(BlobTooLarge):
        origin.read_capped(origin.request("GET", "/anything"), 9)


def test_redirects_are_not_followed(fake) -> None:
    elsewhere = FakeServer()
    try:
        elsewhere.answer = lambda path: (200, RAW, DATA)
        fake.answer = lambda path: (302, {"Location": f"{elsewhere.url}{path}"}, b"")
        with pytest.raises(BackendError, match="HTTP 302"):
            GatewayStore(fake.url).get(CID)
        assert elsewhere.paths == []
    finally:
        elsewhere.close()


def test_only_paths_under_the_configured_url(fake) -> None:
    fake.answer = lambda path: (200, RAW, DATA)
    assert b"".join(GatewayStore(fake.url + "/some/prefix/").get(CID)) == DATA
    assert fake.paths == [f"/some/prefix/ipfs/{CID}?format=raw"]


def test_a_node_that_stores_under_another_cid_is_refused(fake) -> None:
    other = compute_cid([b"something else"])
    fake.answer = lambda path: (200, {}, json.dumps({"Hash": str(other)}).encode())
    with pytest.raises(BackendError, match=f"stored the bytes as {other}, not {CID}"):
        IpfsRpcStore(fake.url).put([DATA])
    assert fake.paths[0].startswith("/api/v0/add?cid-version=1&raw-leaves=true&chunker=size-1048576")


def test_node_errors_are_reported_in_its_words(fake) -> None:
    fake.answer = lambda path: (500, {}, json.dumps({"Message": "repo is locked", "Type": "error"}).encode())
    with pytest.raises(BackendError, match="repo is locked"):
        IpfsRpcStore(fake.url).has(CID)


def test_an_unreachable_node(fake) -> None:
    url = fake.url
    fake.close()
    with pytest.raises(BackendError, match="did not answer"):
        IpfsRpcStore(url, timeout=2).has(CID)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1",
        "127.0.0.1:5001",
        "http://user:pw@127.0.0.1:5001",
        "http://127.0.0.1/?x=1",
        "http://",
    ],
)
def test_urls_are_checked(url: str, tmp_path) -> None:
    with pytest.raises(ValueError):
        IpfsRpcStore(url)
    paths = AppPaths(tmp_path, tmp_path, tmp_path, tmp_path)
    with pytest.raises(ValueError):
        open_store(paths, ipfs_api="http://127.0.0.1:5001", gateway="http://127.0.0.1:8080")
