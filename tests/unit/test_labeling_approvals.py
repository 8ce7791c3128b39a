"""One approval per campaign, kept per network and account, revocable; a damaged file asks again."""

from __future__ import annotations

from pathlib import Path

from app.labeling.approvals import Approvals, consent_words, withdraw_words

ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_granted_per_network_account_and_campaign_then_revoked(tmp_path: Path) -> None:
    approvals = Approvals(tmp_path / "labeling" / "approvals.json")
    assert not approvals.granted(31337, ME, 1)
    approvals.grant(31337, ME, 1, "Digits")
    assert approvals.granted(31337, ME.lower(), 1)
    assert not approvals.granted(31337, ME, 2), "another campaign asks again"
    assert not approvals.granted(1, ME, 1), "another network asks again"
    approvals.grant(31337, ME, 1, "Digits")  # granting twice keeps one
    assert len(approvals.all()) == 1
    approvals.revoke(31337, ME, 1)
    assert not approvals.granted(31337, ME, 1) and approvals.all() == []


def test_a_damaged_file_means_nothing_is_approved(tmp_path: Path) -> None:
    file = tmp_path / "approvals.json"
    for bad in ("{not json", '[{"chain_id": 1}]', "[" * 5000 + "]" * 5000):
        file.write_text(bad)
        assert Approvals(file).all() == [] and not Approvals(file).granted(1, ME, 1)


def test_the_words_say_what_is_signed_and_what_it_costs() -> None:
    text = consent_words("Digits", 5 * 10**16)
    assert "claiming a batch" in text and "submitting your answers" in text
    assert "only the network fee" in text and "0.05 SAHARA each" in text and "revoke" in text
    assert withdraw_words(5 * 10**18, ME).startswith("Withdraw 5 SAHARA of accepted earnings")
