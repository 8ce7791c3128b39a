"""``ReadFloor``: an earnings read taken below what is shown, or below a mined claim, is stale."""

from __future__ import annotations

from app.market.earnings import ReadFloor


def test_a_read_older_than_what_is_shown_is_refused() -> None:
    floor = ReadFloor()
    assert floor.admit(10)
    assert not floor.admit(9)  # begun earlier, landed later
    assert floor.admit(10)  # the same block again is as new as what is shown
    assert floor.admit(12) and floor.block == 12


def test_a_read_begun_before_a_claim_was_mined_is_refused() -> None:
    floor = ReadFloor()
    assert floor.admit(10)
    floor.raise_to(15)  # the claim's receipt block
    assert not floor.admit(14)
    assert floor.admit(15)  # a call at the claim's block sees the claim's state
    floor.raise_to(3)  # never lowered
    assert floor.block == 15
