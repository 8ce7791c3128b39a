"""An OpenAI-compatible chat API over HTTP for the character model, on loopback, stdlib only.

    GET  /v1/models                  the one model served
    GET  /v1/models/<id>
    POST /v1/chat/completions        stream false: one JSON body; true: server-sent events
                                     (``data: {chunk}`` ... ``data: [DONE]``), chunked transfer

Guards: it binds loopback unless the caller explicitly allows another address; requests to it must
name a loopback host (a web page that rebinds its DNS name to 127.0.0.1 is refused) and send JSON
with ``Content-Type: application/json`` (so a page cannot post a form to it); bodies are limited to
1 MiB; an optional API key is checked as a bearer token; a few generations run at once and the rest
wait. Errors are OpenAI-shaped JSON with 400/401/404/405/411/413/415 statuses.

Connections: a deep listen backlog (a burst of clients is queued, not reset); one deadline for a
whole request, from waiting for its first byte to the end of its body, so a client that trickles a
byte now and then (slow loris) is cut off, where a timeout per read would wait forever; and a
client that hangs up or resets is logged in one line, never with a traceback.
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import json
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.llm import api
from app.llm.charlm import CharLM

log = logging.getLogger("app.llm.server")

MAX_BODY = 1 << 20
REQUEST_TIMEOUT_S = 30.0  # to send a whole request (an idle keep-alive connection included)
BACKLOG = 1024  # the kernel caps it at net.core.somaxconn
QUIET_ERRORS = (ConnectionError, TimeoutError)  # the client left or was too slow: nothing to debug
LOOPBACK_NAMES = ("localhost", "localhost.")


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The host of a Host header, without its port: ``[::1]:8011`` -> ``::1``."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class _DeadlineIO(socket.SocketIO):
    """The connection's read side, bounded by one deadline across every read until it is lifted."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock, "rb")
        self.deadline: float | None = None

    def readinto(self, b: Any) -> int | None:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request took too long to arrive")
            self._sock.settimeout(left)
        return super().readinto(b)


class ChatServer(ThreadingHTTPServer):
    """Serve ``lm`` on ``host:port`` (port 0 picks a free one). A non-loopback ``host`` raises
    ValueError unless ``allow_remote``: anyone who can reach the address could use the model."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = BACKLOG

    def __init__(
        self,
        lm: CharLM,
        host: str = "127.0.0.1",
        port: int = 8011,
        api_key: str | None = None,
        allow_remote: bool = False,
        max_concurrent: int = 2,
        request_timeout: float = REQUEST_TIMEOUT_S,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(f"{host} is not a loopback address; allow it explicitly to serve the network")
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.lm = lm
        self.api_key = api_key or None
        self.loopback_only = is_loopback(host)
        self.slots = threading.BoundedSemaphore(max_concurrent)
        self.request_timeout = request_timeout
        self.started = int(time.time())
        super().__init__((host.strip("[]"), port), ChatHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/v1"

    def start(self) -> threading.Thread:
        """Serve from a daemon thread (tests, embedding); stop with :meth:`stop`."""
        thread = threading.Thread(target=self.serve_forever, name="charlm-server", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left or stalled gets one log line; anything else is a bug, with its trace."""
        exc = sys.exc_info()[1]
        if isinstance(exc, QUIET_ERRORS):
            log.info("%s: connection ended (%s)", client_address[0], type(exc).__name__)
        else:
            log.exception("chat server: the connection from %s failed", client_address[0])


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"
    server_version = "sahara-charlm"
    timeout = 60  # seconds a client may take to send a request

    # --- plumbing ----------------------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the plain reader setup() made; the socket itself stays open
        self._reader = _DeadlineIO(self.connection)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        self._reader.deadline = time.monotonic() + self.server.request_timeout
        super().handle_one_request()

    def _request_read(self) -> None:
        """The request is in: lift its deadline; writing the answer has the per-send timeout."""
        self._reader.deadline = None
        self.connection.settimeout(self.timeout)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _send_json(self, status: int, body: dict[str, Any], close: bool = False) -> None:
        self._request_read()
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, error: api.ApiError) -> None:
        # Read a body not read yet (closing on unread data resets the connection, and the client
        # would never see the error), unless it is too large; then the connection closes.
        length = self.headers.get("Content-Length") or ""
        if not self._body_read and length.isdigit() and int(length) <= MAX_BODY:
            self.rfile.read(int(length))
        self._send_json(error.status, error.body(), close=True)

    def _check_access(self) -> None:
        host = host_name(self.headers.get("Host") or "")
        if self.server.loopback_only and host and not is_loopback(host):
            raise api.ApiError(f"host {host!r} is not served here", status=403, code="forbidden_host")
        if self.server.api_key is not None:
            given = self.headers.get("Authorization") or ""
            expected = f"Bearer {self.server.api_key}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise api.ApiError(
                    "missing or incorrect API key (send 'Authorization: Bearer <key>')",
                    status=401,
                    code="invalid_api_key",
                )

    def _route(self, method: str) -> None:
        self._body_read = False
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            self._check_access()
            if path == "/v1/chat/completions":
                if method != "POST":
                    raise api.ApiError("use POST for /v1/chat/completions", status=405)
                self._chat()
            elif path == "/v1/models" or path.startswith("/v1/models/"):
                if method != "GET":
                    raise api.ApiError(f"use GET for {path}", status=405)
                self._models(path)
            else:
                raise api.ApiError(f"no such endpoint: {method} {path or '/'}", status=404, code="not_found")
        except api.ApiError as error:
            self._fail(error)
        except QUIET_ERRORS:
            self.close_connection = True  # the client left or stalled; nobody to answer
        except Exception as exc:
            log.exception("chat server: %s %s failed", method, path)
            self._fail(api.ApiError(f"the server failed: {exc}", status=500, kind="server_error"))

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # --- endpoints ---------------------------------------------------------------------------------
    def _models(self, path: str) -> None:
        name = self.server.lm.name
        if path == "/v1/models":
            self._send_json(200, api.models_list(name, self.server.started))
        elif path == f"/v1/models/{name}":
            self._send_json(200, api.model_card(name, self.server.started))
        else:
            raise api.ApiError(f"the model {path[11:]!r} does not exist", status=404, code="model_not_found")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise api.ApiError("send the body with a Content-Length", status=411)
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise api.ApiError("send the body with a Content-Length", status=411)
        if int(length) > MAX_BODY:
            raise api.ApiError(f"the request body is over {MAX_BODY} bytes", status=413)
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise api.ApiError("send the body as JSON with 'Content-Type: application/json'", status=415)
        self._body_read = True
        return self.rfile.read(int(length))

    def _chat(self) -> None:
        request = api.parse_chat_request(self._read_body())
        lm = self.server.lm
        started = time.perf_counter()
        with self.server.slots:
            generation = lm.generate(api.prompt_of(request.messages), request.sampling, trim_start=True)
            if request.stream:
                self._stream(request, generation)
            else:
                text = "".join(generation)
                counts = api.usage(generation.prompt_tokens, generation.completion_tokens)
                self._send_json(200, api.completion(request, lm.name, text, generation.finish_reason, counts))
        log.info(
            "chat: %d characters in %.2f s (%s)",
            generation.completion_tokens,
            time.perf_counter() - started,
            "stream" if request.stream else "whole",
        )

    def _event(self, body: dict[str, Any] | str) -> None:
        data = body if isinstance(body, str) else json.dumps(body)
        payload = f"data: {data}\n\n".encode()
        self.wfile.write(b"%X\r\n%s\r\n" % (len(payload), payload))
        self.wfile.flush()

    def _stream(self, request: api.ChatRequest, generation: Any) -> None:
        name = self.server.lm.name
        self._request_read()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self._event(api.chunk(request, name, {"role": "assistant", "content": ""}))
            for piece in generation:
                self._event(api.chunk(request, name, {"content": piece}))
            counts = api.usage(generation.prompt_tokens, generation.completion_tokens)
            # Without include_usage the counts ride on the last chunk (as llama.cpp does), so a
            # client that reads them anywhere gets them; with it, OpenAI's separate usage chunk.
            last_counts = None if request.include_usage else counts
            self._event(api.chunk(request, name, {}, generation.finish_reason, last_counts))
            if request.include_usage:
                self._event(api.chunk(request, name, None, counts=counts))
            self._event("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            log.info("chat: the client left mid-answer; generation stopped")
            self.close_connection = True
        except Exception as exc:  # headers are out: report in the stream, as OpenAI does
            log.exception("chat server: generation failed")
            self.close_connection = True
            error = api.ApiError(f"the server failed: {exc}", status=500, kind="server_error")
            self._event(error.body())
            self._event("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
