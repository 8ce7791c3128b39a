"""The Label page against a fake service: no service says why; campaigns list; instructions; Start
labeling resumes an open claim or claims one (refusals in words); the last answer opens the batch
claimed ahead at once while the finished one is sent behind (drafts kept and sent again on error);
the campaign's end; earnings with the rejected reason and withdraw."""

from __future__ import annotations

import asyncio

import pytest
from labeler_fakes import (
    DIGITS,
    CampaignInfo,
    ClaimedBatch,
    EarningRow,
    Earnings,
    FakeService,
    NoBatchAvailable,
    ReputationTooLow,
    image_items,
    manifest,
)
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.labeling.schema import TaskType
from app.ui.pages.label import LabelPage

SAHARA = 10**18


@pytest.fixture
def service(tmp_path) -> FakeService:
    items = image_items(8, prefix="d")
    fake = FakeService(tmp_path)
    fake.campaigns_list = [
        CampaignInfo(1, "Handwritten digits", TaskType.IMAGE_CLASSIFICATION, reward_per_item=SAHARA // 20),
        CampaignInfo(
            2,
            "Street signs",
            TaskType.BOUNDING_BOXES,
            reward_per_item=SAHARA // 2,
            min_reputation=50,
            requester_reviewed=0,
            requester_accept_rate=None,
        ),
    ]
    fake.manifests = {
        1: manifest("Handwritten digits", TaskType.IMAGE_CLASSIFICATION, items, DIGITS),
        2: manifest("Street signs", TaskType.BOUNDING_BOXES, items, DIGITS),
    }
    return fake


@pytest.fixture
def page(label_page: LabelPage) -> LabelPage:
    return label_page


def _rows(page) -> list[list[str]]:
    table = page.list_view.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_without_a_service_the_page_says_why(page) -> None:
    assert page.stack.currentWidget() is page.unavailable
    assert page.unavailable_title.text() == "Unlock your wallet to see campaigns"
    assert not any(b.isVisible() for b in page.tab_buttons)
    page.set_service(None, "Sahara's contracts are not deployed on this network")
    assert page.unavailable_title.text() == "Sahara's contracts are not deployed on this network"


def test_campaigns_are_listed_with_estimates_and_reputation(page, service, qtbot) -> None:
    service.claims = [ClaimedBatch(1, 0, 3, 6, service.manifests[1].items[6:8], 4_000_000_000)]
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    rows = _rows(page)
    assert rows[0][:4] == ["Street signs", "Bounding boxes", "0.5 SAHARA", "20"]
    assert rows[0][4] == "≈ 90 SAHARA" and "estimate" in page.list_view.table.item(0, 4).toolTip()
    assert rows[0][5] == "New requester" and rows[0][6] == "Needs 50 accepted items"
    assert rows[1][2] == "0.05 SAHARA" and rows[1][4] == "≈ 60 SAHARA"
    assert rows[1][5] == "92% accepted · 12 reviewed" and rows[1][6] == "Batch 4 in progress"
    assert page.list_view.count.text() == "2 campaigns"


def test_instructions_then_start_resumes_the_open_claim(page, service, qtbot) -> None:
    claim = ClaimedBatch(1, 0, 3, 6, service.manifests[1].items[6:8], 4_000_000_000)
    service.claims = [claim]
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    page.list_view.table.selectRow(1)
    page.list_view.open_button.click()
    detail = page.detail_view
    assert page.campaign_stack.currentWidget() is detail
    qtbot.waitUntil(lambda: "How to label" in detail.instructions.toPlainText())
    assert "digit" in detail.instructions.toPlainText() and "guide" in detail.instructions.toPlainText()
    assert detail.start_button.text() == "Resume batch 4" and detail.requirement.isHidden()
    detail.start_button.click()
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    assert [i.id for i in page.labeling.session.items] == ["d6", "d7"], "resumed, not claimed again"
    qtbot.waitUntil(lambda: "claim 1" in service.calls)  # the batch after it is claimed ahead
    assert [i.id for i in page.labeling.session.items] == ["d6", "d7"]
    assert "Batch 4 · 2 items" in page.labeling.subtitle.text()


def test_start_claims_and_refusals_are_in_words(page, service, qtbot) -> None:
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    page.open_campaign(service.campaigns_list[1])
    detail = page.detail_view
    assert detail.requirement.isVisible() and "at least 50 accepted items" in detail.requirement_text.text()
    service.claim_error = ReputationTooLow("execution reverted: ReputationTooLow(have=3, need=50)")
    detail.start_button.click()
    qtbot.waitUntil(lambda: "reputation is too low" in detail.status.text())
    assert "(you have 3, it needs 50)" in detail.status.text() and detail.start_button.isEnabled()
    service.claim_error = NoBatchAvailable("NoBatchAvailable(campaignId=2)")
    detail.start_button.click()
    qtbot.waitUntil(lambda: "Every batch of this campaign is taken" in detail.status.text())
    service.claim_error = None
    detail.start_button.click()
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    assert "claim 2" in service.calls


def _label_batch(page, service, qtbot) -> None:
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    page.open_campaign(service.campaigns_list[0])
    page.detail_view.start_button.click()
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    view = page.labeling
    qtbot.waitUntil(lambda: page._flow.pipeline.upcoming is not None)  # the next batch, claimed ahead
    qtbot.waitUntil(lambda: view.canvas.has_image)
    QTest.keyClick(view.canvas, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: view.canvas.has_image)
    QTest.keyClick(view.canvas, Qt.Key.Key_2)


def test_the_last_answer_opens_the_next_batch_at_once_and_the_batch_is_sent_behind(
    page, service, qtbot
) -> None:
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    page.open_campaign(service.campaigns_list[0])
    page.detail_view.start_button.click()
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    view = page.labeling
    qtbot.waitUntil(lambda: page._flow.pipeline.upcoming is not None)  # batch 1 is claimed ahead
    service.gate = asyncio.Event()  # the chain is slow: nothing it does finishes until the gate opens
    qtbot.waitUntil(lambda: view.canvas.has_image)
    QTest.keyClick(view.canvas, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: view.canvas.has_image)
    QTest.keyClick(view.canvas, Qt.Key.Key_2)  # the last item: the batch is finished
    assert [i.id for i in view.session.items] == ["d2", "d3"], "the next batch opened without waiting"
    assert view.pages.currentIndex() == 0 and not view.busy
    qtbot.waitUntil(lambda: view.shown_item == "d2")  # its first image was fetched ahead
    assert "Batch 1 is being submitted" in view.status.text() and service.submitted == []
    service.gate.set()
    qtbot.waitUntil(lambda: "Batch 1 is in" in view.status.text())
    claim, answers = service.submitted[0]
    assert [a.label for a in answers] == ["4", "2"] and claim.batch == 0
    qtbot.waitUntil(lambda: any(c.batch == 2 for c in service.claims))  # the same step claimed batch 2
    assert service.drafts(1).load_all() == {}


def test_a_failed_submission_keeps_its_answers_and_goes_again_with_the_next_batch(
    page, service, qtbot
) -> None:
    _label_batch(page, service, qtbot)  # … whose last answer finished it, with the submission failing
    view = page.labeling
    service.submit_error = RuntimeError("NotClaimed(labeler=0xabc, slot=0)")
    qtbot.waitUntil(lambda: "was not submitted" in view.status.text())
    assert "no longer yours" in view.status.text() and "kept" in view.status.text()
    assert {d.label for d in service.drafts(1).load_all().values()} == {"4", "2"}, "drafts kept"
    assert [i.id for i in view.session.items] == ["d2", "d3"], "labeling goes on meanwhile"
    service.submit_error = None
    QTest.keyClick(view.canvas, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: view.canvas.has_image)
    QTest.keyClick(view.canvas, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: len(service.submitted) == 2)
    assert sorted(c.batch for c, _ in service.submitted) == [0, 1]
    assert {d.item_id for d in service.drafts(1).load_all().values()} <= {"d4", "d5"}


def test_the_end_of_the_campaign_says_so(page, service, qtbot) -> None:
    _label_batch(page, service, qtbot)
    view = page.labeling
    service.claim_error = NoBatchAvailable("NoBatchAvailable(campaignId=1)")  # nothing after batch 1
    qtbot.waitUntil(lambda: len(service.submitted) == 1)
    QTest.keyClick(view.canvas, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: view.canvas.has_image)
    QTest.keyClick(view.canvas, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: view.pages.currentIndex() == 1)
    assert "every batch of this campaign" in view.done_body.text() and view.next_batch_button.isHidden()
    qtbot.waitUntil(lambda: len(service.submitted) == 2)  # the last batch is still sent


def test_earnings_show_the_rejected_reason_and_withdraw(page, service, qtbot) -> None:
    service.earnings_value = Earnings(
        pending=SAHARA // 10,
        accepted=2 * SAHARA,
        paid=SAHARA,
        rejected=SAHARA // 4,
        withdrawable=SAHARA,
        rows=[
            EarningRow(1, 0, 5, "accepted", 5, SAHARA // 4, ""),
            EarningRow(1, 1, 5, "rejected", 0, 0, "Gold accuracy 40% is below the required 80%"),
        ],
    )
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    page.tab_buttons[1].click()
    view = page.earnings_view
    qtbot.waitUntil(lambda: view.table.rowCount() == 2)
    assert view.tiles["pending"].value.text() == "0.1 SAHARA"
    assert view.tiles["rejected"].value.text() == "0.25 SAHARA"
    table = view.table
    rejected = next(r for r in range(2) if table.item(r, 3).text() == "Rejected")
    assert table.item(rejected, 6).text() == "Gold accuracy 40% is below the required 80%"
    assert table.item(rejected, 0).text() == "Handwritten digits"
    assert view.withdrawable.text() == "Ready to withdraw: 1 SAHARA"
    service.gate = asyncio.Event()
    view.withdraw_button.click()  # reviewed in words every time: Cancel is the default
    review = view.review_box
    assert "Withdraw 1 SAHARA of accepted earnings" in review.informativeText() and service.address in (
        review.informativeText()
    )
    assert review.defaultButton().text() == "Cancel" and "withdraw" not in service.calls
    next(b for b in review.buttons() if b.text() == "Withdraw").click()
    qtbot.waitUntil(lambda: "Withdrawing" in view.status.text())
    assert not view.withdraw_button.isEnabled()
    service.gate.set()
    qtbot.waitUntil(lambda: "Withdrawn to your wallet" in view.status.text())
    assert service.calls.count("withdraw") == 1
    # the page does not contradict itself: withdrawn, so not "nothing to withdraw yet"
    assert "Nothing to withdraw yet" not in view.withdrawable.text()
    assert view.withdrawable.text().startswith("All withdrawn: 2 SAHARA is in your wallet")


def test_a_rejection_open_to_dispute_is_disputed_from_its_row(page, service, qtbot) -> None:
    service.earnings_value = Earnings(
        pending=0, accepted=0, paid=0, rejected=SAHARA, withdrawable=0,
        rows=[
            EarningRow(1, 0, 5, "rejected", 0, 0, "no reason given", disputable=True),
            EarningRow(1, 1, 5, "rejected", 0, 0, "gold accuracy 0%"),  # its window is over
        ],
    )  # fmt: skip
    page.set_service(service)
    page.tab_buttons[1].click()
    view = page.earnings_view
    qtbot.waitUntil(lambda: view.table.rowCount() == 2)
    assert not view.dispute_button.isEnabled()  # nothing selected
    closed = next(r for r in range(2) if view.table.item(r, 1).text() == "2")
    view.table.selectRow(closed)
    assert not view.dispute_button.isEnabled()
    view.table.selectRow(1 - closed)
    assert view.dispute_button.isEnabled()
    service.dispute_error = RuntimeError("reverted: DisputeWindowClosed(until=5)")
    view.dispute_button.click()
    qtbot.waitUntil(lambda: "was not disputed" in view.status.text())
    assert "the rejection is final" in view.status.text()
    service.dispute_error = None
    view.table.selectRow(1 - closed)
    view.dispute_button.click()
    qtbot.waitUntil(lambda: "Batch 1 is disputed" in view.status.text())
    assert [c for c in service.calls if c.startswith("dispute")] == ["dispute 1 0", "dispute 1 0"]


def test_a_failed_campaign_load_is_shown(page, service, qtbot) -> None:
    async def broken():
        raise ConnectionError("the node at http://127.0.0.1:8545 is unreachable")

    service.campaigns = broken
    page.set_service(service)
    qtbot.waitUntil(lambda: "could not be loaded" in page.list_view.status.text())
    assert "unreachable" in page.list_view.status.text() and page.list_view.refresh_button.isEnabled()


def test_my_campaigns_tab_holds_the_requester_panel(page, service, qtbot) -> None:
    page.set_service(service)
    page.tab_buttons[2].click()
    assert page.stack.currentWidget() is page.requester_holder
    try:
        from app.ui.labeling.requester.requester_panel import RequesterPanel
    except ImportError:  # that part of the app (or the chain service it needs) is not there
        assert "not available" in page.requester.text()
        return
    assert isinstance(page.requester, RequesterPanel) and page.requester.service is service
    page.set_service(None)
    assert page.requester.service is None, "the panel follows the page's service"


def test_a_review_round_redraws_the_list_or_the_earnings_shown(page, service, qtbot) -> None:
    """The composition root's "reviewed" event: what a round changed is read again, not polled."""
    service.earnings_value = Earnings(0, 0, 0, 0, 0, rows=[])
    page.on_reviewed()  # no service yet: nothing to redraw
    page.set_service(service)
    page.on_reviewed()  # while the first load may still run: it is read again after it
    qtbot.waitUntil(lambda: service.calls.count("campaigns") == 2)
    page.show_tab(1)
    qtbot.waitUntil(lambda: service.calls.count("earnings") == 1 and not page.ops.busy("earnings"))
    page.on_reviewed()
    qtbot.waitUntil(lambda: service.calls.count("earnings") == 2)
    assert service.calls.count("campaigns") == 2  # the hidden list is read when shown again
