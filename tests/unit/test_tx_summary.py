"""Transactions in plain words, and the approve-before-signing flow, without Qt or a chain."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_abi import encode

from app.wallet.outbox import InsufficientFunds, Outbox, TxRequest
from app.wallet.tx_summary import (
    APPROVE,
    MAX_UINT256,
    TRANSFER,
    TRANSFER_FROM,
    Token,
    check_recipient,
    format_eth,
    format_units,
    network_label,
    parse_amount,
    submit_approved,
    summarize,
)

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
GWEI = 10**9


def call(selector: str, types: list[str], values: list[Any]) -> bytes:
    return bytes.fromhex(selector) + encode(types, values)


def test_an_eth_send_in_words() -> None:
    s = summarize(to=BOB, value=10**18, data=b"", gas=21_000, max_fee_per_gas=2 * GWEI, chain_id=31337)
    assert s.action == "Send 1 ETH"
    assert [(line.label, line.value) for line in s.lines] == [("To", BOB), ("Amount", "1 ETH")]
    assert s.fee == "up to 0.000042 ETH"
    assert s.network == "Local devnet (chain 31337)"
    assert s.warnings == ()
    assert "0x" not in s.action and "Data" not in s.text()
    assert ("Data", "(none)") in [(r.label, r.value) for r in s.raw]


def test_an_erc20_transfer_decoded_with_the_known_symbol() -> None:
    data = call(TRANSFER, ["address", "uint256"], [BOB, 25 * 10**18 + 5 * 10**17])
    s = summarize(
        to=TOKEN, value=0, data=data, gas=60_000, max_fee_per_gas=GWEI, chain_id=31337,
        tokens={TOKEN.lower(): Token("SAHARA")},
    )  # fmt: skip
    assert s.action == "Transfer 25.5 SAHARA"
    assert ("To", BOB) in [(line.label, line.value) for line in s.lines]
    assert ("Amount", "25.5 SAHARA") in [(line.label, line.value) for line in s.lines]
    assert s.fee == "up to 0.00006 ETH"
    assert data.hex() not in s.text(), "raw data stays in the details"
    assert any(r.label == "Data" and r.value == "0x" + data.hex() for r in s.raw)


def test_an_unknown_token_is_said_in_smallest_units() -> None:
    data = call(TRANSFER, ["address", "uint256"], [BOB, 1234])
    s = summarize(to=TOKEN, value=0, data=data, gas=60_000, max_fee_per_gas=GWEI, chain_id=1)
    assert s.action == "Transfer 1,234 units of an unknown token"
    assert any("does not know this token" in w for w in s.warnings)
    assert s.network == "Ethereum mainnet (chain 1)"


def test_approvals_limited_unlimited_and_revoked() -> None:
    token = {TOKEN: Token("SAHARA")}
    limited = summarize(
        to=TOKEN, value=0, data=call(APPROVE, ["address", "uint256"], [BOB, 10**18]), gas=50_000,
        max_fee_per_gas=GWEI, chain_id=31337, tokens=token,
    )  # fmt: skip
    assert limited.action == "Allow 0x7099…79C8 to spend 1 SAHARA"
    unlimited = summarize(
        to=TOKEN, value=0, data=call(APPROVE, ["address", "uint256"], [BOB, MAX_UINT256]), gas=50_000,
        max_fee_per_gas=GWEI, chain_id=31337, tokens=token,
    )  # fmt: skip
    assert unlimited.action == "Allow 0x7099…79C8 to spend all your SAHARA"
    assert any("Unlimited approval" in w for w in unlimited.warnings)
    revoke = summarize(
        to=TOKEN, value=0, data=call(APPROVE, ["address", "uint256"], [BOB, 0]), gas=50_000,
        max_fee_per_gas=GWEI, chain_id=31337, tokens=token,
    )  # fmt: skip
    assert revoke.action.startswith("Revoke")


def test_transfer_from_names_both_sides() -> None:
    data = call(TRANSFER_FROM, ["address", "address", "uint256"], [ALICE, BOB, 3 * 10**18])
    s = summarize(
        to=TOKEN, value=0, data=data, gas=70_000, max_fee_per_gas=GWEI, chain_id=31337,
        tokens={TOKEN: Token("SAHARA")},
    )  # fmt: skip
    assert s.action == "Transfer 3 SAHARA from 0xf39F…2266"
    pairs = [(line.label, line.value) for line in s.lines]
    assert ("From", ALICE) in pairs and ("To", BOB) in pairs


def test_unknown_and_malformed_calls_say_contract_call_with_the_selector() -> None:
    unknown = summarize(
        to=TOKEN, value=5 * 10**17, data=bytes.fromhex("12345678") + b"\0" * 32, gas=90_000,
        max_fee_per_gas=GWEI, chain_id=31337,
    )  # fmt: skip
    assert unknown.action == "Contract call 0x12345678"
    assert ("Sends", "0.5 ETH") in [(line.label, line.value) for line in unknown.lines]
    assert any("cannot decode" in w for w in unknown.warnings)
    truncated = summarize(
        to=TOKEN, value=0, data=bytes.fromhex(TRANSFER) + b"\0" * 10, gas=90_000, max_fee_per_gas=GWEI,
        chain_id=31337,
    )  # fmt: skip
    assert truncated.action == f"Contract call 0x{TRANSFER}"


def test_sending_to_oneself_and_a_description_are_mentioned() -> None:
    s = summarize(
        to=ALICE, value=1, data=b"", gas=21_000, max_fee_per_gas=GWEI, chain_id=31337, sender=ALICE.lower(),
        description="Pay for labels",
    )  # fmt: skip
    assert any("your own account" in w for w in s.warnings)
    assert ("Purpose", "Pay for labels") in [(line.label, line.value) for line in s.lines]


@pytest.mark.parametrize(
    ("wei", "kwargs", "text"),
    [
        (0, {}, "0"),
        (10**18, {}, "1"),
        (1, {}, "0.000000000000000001"),
        (1234567 * 10**18 + 10**17, {}, "1,234,567.1"),
        (42_000 * 10**9, {"max_decimals": 6, "round_up": True}, "0.000042"),
        (42_000 * 10**9 + 1, {"max_decimals": 6, "round_up": True}, "0.000043"),
        (1, {"max_decimals": 6}, "< 0.000001"),
        (1, {"max_decimals": 6, "round_up": True}, "0.000001"),
    ],
)
def test_format_units(wei: int, kwargs: dict[str, Any], text: str) -> None:
    assert format_units(wei, 18, **kwargs) == text


def test_format_eth_and_network_labels() -> None:
    assert format_eth(15 * 10**17) == "1.5 ETH"
    assert network_label(31337, "devnet") == "Local devnet (chain 31337)"
    assert network_label(777, "sahara-testnet") == "sahara-testnet (chain 777)"
    assert network_label(11155111) == "Sepolia testnet (chain 11155111)"
    assert network_label(4242) == "Chain 4242 (chain 4242)"


@pytest.mark.parametrize(
    ("text", "wei"),
    [("1", 10**18), (" 1.5 ", 15 * 10**17), ("0.000000000000000001", 1), ("1_000", 1000 * 10**18)],
)
def test_parse_amount(text: str, wei: int) -> None:
    assert parse_amount(text) == wei


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount"),
        ("abc", "is not a number"),
        ("nan", "is not a number"),
        ("0", "more than 0"),
        ("-1", "more than 0"),
        ("1,5", "dot for decimals"),
        ("0.0000000000000000001", "at most 18 decimal places"),
    ],
)
def test_parse_amount_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(text)


def test_recipient_checks() -> None:
    assert check_recipient(BOB.lower()) == BOB, "an all-lower-case address has no checksum to check"
    assert check_recipient(f"  {BOB} ") == BOB
    with pytest.raises(ValueError, match="checksum does not match"):
        check_recipient(BOB.replace("C51812", "c51812"))  # one letter's case flipped
    with pytest.raises(ValueError, match="40 hex"):
        check_recipient("0x1234")
    with pytest.raises(ValueError, match="Enter the recipient"):
        check_recipient("  ")


@dataclass
class FakeOutbox:
    """The outbox calls ``submit_approved`` makes, recorded; ``funds`` short raises before approval."""

    chain_id: int = 31337
    funds_ok: bool = True
    calls: list[str] = field(default_factory=list)
    submitted: list[tuple[TxRequest, Any]] = field(default_factory=list)

    async def _check_chain(self) -> None:
        self.calls.append("chain")

    async def _estimate_gas(self, call: dict[str, Any]) -> int:
        self.calls.append("estimate")
        return 21_000

    async def market_fees(self) -> tuple[int, int]:
        self.calls.append("fees")
        return 3 * GWEI, GWEI

    async def _check_funds(self, address: str, needed: int) -> None:
        self.calls.append("funds")
        if not self.funds_ok:
            raise InsufficientFunds(f"Not enough ETH: needs {needed}")

    quote = Outbox.quote  # the real checks, in the real order, on the recorded methods above

    async def submit(self, request: TxRequest, signer: Any) -> str:
        self.submitted.append((request, signer))
        return "row"


def test_approval_is_asked_with_the_summary_before_signing() -> None:
    outbox = FakeOutbox()
    seen: list[str] = []
    signers: list[str] = []

    async def approve(summary: Any) -> bool:
        seen.append(summary.text())
        assert not signers, "the signer is taken only after approval"
        return True

    def signer() -> str:
        signers.append("taken")
        return "signer"

    request = TxRequest("send:1", BOB.lower(), value=10**18)
    row = asyncio.run(submit_approved(outbox, request, ALICE, signer, approve))  # type: ignore[arg-type]
    assert row == "row"
    assert "Send 1 ETH" in seen[0] and "up to 0.000063 ETH" in seen[0]
    sent, used = outbox.submitted[0]
    assert sent.to == BOB and sent.gas == 21_000 and used == "signer"
    assert outbox.calls == ["chain", "estimate", "fees", "funds"]


def test_rejecting_signs_nothing_and_insufficient_funds_come_before_the_question() -> None:
    outbox = FakeOutbox()
    asked: list[object] = []

    async def reject(summary: Any) -> bool:
        asked.append(summary)
        return False

    request = TxRequest("send:2", BOB, value=10**18)
    assert asyncio.run(submit_approved(outbox, request, ALICE, lambda: "s", reject)) is None  # type: ignore[arg-type]
    assert outbox.submitted == [] and len(asked) == 1

    poor = FakeOutbox(funds_ok=False)
    asked.clear()
    with pytest.raises(InsufficientFunds):
        asyncio.run(submit_approved(poor, request, ALICE, lambda: "s", reject))  # type: ignore[arg-type]
    assert asked == [] and poor.submitted == []
