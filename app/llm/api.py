"""The OpenAI chat-completions wire format: request checks and response bodies, no HTTP.

What is accepted: ``messages`` (roles system, developer, user, assistant, tool; content a string or
a list of ``{"type": "text"}`` parts), ``temperature``, ``top_p``, ``max_tokens`` (or
``max_completion_tokens``), ``stop``, ``seed``, ``stream``, ``stream_options.include_usage``, and
``n`` = 1. Any ``model`` name is answered by the one model served. Every refusal is an
:class:`ApiError` whose body has OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``.
A "token" here is a character.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from app import safe_json
from app.llm.charlm import Sampling

ROLES = ("system", "developer", "user", "assistant", "tool")
MAX_TOKENS_LIMIT = 4096
DEFAULT_MAX_TOKENS = 256
DEFAULT_TEMPERATURE = 0.8


class ApiError(Exception):
    def __init__(
        self,
        message: str,
        status: int = 400,
        param: str | None = None,
        kind: str = "invalid_request_error",
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.param, self.kind, self.code = message, status, param, kind, code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}


@dataclass(frozen=True)
class ChatRequest:
    messages: list[dict[str, str]]
    sampling: Sampling
    stream: bool = False
    include_usage: bool = False
    model: str = ""
    id: str = field(default_factory=lambda: "chatcmpl-" + secrets.token_hex(12))
    created: int = field(default_factory=lambda: int(time.time()))


def _number(body: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ApiError(f"'{name}' must be a number from {low:g} to {high:g}", param=name)
    return float(value)


def _max_tokens(body: dict[str, Any]) -> int:
    name = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    value = body.get(name)
    if value is None:
        return DEFAULT_MAX_TOKENS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKENS_LIMIT:
        raise ApiError(f"'{name}' must be an integer from 1 to {MAX_TOKENS_LIMIT}", param=name)
    return value


def _stop(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    stops = [value] if isinstance(value, str) else value
    if not (isinstance(stops, list) and len(stops) <= 4 and all(isinstance(s, str) and s for s in stops)):
        raise ApiError("'stop' must be a non-empty string or a list of up to 4 of them", param="stop")
    return tuple(stops)


def _content(value: Any, where: str) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list):
        parts = []
        for part in value:
            if not (
                isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
            ):
                raise ApiError(f"{where}.content: only text parts are supported by this model", param=where)
            parts.append(part["text"])
        return "".join(parts)
    raise ApiError(f"{where}.content must be a string or a list of text parts", param=where)


def _messages(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise ApiError("'messages' is required: a non-empty list of {role, content}", param="messages")
    messages = []
    for i, message in enumerate(value):
        where = f"messages[{i}]"
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise ApiError(f"{where} must be an object whose role is one of {', '.join(ROLES)}", param=where)
        messages.append({"role": message["role"], "content": _content(message.get("content"), where)})
    return messages


def parse_chat_request(raw: bytes) -> ChatRequest:
    """Check a request body; raises :class:`ApiError` (400) saying what is wrong."""
    try:
        body = safe_json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError("the request body must be a JSON object")
    messages = _messages(body.get("messages"))
    if body.get("n") not in (None, 1):
        raise ApiError("only n = 1 is supported", param="n")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ApiError("'seed' must be an integer", param="seed")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ApiError("'stream' must be true or false", param="stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise ApiError("'stream_options' must be an object", param="stream_options")
    model = body.get("model") or ""
    if not isinstance(model, str):
        raise ApiError("'model' must be a string", param="model")
    top_p = _number(body, "top_p", 1.0, 0.0, 1.0)
    if top_p <= 0:
        raise ApiError("'top_p' must be greater than 0", param="top_p")
    sampling = Sampling(
        temperature=_number(body, "temperature", DEFAULT_TEMPERATURE, 0.0, 2.0),
        top_p=top_p,
        max_tokens=_max_tokens(body),
        stop=_stop(body.get("stop")),
        seed=None if seed is None else seed % 2**63,
    )
    return ChatRequest(messages, sampling, stream, bool(options.get("include_usage")), model)


def prompt_of(messages: list[dict[str, str]]) -> str:
    """The conversation as plain text for a character model: turns as paragraphs, and a blank line
    after the last so the answer starts a paragraph of its own."""
    return "\n\n".join(m["content"].strip() for m in messages if m["content"].strip()) + "\n\n"


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def completion(
    request: ChatRequest, model: str, text: str, finish: str | None, counts: dict[str, int]
) -> dict[str, Any]:
    return {
        "id": request.id,
        "object": "chat.completion",
        "created": request.created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": counts,
    }


def chunk(
    request: ChatRequest,
    model: str,
    delta: dict[str, str] | None,
    finish: str | None = None,
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One streamed event. ``delta`` None makes the usage-only chunk (no choices) that
    ``stream_options.include_usage`` asks for."""
    body: dict[str, Any] = {
        "id": request.id,
        "object": "chat.completion.chunk",
        "created": request.created,
        "model": model,
        "choices": []
        if delta is None
        else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    if counts is not None:
        body["usage"] = counts
    return body


def models_list(model: str, created: int) -> dict[str, Any]:
    return {"object": "list", "data": [model_card(model, created)]}


def model_card(model: str, created: int) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": created, "owned_by": "sahara"}
