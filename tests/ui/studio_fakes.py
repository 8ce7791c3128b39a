"""A loopback OpenAI-compatible chat server for studio UI tests: streams its answer a word at a time.

It runs in a daemon thread with its own daemon request threads, so the UI tests' leftover-thread
guard stays quiet, and it records every request body for the test to read.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Answer = Callable[[list[dict[str, str]]], str]


def echo_answer(messages: list[dict[str, str]]) -> str:
    turns = sum(1 for m in messages if m["role"] != "system")
    return f"You said: {messages[-1]['content']} ({turns} messages so far)"


@contextmanager
def chat_server(answer: Answer = echo_answer, delay_s: float = 0.02) -> Iterator[tuple[str, list[dict]]]:
    """Yields (base URL ending in /v1, list of request bodies received)."""
    requests: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = answer(body["messages"]).split(" ")
            try:
                for i, word in enumerate(words):
                    piece = word if i == len(words) - 1 else word + " "
                    chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(delay_s)
                self.wfile.write(b"data: [DONE]\n\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client cancelled

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
