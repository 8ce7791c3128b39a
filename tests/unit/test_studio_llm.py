"""The LLM chat node against a tiny OpenAI-compatible streaming server on loopback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from studio_graphs import llm_chat_graph
from test_studio_http import serve

from app.studio.cache import OutputCache
from app.studio.document import save_graph
from app.studio.events import NodeFinished, NodeToken
from app.studio.executor import Executor
from app.studio.graph import Graph
from app.studio.secrets import SecretStore

API_KEY = "sk-test-7f3a9c-never-in-files"


def chat_server(requests: list[dict], key: str | None = API_KEY, stream: bool = True) -> web.Application:
    async def completions(request: web.Request) -> web.StreamResponse:
        if key is not None and request.headers.get("Authorization") != f"Bearer {key}":
            return web.json_response({"error": {"message": "invalid api key"}}, status=401)
        body = await request.json()
        requests.append(body)
        answer = ["You ", "asked: ", body["messages"][-1]["content"]]
        if not stream:
            return web.json_response(
                {"choices": [{"message": {"role": "assistant", "content": "".join(answer)}}]}
            )
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for piece in answer:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())
            await asyncio.sleep(0.02)
        usage = {"choices": [{"index": 0, "delta": {}}], "usage": {"completion_tokens": 7}}
        await resp.write(f": keep-alive comment\n\ndata: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    return app


def chat_graph(base_url: str, secret: str | None = "openai") -> Graph:
    config: dict[str, Any] = {"base_url": base_url + "/v1", "model": "tiny", "system": "Be brief."}
    if secret:
        config["api_key_secret"] = secret
    return llm_chat_graph(config)


def test_streams_tokens_with_the_key_from_the_secrets_store(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "secrets")
    store.set("openai", API_KEY)
    requests: list[dict] = []
    events: list = []

    async def go() -> Any:
        async with serve(chat_server(requests)) as base:
            executor = Executor(OutputCache(folder=tmp_path / "cache"), secrets=store)
            graph = chat_graph(base)
            result = await executor.run(graph, {"question": "why is the sky blue?"}, on_event=events.append)
            save_graph(tmp_path / "chat.sahara-agent", graph)
            return result

    result = asyncio.run(go())
    assert result.status == "ok", result.error
    assert result.outputs == {"answer": "You asked: why is the sky blue?"}
    assert requests[0]["stream"] is True and requests[0]["model"] == "tiny"
    assert requests[0]["messages"][0] == {"role": "system", "content": "Be brief."}
    streamed = [e.text for e in events if isinstance(e, NodeToken) and e.node_id == "out"]
    assert streamed == ["You ", "asked: ", "why is the sky blue?"]
    llm_done = next(e for e in events if isinstance(e, NodeFinished) and e.node_id == "llm")
    assert llm_done.tokens == 7  # the server's usage count wins over counted chunks
    # The key is used, but written nowhere: not in the graph file, the cache or the traces.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), path
    assert API_KEY not in repr(result)
    assert (
        json.loads((tmp_path / "chat.sahara-agent").read_text())["nodes"][1]["config"]["api_key_secret"]
        == "openai"
    )


def test_a_missing_secret_or_a_refused_key_is_a_clear_node_error(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)

    async def go() -> list:
        async with serve(chat_server([])) as base:
            executor = Executor(secrets=store)
            missing = await executor.run(chat_graph(base), {"question": "hi"})
            store.set("openai", "wrong-key")
            refused = await executor.run(chat_graph(base), {"question": "hi"})
            return [missing.error, refused.error]

    missing, refused = asyncio.run(go())
    assert missing.startswith("llm: no secret named 'openai'")
    assert refused.startswith("llm: the LLM endpoint answered 401") and "invalid api key" in refused


def test_a_server_that_does_not_stream_still_answers() -> None:
    async def go() -> Any:
        async with serve(chat_server([], key=None, stream=False)) as base:
            return await Executor().run(chat_graph(base, secret=None), {"question": "hi"})

    assert asyncio.run(go()).outputs == {"answer": "You asked: hi"}


def test_an_unreachable_endpoint_is_a_node_error() -> None:
    async def go() -> Any:
        async with serve(web.Application()) as base:
            pass  # the port is free again
        return await Executor().run(chat_graph(base, secret=None), {"question": "hi"})

    assert "cannot reach the LLM endpoint" in asyncio.run(go()).error
