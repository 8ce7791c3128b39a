"""One approval per campaign, kept per network and account, revocable, with the network fee per
transaction it covers; a damaged file asks again; the signing guard refuses what it does not cover."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.labeling.approvals import (
    Approvals,
    FeeNotApproved,
    SigningGuard,
    campaign_of,
    consent_words,
    fee_cap_for,
    withdraw_words,
)
from app.wallet.outbox import TxRequest

ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_granted_per_network_account_and_campaign_then_revoked(tmp_path: Path) -> None:
    approvals = Approvals(tmp_path / "labeling" / "approvals.json")
    assert not approvals.granted(31337, ME, 1)
    approvals.grant(31337, ME, 1, "Digits", 10**15)
    assert approvals.granted(31337, ME.lower(), 1)
    assert not approvals.granted(31337, ME, 2), "another campaign asks again"
    assert not approvals.granted(1, ME, 1), "another network asks again"
    approvals.grant(31337, ME, 1, "Digits", 10**15)  # granting twice keeps one
    assert len(approvals.all()) == 1
    approvals.revoke(31337, ME, 1)
    assert not approvals.granted(31337, ME, 1) and approvals.all() == []


def test_a_damaged_file_means_nothing_is_approved(tmp_path: Path) -> None:
    file = tmp_path / "approvals.json"
    for bad in ("{not json", '[{"chain_id": 1}]', "[" * 5000 + "]" * 5000):
        file.write_text(bad)
        assert Approvals(file).all() == [] and not Approvals(file).granted(1, ME, 1)


def test_the_words_say_what_is_signed_and_what_it_costs() -> None:
    text = consent_words("Digits", 5 * 10**16, 36 * 10**14)
    assert "claiming a batch" in text and "submitting your answers" in text
    assert "only the network fee" in text and "0.05 SAHARA each" in text and "revoke" in text
    assert "up to 0.0036 ETH per transaction" in text and "asks you again" in text
    assert withdraw_words(5 * 10**18, ME).startswith("Withdraw 5 SAHARA of accepted earnings")


GWEI = 10**9
BOARD = "0x00000000000000000000000000000000000000aa"


def claim(max_fee_per_gas: int, intent: str = "claim:1:ab12", gas: int = 300_000) -> TxRequest:
    return TxRequest(intent, BOARD, b"", 0, "Claim a batch", gas, max_fee_per_gas, GWEI)


class Asked:
    """The UI's review, answered by the test; records every question."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    async def __call__(self, words: str) -> bool:
        self.questions.append(words)
        return self.answer


def test_an_approval_from_before_fee_caps_is_read_with_no_cap(tmp_path: Path) -> None:
    file = tmp_path / "approvals.json"
    file.write_text(
        json.dumps([{"chain_id": 1, "account": ME, "campaign_id": 3, "title": "D", "granted_at": 0}])
    )
    assert Approvals(file).find(1, ME, 3).fee_cap_wei == 0


def test_only_claims_and_submissions_name_a_campaign() -> None:
    assert campaign_of("claim:7:ab12") == 7 and campaign_of("submit:7:0:1:99:next#2") == 7
    assert campaign_of("claim:12#3") == 12
    for other in ("withdraw:ab12", "close:7:ab", "pay:1", "claim:x:1", "review:7", ""):
        assert campaign_of(other) is None


def test_within_the_cap_signs_without_a_question(tmp_path: Path) -> None:
    approvals = Approvals(tmp_path / "approvals.json")
    approvals.grant(31337, ME, 1, "Digits", fee_cap_for(2 * GWEI))
    asked = Asked(False)
    asyncio.run(SigningGuard(approvals, 31337, asked)(claim(6 * GWEI), ME))  # 3x today's fee: covered
    assert asked.questions == []


def test_a_fee_spike_above_the_cap_is_not_signed_silently(tmp_path: Path) -> None:
    """The attack: fees rise a hundredfold after the approval; the claim must not be signed unasked."""
    approvals = Approvals(tmp_path / "approvals.json")
    cap = fee_cap_for(2 * GWEI)
    approvals.grant(31337, ME, 1, "Digits", cap)
    asked = Asked(False)
    with pytest.raises(FeeNotApproved, match="Not signed: its network fee"):
        asyncio.run(SigningGuard(approvals, 31337, asked)(claim(200 * GWEI), ME))
    assert len(asked.questions) == 1 and "Network fees have risen" in asked.questions[0]
    assert "0.06 ETH" in asked.questions[0] and "0.0036 ETH" in asked.questions[0]
    assert approvals.find(31337, ME, 1).fee_cap_wei == cap, "a refusal leaves the cap as it was"


def test_a_yes_raises_the_cap_so_the_next_one_at_that_fee_is_not_asked(tmp_path: Path) -> None:
    approvals = Approvals(tmp_path / "approvals.json")
    approvals.grant(31337, ME, 1, "Digits", fee_cap_for(2 * GWEI))
    asked = Asked(True)
    guard = SigningGuard(approvals, 31337, asked)
    asyncio.run(guard(claim(200 * GWEI), ME))
    asyncio.run(guard(claim(200 * GWEI, "submit:1:0:0:5"), ME))
    assert len(asked.questions) == 1
    assert approvals.find(31337, ME, 1).fee_cap_wei >= 300_000 * 200 * GWEI


def test_a_revoked_campaign_and_another_network_ask_other_transactions_do_not(tmp_path: Path) -> None:
    approvals = Approvals(tmp_path / "approvals.json")
    approvals.grant(31337, ME, 1, "Digits", fee_cap_for(2 * GWEI))
    asked = Asked(False)
    with pytest.raises(FeeNotApproved):
        asyncio.run(SigningGuard(approvals, 1, asked)(claim(GWEI), ME))  # approved on the devnet only
    approvals.revoke(31337, ME, 1)
    with pytest.raises(FeeNotApproved):
        asyncio.run(SigningGuard(approvals, 31337, asked)(claim(GWEI), ME))
    assert "not covered by an approval" in asked.questions[-1]
    asyncio.run(SigningGuard(approvals, 31337, asked)(claim(500 * GWEI, "withdraw:ab12"), ME))
    assert len(asked.questions) == 2, "a withdrawal has its own review; the guard leaves it alone"
