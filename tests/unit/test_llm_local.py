"""Local chat servers: probing loopback for OpenAI-compatible servers, and starting the bundled one."""

from __future__ import annotations

import json
import socket

import pytest
from local_http import answering

from app.llm import local


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_finds_a_server_that_lists_models_and_skips_silent_ports() -> None:
    models = json.dumps({"object": "list", "data": [{"id": "llama3.2"}, {"id": "qwen"}]}).encode()
    with answering(models) as port:
        silent = free_port()
        found = local.find_local_servers({port: "Ollama", silent: "llama.cpp"})
    assert found == [local.LocalServer("Ollama", f"http://127.0.0.1:{port}/v1", ("llama3.2", "qwen"))]


@pytest.mark.parametrize("body", [b"<html>a web page</html>", b'{"data": "not a list"}', b"[1, 2]"])
def test_a_server_that_is_not_a_chat_api_is_not_offered(body: bytes) -> None:
    with answering(body) as port:
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
