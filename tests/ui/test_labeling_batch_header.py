"""The row above a batch: the claim's expiry in words (ticking only for a claim that expires),
progress, and no back or submit while the batch is being submitted."""

from __future__ import annotations

import time

from app.ui.labeling.labeler.batch_header import BatchHeader, claim_line


def test_claim_line_says_when_the_claim_expires_or_that_it_has() -> None:
    now = 1_700_000_000
    soon, gone = now + 3600, now - 60
    at = time.strftime("%H:%M", time.localtime(soon))
    assert claim_line("Batch 2", soon, now) == f"Batch 2 · claim expires at {at} (in 1 hour)"
    at = time.strftime("%H:%M", time.localtime(gone))
    assert claim_line("", gone, now) == f"the claim expired at {at}: submitting may be refused"
    assert claim_line("Batch 2", None, now) == "Batch 2"


def test_the_header_ticks_for_a_claim_that_expires_and_is_off_while_busy(app, qtbot) -> None:
    header = BatchHeader(lambda: None, lambda: None)
    qtbot.addWidget(header)
    header.show_batch("Digits", "Batch 1", None)
    assert header.subtitle.text() == "Batch 1" and not header._clock.isActive()
    header.show_batch("Digits", "Batch 1", int(time.time()) + 600)
    assert header._clock.isActive() and "claim expires at" in header.subtitle.text()
    header.stop_clock()
    assert not header._clock.isActive()
    header.show_progress(3, 10)
    assert header.progress_text.text() == "3 / 10 answered" and header.progress.value() == 3
    header.set_busy(True)
    assert not header.submit_button.isEnabled() and not header.back_button.isEnabled()
