"""LLM chat: any OpenAI-compatible endpoint (``sahara serve-llm``, Ollama, llama.cpp, a hosted API).

Answers stream token by token (server-sent events) to the caller and to Output nodes. The API key
is a secret *name*; the value comes from the encrypted secrets store at run time, so it is never
in the graph file, the cache or the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from app import safe_json
from app.studio.context import NodeContext
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register


class ChatConfig(NodeConfig):
    # The bundled demo model (app.llm.local.BUNDLED_URL), which the studio starts when a run needs it.
    base_url: str = Field("http://127.0.0.1:8011/v1", pattern=r"^https?://")
    model: str = ""
    api_key_secret: str | None = None
    system: str = ""
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, gt=0)


def _messages(config: ChatConfig, inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": config.system}] if config.system else []
    for turn in inputs.get("history") or []:
        if not (isinstance(turn, dict) and turn.get("role") in ("user", "assistant", "system")):
            raise NodeError("history must be a list of {role, content} messages")
        messages.append({"role": str(turn["role"]), "content": str(turn.get("content", ""))})
    messages.append({"role": "user", "content": str(inputs["prompt"])})
    return messages


def _delta(payload: dict[str, Any]) -> str:
    choices = payload.get("choices") or [{}]
    part = choices[0].get("delta") or choices[0].get("message") or {}
    return part.get("content") or ""


@register
class LlmChatNode(NodeType):
    type_name = "llm_chat"
    title = "LLM chat"
    category = "AI"
    description = "Ask an OpenAI-compatible chat model; the answer streams."
    Config = ChatConfig
    default_timeout_s = 180.0

    def ports(self, config: ChatConfig) -> NodePorts:
        return NodePorts(
            inputs=(Port("prompt", PortType.TEXT), Port("history", PortType.LIST, required=False)),
            outputs=(Port("text", PortType.TEXT, streams=True),),
        )

    async def run(self, ctx: NodeContext, config: ChatConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        import aiohttp

        headers = {"Accept": "text/event-stream"}
        if config.api_key_secret:
            headers["Authorization"] = f"Bearer {ctx.secret(config.api_key_secret)}"
        body: dict[str, Any] = {
            "model": config.model,
            "messages": _messages(config, inputs),
            "temperature": config.temperature,
            "stream": True,
        }
        if config.max_tokens is not None:
            body["max_tokens"] = config.max_tokens
        url = config.base_url.rstrip("/") + "/chat/completions"
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=120)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, json=body, headers=headers) as resp,
            ):
                if resp.status != 200:
                    detail = (await resp.content.read(2000)).decode("utf-8", "replace").strip()
                    raise NodeError(f"the LLM endpoint answered {resp.status}: {detail or resp.reason}")
                if resp.content_type != "text/event-stream":
                    text = _delta(await resp.json(loads=safe_json.loads, content_type=None))
                    ctx.emit("text", text)
                    return {"text": text}
                return {"text": await self._read_stream(ctx, resp)}
        except aiohttp.ClientError as exc:
            raise NodeError(f"cannot reach the LLM endpoint {config.base_url}: {exc}") from None

    async def _read_stream(self, ctx: NodeContext, resp: Any) -> str:
        parts: list[str] = []
        usage: int | None = None
        async for raw in resp.content:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                payload = safe_json.loads(data)
            except ValueError:
                raise NodeError(f"the LLM endpoint sent a malformed event: {data[:200]}") from None
            if "error" in payload:
                raise NodeError(f"the LLM endpoint reported: {payload['error']}")
            if isinstance(payload.get("usage"), dict):
                usage = payload["usage"].get("completion_tokens", usage)
            text = _delta(payload)
            if text:
                parts.append(text)
                ctx.emit("text", text)
        if usage is not None:
            ctx.tokens = int(usage)
        return "".join(parts)
