"""``sahara serve-llm`` for real: the OpenAI-compatible server on loopback with the shipped model,
answered whole and streamed, used by the studio's LLM chat node, refusing bad requests clearly, and
started and stopped as a command."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from studio_graphs import llm_chat_graph

from app.llm.charlm import CharLM
from app.llm.server import MAX_BODY, ChatServer
from app.studio.events import NodeFinished, NodeToken
from app.studio.executor import Executor
from app.studio.graph import Graph
from app.studio.secrets import SecretStore

QUESTION = [{"role": "user", "content": "What does the for statement do?"}]


@pytest.fixture(scope="module")
def lm() -> CharLM:
    return CharLM()


@pytest.fixture
def server(lm: CharLM) -> Iterator[ChatServer]:
    chat = ChatServer(lm, port=0)
    chat.start()
    yield chat
    chat.stop()


def call(
    server: ChatServer,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, path, body=data, headers={**sent, **(headers or {})})
    resp = conn.getresponse()
    result = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    conn.close()
    return result


def events(raw: bytes) -> list[Any]:
    found = []
    for block in raw.decode().split("\n\n"):
        if block.startswith("data: "):
            data = block[6:]
            found.append(data if data == "[DONE]" else json.loads(data))
    return found


def test_models_and_a_whole_answer(server: ChatServer) -> None:
    status, _, body = call(server, "GET", "/v1/models")
    assert status == 200 and json.loads(body)["data"][0]["id"] == "sahara-charlm"
    assert call(server, "GET", "/v1/models/sahara-charlm")[0] == 200
    assert call(server, "GET", "/v1/models/gpt-5")[0] == 404

    request = {"model": "any", "messages": QUESTION, "max_tokens": 60, "seed": 11, "temperature": 0.7}
    status, headers, body = call(server, "POST", "/v1/chat/completions", request)
    answer = json.loads(body)
    assert status == 200 and headers["content-type"] == "application/json"
    assert answer["object"] == "chat.completion" and answer["model"] == "sahara-charlm"
    text = answer["choices"][0]["message"]["content"]
    assert answer["choices"][0]["message"]["role"] == "assistant"
    assert 0 < len(text) <= 60 and answer["choices"][0]["finish_reason"] == "length"
    usage = answer["usage"]
    assert usage["completion_tokens"] == 60 and usage["prompt_tokens"] == len(QUESTION[0]["content"]) + 2
    assert usage["total_tokens"] == usage["prompt_tokens"] + 60
    again = json.loads(call(server, "POST", "/v1/chat/completions", request)[2])
    assert again["choices"][0]["message"]["content"] == text  # same seed, same answer


def test_a_streamed_answer_is_the_same_answer_in_pieces(server: ChatServer) -> None:
    request = {"messages": QUESTION, "max_tokens": 50, "seed": 4, "stop": ["\n\n"]}
    whole = json.loads(call(server, "POST", "/v1/chat/completions", request)[2])
    status, headers, raw = call(server, "POST", "/v1/chat/completions", {**request, "stream": True})
    assert status == 200 and headers["content-type"] == "text/event-stream"
    assert headers["transfer-encoding"] == "chunked"
    found = events(raw)
    assert found[-1] == "[DONE]"
    chunks = found[:-1]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert len(chunks) > 10 and text == whole["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == whole["choices"][0]["finish_reason"]
    assert chunks[-1]["usage"] == whole["usage"]

    with_usage = {**request, "stream": True, "stream_options": {"include_usage": True}}
    last = events(call(server, "POST", "/v1/chat/completions", with_usage)[2])[-2]
    assert last["choices"] == [] and last["usage"] == whole["usage"]


def chat_graph(base_url: str, secret: str | None = None) -> Graph:
    config: dict[str, Any] = {
        "base_url": base_url,
        "model": "sahara-charlm",
        "system": "Answer briefly.",
        "temperature": 0.0,
        "max_tokens": 40,
    }
    if secret:
        config["api_key_secret"] = secret
    return llm_chat_graph(config, "offline chat")


def test_the_studio_llm_node_answers_through_the_executor(server: ChatServer, lm: CharLM) -> None:
    seen: list = []
    result = asyncio.run(
        Executor().run(chat_graph(server.base_url), {"question": "What is a list?"}, on_event=seen.append)
    )
    assert result.status == "ok", result.error
    answer = result.outputs["answer"]
    expected = "".join(
        lm.generate("Answer briefly.\n\nWhat is a list?\n\n", _greedy(40), trim_start=True)
    )  # the node sends temperature 0: the greedy answer, streamed
    assert answer == expected and answer.strip()
    streamed = [e.text for e in seen if isinstance(e, NodeToken) and e.node_id == "out"]
    assert "".join(streamed) == answer and len(streamed) > 5
    finished = next(e for e in seen if isinstance(e, NodeFinished) and e.node_id == "llm")
    assert finished.tokens == 40  # the usage count from the stream's last chunk


def _greedy(max_tokens: int) -> Any:
    from app.llm.charlm import Sampling

    return Sampling(temperature=0.0, max_tokens=max_tokens)


def test_an_api_key_is_required_when_set(lm: CharLM, tmp_path: Path) -> None:
    chat = ChatServer(lm, port=0, api_key="sk-local-key")
    chat.start()
    try:
        status, _, body = call(chat, "GET", "/v1/models")
        assert status == 401 and "API key" in json.loads(body)["error"]["message"]
        assert call(chat, "GET", "/v1/models", headers={"Authorization": "Bearer sk-local-key"})[0] == 200
        store = SecretStore(tmp_path / "secrets")
        store.set("local-llm", "sk-local-key")
        ok = asyncio.run(
            Executor(secrets=store).run(chat_graph(chat.base_url, "local-llm"), {"question": "hi"})
        )
        assert ok.status == "ok" and ok.outputs["answer"]
        store.set("local-llm", "wrong")
        refused = asyncio.run(
            Executor(secrets=store).run(chat_graph(chat.base_url, "local-llm"), {"question": "hi"})
        )
        assert "answered 401" in refused.error and "API key" in refused.error
    finally:
        chat.stop()


def test_bad_requests_get_clear_openai_shaped_errors(server: ChatServer) -> None:
    def error(method: str, path: str, body: Any = None, headers: dict | None = None) -> tuple[int, str]:
        status, got, raw = call(server, method, path, body, headers)
        assert got["content-type"] == "application/json"
        payload = json.loads(raw)["error"]
        assert set(payload) == {"message", "type", "param", "code"}
        return status, payload["message"]

    assert error("POST", "/v1/chat/completions", b"{not json") == (
        400,
        "the request body is not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
    )
    status, message = error("POST", "/v1/chat/completions", {"model": "x"})
    assert status == 400 and "'messages' is required" in message
    status, message = error("POST", "/v1/chat/completions", {"messages": QUESTION, "max_tokens": 10**6})
    assert status == 400 and "'max_tokens' must be an integer from 1 to 4096" in message
    assert error("GET", "/v1/completions") == (404, "no such endpoint: GET /v1/completions")
    big = {"messages": [{"role": "user", "content": "x" * 200_000}]}  # read, though unused
    assert error("POST", "/v1/completions", big) == (404, "no such endpoint: POST /v1/completions")
    assert error("GET", "/v1/chat/completions")[0] == 405
    status, message = error("POST", "/v1/chat/completions", b"{}", {"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in message  # a web page's plain form post
    status, message = error("GET", "/v1/models", headers={"Host": "attacker.example:8011"})
    assert status == 403 and "attacker.example" in message  # DNS rebinding to loopback
    assert call(server, "GET", "/v1/models", headers={"Host": "[::1]:8011"})[0] == 200
    # Too large a body is refused from its Content-Length, before it is read.
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    conn.putrequest("POST", "/v1/chat/completions")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(MAX_BODY + 1))
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413 and "over 1048576 bytes" in json.loads(resp.read())["error"]["message"]
    conn.close()
    # The server is still well after all that.
    assert call(server, "POST", "/v1/chat/completions", {"messages": QUESTION, "max_tokens": 3})[0] == 200


def test_a_client_that_leaves_mid_stream_does_not_break_the_server(server: ChatServer) -> None:
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        body = json.dumps({"messages": QUESTION, "max_tokens": 4000, "stream": True}).encode()
        head = (
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body)
        assert b"200 OK" in sock.recv(4096)
    started = time.monotonic()
    assert call(server, "POST", "/v1/chat/completions", {"messages": QUESTION, "max_tokens": 5})[0] == 200
    assert time.monotonic() - started < 10


def test_a_non_loopback_address_must_be_allowed_explicitly(lm: CharLM) -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        ChatServer(lm, host="0.0.0.0", port=0)


def _sahara(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    env.pop("SAHARA_LLM_API_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve-llm", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_serve_llm_command_answers_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    process = _sahara(tmp_path / "home", "--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:(\d+)/v1) ", line)
        assert match, line + process.stderr.read() if process.poll() is not None else line
        conn = http.client.HTTPConnection("127.0.0.1", int(match[2]), timeout=30)
        conn.request(
            "POST",
            "/v1/chat/completions",
            json.dumps({"messages": QUESTION, "max_tokens": 8}),
            {"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["usage"]["completion_tokens"] == 8
        conn.close()
        process.send_signal(signum)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "serve-llm: stopped" in out and "Traceback" not in err


def test_the_command_says_why_it_cannot_start(tmp_path: Path) -> None:
    missing = _sahara(tmp_path / "home", "--model", str(tmp_path / "none.onnx"))
    _, err = missing.communicate(timeout=60)
    assert missing.returncode == 1 and "no model at" in err and "none.onnx" in err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = _sahara(tmp_path / "home", "--port", str(taken.getsockname()[1]))
        _, err = busy.communicate(timeout=60)
    assert busy.returncode == 1 and "cannot listen on 127.0.0.1" in err
