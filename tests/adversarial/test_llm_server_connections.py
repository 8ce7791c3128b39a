"""`serve-llm`'s connections under attack: a burst of 200 clients, a slow-loris client, and clients
that reset mid-request or mid-answer (issue 12, item 9)."""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from app.llm.charlm import CharLM
from app.llm.server import ChatServer

GET_MODELS = b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def lm() -> CharLM:
    return CharLM()


@pytest.fixture
def server(lm: CharLM) -> Iterator[ChatServer]:
    chat = ChatServer(lm, port=0, request_timeout=1.5)
    chat.start()
    yield chat
    chat.stop()


def connect(server: ChatServer) -> socket.socket:
    return socket.create_connection(server.server_address[:2], timeout=30)


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN, as a crashed or impatient client does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_200_concurrent_connections_are_all_answered(server: ChatServer) -> None:
    answers: list[bytes | Exception] = []
    start = threading.Barrier(200)

    def client() -> None:
        try:
            start.wait(timeout=30)
            with connect(server) as sock:
                sock.sendall(GET_MODELS)
                answers.append(read_all(sock))
        except Exception as exc:  # a reset connection is what the test looks for
            answers.append(exc)

    threads = [threading.Thread(target=client) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    failed = [a for a in answers if not isinstance(a, bytes) or not a.startswith(b"HTTP/1.1 200")]
    assert len(answers) == 200 and not failed, f"{len(failed)} of 200 failed: {failed[:3]}"


def test_a_slow_loris_connection_is_closed_after_the_timeout(server: ChatServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /v1/models HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        for _ in range(40):  # a header byte every 0.2 s: each read is quick, the request never ends
            try:
                sock.sendall(b"X")
                sock.settimeout(0.2)
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except ConnectionError:
                closed = True
                break
        assert closed, "the server kept a trickling connection open for 8 s"
        assert time.monotonic() - started < 4  # the deadline is 1.5 s for the whole request
    with connect(server) as other:  # and the server still answers everyone else
        other.sendall(GET_MODELS)
        assert read_all(other).startswith(b"HTTP/1.1 200")


def test_clients_that_reset_log_no_traceback(
    server: ChatServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="app.llm.server")
    half = connect(server)  # reset in the middle of the request line
    half.sendall(b"GET /v1/mod")
    time.sleep(0.1)
    reset(half)
    body = json.dumps({"messages": [{"role": "user", "content": "Tell me about for loops."}], "stream": True})
    streaming = connect(server)  # reset while the answer streams
    streaming.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
    )
    assert streaming.recv(64).startswith(b"HTTP/1.1 200")
    reset(streaming)
    for _ in range(5):  # several in a row, as in the issue: one traceback each
        sock = connect(server)
        sock.sendall(GET_MODELS[:20])
        reset(sock)
    time.sleep(1.0)  # the handler threads notice and finish
    with connect(server) as sock:
        sock.sendall(GET_MODELS)
        assert read_all(sock).startswith(b"HTTP/1.1 200")
    assert "Traceback" not in capfd.readouterr().err
    assert not [r for r in caplog.records if r.exc_info], [
        r.getMessage() for r in caplog.records if r.exc_info
    ]
