"""The HTTP tool against a real loopback server, and the SSRF guard.

Blocked targets are refused before any connection is made: the tests that name private or
metadata addresses never send a packet (only loopback is ever contacted).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.resolver import ThreadedResolver

from app.studio.executor import Executor
from app.studio.graph import SCHEMA_VERSION, Graph

LOOPBACK = ["127.0.0.1/32"]


@contextlib.asynccontextmanager
async def serve(app: web.Application, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.bind((host, 0))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    port = sock.getsockname()[1]
    try:
        yield f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    finally:
        await runner.cleanup()


def api(hits: list[str]) -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        hits.append(request.path_qs)
        return web.json_response(
            {"hello": request.query.get("name", "?"), "auth": request.headers.get("Authorization")}
        )

    async def big(request: web.Request) -> web.StreamResponse:
        hits.append(request.path)
        resp = web.StreamResponse()  # chunked: no Content-Length to check up front
        await resp.prepare(request)
        for _ in range(20):
            await resp.write(b"x" * 1000)
        return resp

    async def sized(request: web.Request) -> web.Response:
        return web.Response(body=b"y" * 5000)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    async def redirect(request: web.Request) -> web.Response:
        hits.append(request.path)
        raise web.HTTPFound(request.query["to"])

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="no such thing")

    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=f"{request.method} {await request.text()}")

    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_get("/big", big)
    app.router.add_get("/sized", sized)
    app.router.add_get("/slow", slow)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/missing", missing)
    app.router.add_route("*", "/echo", echo)
    return app


def http_graph(config: dict[str, Any], inputs: dict[str, str] | None = None) -> Graph:
    nodes: list[dict] = [{"id": "h", "type": "http_tool", "config": config}]
    edges = []
    for name, value in (inputs or {}).items():
        nodes.append({"id": name, "type": "input", "config": {"name": name, "default": value}})
        edges.append({"id": name, "source": name, "source_port": "value", "target": "h", "target_port": name})
    return Graph.model_validate({"schema_version": SCHEMA_VERSION, "nodes": nodes, "edges": edges})


async def call(
    config: dict[str, Any], inputs: dict[str, str] | None = None
) -> tuple[dict | None, str | None]:
    result = await Executor().run(http_graph(config, inputs))
    trace = next(t for t in result.traces if t.node_id == "h")
    return (trace.outputs if trace.status == "ok" else None), trace.error


def test_templated_get_returns_status_text_and_json() -> None:
    hits: list[str] = []

    async def go() -> tuple:
        async with serve(api(hits)) as base:
            config = {"url": base + "/hello?name={{ who | urlencode }}", "allowed_networks": LOOPBACK}
            return await call(config, {"who": "Ada Lovelace"})

    outputs, error = asyncio.run(go())
    assert error is None and outputs["status"] == 200
    assert outputs["json"] == {"hello": "Ada Lovelace", "auth": None}
    assert hits == ["/hello?name=Ada%20Lovelace"]


def test_post_sends_the_rendered_body() -> None:
    async def go() -> tuple:
        async with serve(api([])) as base:
            config = {
                "method": "POST",
                "url": base + "/echo",
                "body": '{"q": "{{ q }}"}',
                "allowed_networks": LOOPBACK,
            }
            return await call(config, {"q": "hi"})

    outputs, _ = asyncio.run(go())
    assert outputs["text"] == 'POST {"q": "hi"}' and "json" not in outputs


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("{base}/hello", "127.0.0.1 is blocked: a loopback address"),
        ("http://[::1]:{port}/hello", "::1 is blocked: a loopback address"),
        ("http://localhost:{port}/hello", "is blocked: a loopback address"),
        ("http://10.20.30.40/admin", "10.20.30.40 is blocked: a private-network address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is blocked: a link-local address"),
        ("http://[::ffff:127.0.0.1]:{port}/", "is blocked: a loopback address"),
        ("http://0.0.0.0:{port}/", "0.0.0.0 is blocked: an unspecified address"),
        ("http://2130706433:{port}/", "2130706433"),  # 127.0.0.1 as a number: refused by yarl
        ("http://user@127.0.0.1:{port}/", "127.0.0.1 is blocked"),
        ("file:///etc/passwd", "only http and https URLs are allowed"),
    ],
)
def test_non_public_targets_are_blocked_by_default(url: str, reason: str) -> None:
    hits: list[str] = []

    async def go() -> tuple:
        async with serve(api(hits)) as base:
            port = base.rsplit(":", 1)[1]
            return await call({"url": url.format(base=base, port=port)})

    outputs, error = asyncio.run(go())
    assert outputs is None and reason in error
    assert hits == []


def test_a_name_is_blocked_if_any_of_its_addresses_is_not_public(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_resolve(self: Any, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict]:
        assert host == "mixed.example"
        return [
            {"hostname": host, "host": ip, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}
            for ip in ("93.184.216.34", "10.0.0.7")
        ]

    monkeypatch.setattr(ThreadedResolver, "resolve", fake_resolve)
    outputs, error = asyncio.run(call({"url": "http://mixed.example/"}))
    assert (
        outputs is None
        and error
        == "mixed.example (10.0.0.7) is blocked: a private-network address; "
        "allow its network in the node to reach it"
    )


def test_redirects_are_checked_again_at_every_hop() -> None:
    hits: list[str] = []

    async def go() -> list:
        async with serve(api(hits)) as base:
            port = base.rsplit(":", 1)[1]
            config = {"url": base + "/redirect?to={{ to | urlencode }}", "allowed_networks": LOOPBACK}
            return [
                await call(config, {"to": f"http://127.0.0.2:{port}/hello"}),
                await call(config, {"to": f"http://[::1]:{port}/hello"}),
                await call(config, {"to": base + "/hello?name=ok"}),
                await call({**config, "max_redirects": 0}, {"to": base + "/hello"}),
            ]

    to_loopback, to_v6, allowed, no_hops = asyncio.run(go())
    assert "127.0.0.2 is blocked: a loopback address" in to_loopback[1]
    assert "::1 is blocked" in to_v6[1]
    assert allowed[0]["json"]["hello"] == "ok"
    assert no_hops[1] == "more than 0 redirects"
    assert hits.count("/hello?name=ok") == 1 and len([h for h in hits if h.startswith("/hello")]) == 1


def test_the_host_allowlist() -> None:
    async def go() -> list:
        async with serve(api([])) as base:
            port = base.rsplit(":", 1)[1]
            return [
                await call(
                    {
                        "url": base + "/hello",
                        "allowed_hosts": ["api.example.com"],
                        "allowed_networks": LOOPBACK,
                    }
                ),
                await call(
                    {"url": base + "/hello", "allowed_hosts": ["127.0.0.1"], "allowed_networks": LOOPBACK}
                ),
                await call({"url": f"http://localhost:{port}/hello", "allowed_hosts": ["*.example.com"]}),
            ]

    denied, allowed, wildcard = asyncio.run(go())
    assert denied[1] == "host 127.0.0.1 is not in this node's allowed hosts"
    assert allowed[0]["status"] == 200
    assert wildcard[1] == "host localhost is not in this node's allowed hosts"


def test_size_time_and_status_limits() -> None:
    async def go() -> list:
        async with serve(api([])) as base:
            allow = {"allowed_networks": LOOPBACK}
            return [
                await call({"url": base + "/big", "max_bytes": 5000, **allow}),
                await call({"url": base + "/sized", "max_bytes": 1000, **allow}),
                await call({"url": base + "/slow", "timeout_s": 0.3, **allow}),
                await call({"url": base + "/missing", **allow}),
                await call({"url": base + "/missing", "fail_on_error_status": False, **allow}),
            ]

    chunked, sized, slow, missing, tolerated = asyncio.run(go())
    assert chunked[1] == "the response is over this node's limit of 5000 bytes"
    assert sized[1] == "the response is 5000 bytes, over this node's limit of 1000"
    assert slow[1] == "no complete answer within 0.3 s"
    assert missing[1] == "127.0.0.1 answered 404: no such thing"
    assert tolerated[0]["status"] == 404 and tolerated[0]["text"] == "no such thing"


def test_bad_network_settings_are_config_errors() -> None:
    from app.studio.validate import validate

    (issue,) = validate(http_graph({"url": "https://example.com/", "allowed_networks": ["not-a-net"]}))
    assert issue.node_id == "h" and issue.code == "bad-config"
