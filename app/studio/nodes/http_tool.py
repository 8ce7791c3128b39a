"""HTTP tool: call a web API from a URL template, within size and time limits.

Only public addresses are reached unless the node allows a network (see ``app.studio.netguard``);
redirects are followed by hand so each hop is checked again. An auth header value can come from
the secrets store by name. Not cached: a request may have effects, and answers change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from app import safe_json
from app.studio.context import NodeContext
from app.studio.nodes.prompt_template import render, syntax_problems, variables
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

REDIRECTS = {301, 302, 303, 307, 308}


class HttpConfig(NodeConfig):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field("https://example.com/", min_length=1)  # Jinja2 template
    body: str = ""  # Jinja2 template; sent when not empty
    headers: dict[str, str] = Field(default_factory=dict)
    auth_secret: str | None = None  # sent as "Authorization: Bearer <secret>"
    allowed_hosts: list[str] = Field(default_factory=list)
    allowed_networks: list[str] = Field(default_factory=list)  # e.g. "127.0.0.1/32" for a local API
    max_bytes: int = Field(1_000_000, ge=1, le=50_000_000)
    timeout_s: float = Field(15.0, gt=0, le=300)
    max_redirects: int = Field(3, ge=0, le=10)
    fail_on_error_status: bool = True  # 4xx/5xx fail the node; off: status and text flow on

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for net in value:
            ipaddress.ip_network(net, strict=False)  # ValueError names the bad one
        return value


async def _read_limited(resp: Any, limit: int) -> bytes:
    if resp.content_length is not None and resp.content_length > limit:
        raise NodeError(f"the response is {resp.content_length} bytes, over this node's limit of {limit}")
    data = bytearray()
    async for chunk in resp.content.iter_chunked(65536):
        data += chunk
        if len(data) > limit:
            raise NodeError(f"the response is over this node's limit of {limit} bytes")
    return bytes(data)


@register
class HttpToolNode(NodeType):
    type_name = "http_tool"
    title = "HTTP tool"
    category = "Tools"
    description = "Call a web API; template the URL and body from inputs."
    Config = HttpConfig
    cacheable = False

    def check(self, config: HttpConfig) -> list[str]:
        return syntax_problems(config.url) + syntax_problems(config.body)

    def ports(self, config: HttpConfig) -> NodePorts:
        names = (
            sorted(set(variables(config.url)) | set(variables(config.body))) if not self.check(config) else []
        )
        return NodePorts(
            inputs=tuple(Port(n) for n in names),
            outputs=(
                Port("status", PortType.NUMBER),
                Port("text", PortType.TEXT),
                Port("json", PortType.JSON),
            ),
        )

    async def run(self, ctx: NodeContext, config: HttpConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        try:
            async with asyncio.timeout(config.timeout_s):
                return await self._request(ctx, config, inputs)
        except TimeoutError:
            raise NodeError(f"no complete answer within {config.timeout_s:g} s") from None

    async def _request(
        self, ctx: NodeContext, config: HttpConfig, inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        import aiohttp
        from yarl import URL

        from app.studio.netguard import NetPolicy, connector_for

        policy = NetPolicy.build(config.allowed_hosts, config.allowed_networks)
        url = URL(render(config.url, inputs).strip())
        method, body = config.method, render(config.body, inputs) if config.body else None
        headers = dict(config.headers)
        if config.auth_secret:
            headers["Authorization"] = f"Bearer {ctx.secret(config.auth_secret)}"
        async with aiohttp.ClientSession(connector=connector_for(policy)) as session:
            for _hop in range(config.max_redirects + 1):
                policy.check_url(url)
                try:
                    async with session.request(
                        method, url, data=body, headers=headers, allow_redirects=False
                    ) as resp:
                        location = resp.headers.get("Location")
                        if resp.status not in REDIRECTS or not location:
                            data = await _read_limited(resp, config.max_bytes)
                            if resp.status >= 400 and config.fail_on_error_status:
                                detail = data[:300].decode("utf-8", "replace")
                                raise NodeError(f"{url.host} answered {resp.status}: {detail}")
                            return self._outputs(resp.status, data, resp.charset)
                except aiohttp.ClientError as exc:
                    raise NodeError(f"request to {url.host} failed: {exc}") from None
                previous, url = url, url.join(URL(location))
                if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                if url.host != previous.host:
                    headers.pop("Authorization", None)  # never hand a credential to another host
        raise NodeError(f"more than {config.max_redirects} redirects")

    @staticmethod
    def _outputs(status: int, data: bytes, charset: str | None) -> dict[str, Any]:
        try:
            text = data.decode(charset or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            text = data.decode("utf-8", errors="replace")
        outputs: dict[str, Any] = {"status": status, "text": text}
        try:
            outputs["json"] = safe_json.loads(text)
        except safe_json.JsonDepthError as exc:
            raise NodeError(f"the answer is refused: {exc}") from None
        except ValueError:  # not JSON: the json output stays inactive
            pass
        return outputs
