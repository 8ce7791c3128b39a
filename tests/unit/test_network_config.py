"""The GUI-neutral checks for a network the user adds: fields, and the eth_chainId probe."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from local_http import Handler, serving

from app.network_config import (
    ChainMismatch,
    NetworkCheckError,
    ProbeError,
    check,
    probe,
    validate,
    validate_chain_id,
    validate_name,
    validate_url,
)
from app.settings import NetworkConfig


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8545",
        "https://rpc.example.org/v1/key",
        "http://192.168.1.20:8545",
        " http://localhost ",
    ],
)
def test_http_and_https_urls_are_accepted_private_ones_too(url: str) -> None:
    assert validate_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the RPC URL"),
        ("ws://127.0.0.1:8546", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("127.0.0.1:8545", "http:// or https://"),
        ("http://", "no host"),
        ("http://127.0.0.1:port", "not a valid URL"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(NetworkCheckError, match=message):
        validate_url(url)


def test_names_are_trimmed_and_must_be_unique_ignoring_case() -> None:
    assert validate_name("  sepolia ", ["devnet"]) == "sepolia"
    with pytest.raises(NetworkCheckError, match="already exists"):
        validate_name("DevNet", ["devnet"])
    with pytest.raises(NetworkCheckError, match="name"):
        validate_name("   ")
    with pytest.raises(NetworkCheckError, match="too long"):
        validate_name("x" * 65)


@pytest.mark.parametrize(("text", "value"), [("1", 1), (" 11155111 ", 11155111), (31337, 31337)])
def test_chain_ids_are_positive_whole_numbers(text: str | int, value: int) -> None:
    assert validate_chain_id(text) == value


@pytest.mark.parametrize("text", ["", "0", "-1", "0x1", "1.5", "abc", 0, True])
def test_bad_chain_ids_are_refused(text: str | int) -> None:
    with pytest.raises(NetworkCheckError, match="chain id"):
        validate_chain_id(text)


def test_validate_builds_a_network_config() -> None:
    config = validate(" mine ", "http://10.0.0.2:8545", "1337", ["devnet"])
    assert config == NetworkConfig(name="mine", rpc_url="http://10.0.0.2:8545", chain_id=1337)


class _Handler(Handler):
    reply: object = {"jsonrpc": "2.0", "id": 1, "result": "0x5"}

    def do_POST(self) -> None:
        body = json.dumps(self.reply).encode()
        self.answer(200, body)


@pytest.fixture
def rpc() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    with serving(handler) as url:
        yield url, handler


def test_probe_reads_the_chain_id(rpc) -> None:
    url, _handler = rpc
    assert asyncio.run(probe(url)) == 5


def test_check_refuses_another_chain_and_says_which(rpc) -> None:
    url, _handler = rpc
    with pytest.raises(ChainMismatch) as caught:
        asyncio.run(check(NetworkConfig(name="x", rpc_url=url, chain_id=1)))
    assert caught.value.actual == 5 and caught.value.expected == 1
    assert "is chain 5, not chain 1" in str(caught.value)
    asyncio.run(check(NetworkConfig(name="x", rpc_url=url, chain_id=5)))


def test_a_reply_that_is_not_a_chain_id_is_refused(rpc) -> None:
    url, handler = rpc
    handler.reply = {"jsonrpc": "2.0", "id": 1, "result": None}
    with pytest.raises(ProbeError, match="not a chain id"):
        asyncio.run(probe(url))


def test_an_unreachable_rpc_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match="could not be reached"):
        asyncio.run(probe("http://127.0.0.1:9", timeout=1.0))


def test_probe_refuses_other_schemes_without_a_request() -> None:
    with pytest.raises(NetworkCheckError, match="http:// or https://"):
        asyncio.run(probe("file:///etc/hosts"))
