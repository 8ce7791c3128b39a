"""The Label page's first hour (issue 17): unlock in place, a list that updates itself, F5, the demo
as a button in the empty list, Return on a focused button, a visible focus ring."""

from __future__ import annotations

from typing import Any

import pytest
from labeler_fakes import DIGITS, CampaignInfo, FakeService, image_items, manifest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton

from app.labeling.schema import TaskType
from app.ui.pages.label import LabelPage
from app.ui.stylesheet import build_stylesheet
from app.ui.theme import DARK, LIGHT
from app.wallet.keystore import WrongPassword

SAHARA = 10**18


class FakeWallet:
    """The keystore's side: ``unlock`` refuses every password but the right one."""

    def __init__(self) -> None:
        self.unlocked = False
        self.tries: list[str] = []

    def unlock(self, password: str) -> None:
        self.tries.append(password)
        if password != "right horse":
            raise WrongPassword()
        self.unlocked = True


class FakeController(QObject):
    """What the page reads of ``WalletController``: its state, its wallet, its onboarding."""

    changed = Signal()

    def __init__(self, state: str) -> None:
        super().__init__()
        self.state = state
        self.wallet = FakeWallet()
        self.onboarding = 0

    def open_onboarding(self) -> None:
        self.onboarding += 1


def digits(campaign_id: int = 1) -> CampaignInfo:
    return CampaignInfo(campaign_id, "Handwritten digits", TaskType.IMAGE_CLASSIFICATION, SAHARA // 20)


@pytest.fixture
def service(tmp_path) -> FakeService:
    fake = FakeService(tmp_path)
    fake.campaigns_list = [digits()]
    items = image_items(4, prefix="d")
    fake.manifests = {
        i: manifest("Handwritten digits", TaskType.IMAGE_CLASSIFICATION, items, DIGITS) for i in (1, 2)
    }
    return fake


@pytest.fixture
def page(label_page: LabelPage) -> LabelPage:
    return label_page


def test_a_locked_wallet_is_unlocked_on_the_card_itself(page, qtbot) -> None:
    wallet = FakeController("locked")
    page.follow_wallet(wallet)
    card = page.unavailable_card
    assert card.password.isVisible() and card.unlock_button.isVisible() and not card.setup_button.isVisible()
    card.unlock_button.click()
    assert "Enter your wallet password" in card.error.text() and wallet.wallet.tries == []
    QTest.keyClicks(card.password, "wrong")
    QTest.keyClick(card.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not right" in card.error.text())
    assert card.error.isVisible() and card.unlock_button.isEnabled()
    card.password.clear()
    QTest.keyClicks(card.password, "right horse")
    card.unlock_button.click()
    qtbot.waitUntil(lambda: wallet.wallet.unlocked)
    qtbot.waitUntil(lambda: not card.error.isVisible() and card.password.text() == "")


def test_no_wallet_offers_the_set_up_and_unlocked_offers_nothing(page) -> None:
    wallet = FakeController("none")
    page.follow_wallet(wallet)
    card = page.unavailable_card
    assert card.setup_button.isVisible() and not card.password.isVisible()
    card.setup_button.click()
    assert wallet.onboarding == 1
    wallet.state = "unlocked"
    wallet.changed.emit()
    assert not card.setup_button.isVisible() and not card.unlock_button.isVisible()


def test_a_new_campaign_on_the_board_updates_the_list_and_f5_refreshes(page, service, qtbot) -> None:
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1)
    service.campaigns_list = [digits(1), digits(2)]
    page.on_new_campaigns()  # the "campaigns" event of NetworkServices, relayed by the shell
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    page.open_campaign(service.campaigns_list[0])
    service.campaigns_list = [digits(1), digits(2), digits(3)]
    page.on_new_campaigns()  # not shown: read when the list is shown again
    assert page.list_view.table.rowCount() == 2
    page.show_list()
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 3)
    loads = service.calls.count("campaigns")
    page.list_view.table.setFocus()
    QTest.keyClick(page.list_view.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: service.calls.count("campaigns") == loads + 1)


def test_the_empty_list_offers_the_demo_as_a_button(page, service, qtbot) -> None:
    service.campaigns_list = []
    seeded: list[Any] = []

    async def seed(progress: Any) -> None:
        progress("Uploading the digit images", 0.5)
        seeded.append(True)
        service.campaigns_list = [digits()]

    page.offer_demo(seed)
    page.set_service(service)
    button = page.list_view.demo_button
    qtbot.waitUntil(button.isVisible)
    button.click()
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1)
    assert seeded == [True] and not button.isVisible()
    page.offer_demo(None)  # not on the devnet: no button, even with an empty list
    service.campaigns_list = []
    page.refresh_campaigns()
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 0)
    assert not button.isVisible()


def test_return_on_the_focused_start_button_starts_labeling(page, service, qtbot) -> None:
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1)
    page.open_campaign(service.campaigns_list[0])
    start = page.detail_view.start_button
    start.setFocus()
    qtbot.waitUntil(start.hasFocus)
    QTest.keyClick(start, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    assert "claim 1" in service.calls


@pytest.mark.parametrize("colors", [LIGHT, DARK])
def test_the_focus_ring_is_two_pixels_and_visible_on_primary_buttons(colors) -> None:
    sheet = build_stylesheet(colors)
    assert f"QPushButton:focus {{ border: 2px solid {colors.accent};" in sheet
    # a primary button is accent-filled with an accent border: its ring is in the text colour
    assert f'QPushButton[primary="true"]:focus {{ border: 2px solid {colors.text}; }}' in sheet


def test_shift_enter_skips_an_item_and_a_submitted_batch_gives_way_to_the_next(page, service, qtbot) -> None:
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1)
    page.open_campaign(service.campaigns_list[0])
    page.detail_view.start_button.click()
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    view = page.labeling
    assert "Shift+Enter skip" in view.hint.text()
    qtbot.waitUntil(lambda: view.canvas.has_image)
    QTest.keyClick(view.canvas, Qt.Key.Key_4)  # answers the first and moves on
    QTest.keyClick(view.canvas, Qt.Key.Key_Left)
    QTest.keyClick(view.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert view.session.index == 1 and view.session.answers()[0].empty, "skipped: left unanswered"
    QTest.keyClick(view.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert "last item" in view.status.text()
    assert view.submit_button.isEnabled() and view.hint.isEnabled()
    view.submit_button.click()
    assert view.confirm_box.text() == "2 of 2 items have no answer."
    next(b for b in view.confirm_box.buttons() if b.text() == "Submit anyway").click()
    qtbot.waitUntil(lambda: "Batch 2" in view.subtitle.text())  # claimed ahead, open at once
    qtbot.waitUntil(lambda: len(service.submitted) == 1)  # the skipped batch is sent behind it
    claim, answers = service.submitted[0]
    assert claim.batch == 0 and all(a.empty for a in answers)


@pytest.mark.parametrize("width", [740, 1380])  # the page's room in a 960x640 and a 1600x1000 window
def test_the_tabs_never_overlap_the_subtitle_and_names_are_not_cut(page, service, qtbot, width) -> None:
    service.campaigns_list = [digits(1), CampaignInfo(2, "Street signs in city photos, a long title",
                                                      TaskType.BOUNDING_BOXES, SAHARA // 2)]  # fmt: skip
    page.resize(width, 580)
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 2)
    qtbot.wait(50)
    subtitle = page.subtitle.geometry()
    first_tab = page.tab_buttons[0].geometry()
    assert subtitle.right() < first_tab.left() or subtitle.top() > first_tab.bottom()
    table = page.list_view.table
    assert table.columnWidth(0) >= table.sizeHintForColumn(0), "the campaign's name is shown whole"


def test_one_approval_in_words_per_campaign_then_no_more_questions(page, service, qtbot, tmp_path) -> None:
    from app.labeling.approvals import Approvals

    page.gate.approvals = approvals = Approvals(tmp_path / "approvals.json")
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1)
    page.open_campaign(service.campaigns_list[0])
    page.detail_view.start_button.click()
    qtbot.waitUntil(lambda: page.gate.review_box is not None)  # after today's fees are read
    review = page.gate.review_box
    words = review.informativeText()
    assert "claiming a batch" in words and "only the network fee" in words
    assert "up to 0.0036 ETH per transaction" in words, "the fee cap is named, from today's fees"
    next(b for b in review.buttons() if b.text() == "Cancel").click()
    assert not any(c.startswith("claim") for c in service.calls), "cancelled: nothing signed"
    page.detail_view.start_button.click()
    qtbot.waitUntil(lambda: page.gate.review_box is not review)
    next(b for b in page.gate.review_box.buttons() if b.text() == "Allow and start").click()
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    assert approvals.find(0, service.address, 1).fee_cap_wei == 36 * 10**14
    page.leave_labeling()
    page.open_campaign(service.campaigns_list[0])
    shown = page.gate.review_box
    page.detail_view.start_button.click()  # approved: no second question
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    assert page.gate.review_box is shown
    approvals.revoke(0, service.address, 1)  # revoked (Settings): asked again
    page.leave_labeling()
    page.open_campaign(service.campaigns_list[0])
    page.detail_view.start_button.click()
    qtbot.waitUntil(lambda: page.gate.review_box is not shown and page.gate.review_box.isVisible())
    page.gate.review_box.reject()


def test_a_fee_spike_above_the_approved_cap_asks_before_signing(page, service, qtbot, tmp_path) -> None:
    """The attack: the labeler approved at 2 gwei; fees jump a hundredfold before the next claim."""
    from app.labeling.approvals import Approvals, fee_cap_for

    page.gate.approvals = approvals = Approvals(tmp_path / "approvals.json")
    approvals.grant(0, service.address, 1, "Handwritten digits", fee_cap_for(2 * 10**9))
    page.set_service(service)
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1)
    service.outbox.max_fee_per_gas = 200 * 10**9
    page.open_campaign(service.campaigns_list[0])
    page.detail_view.start_button.click()  # approved: no consent, straight to claiming
    qtbot.waitUntil(lambda: page.gate.review_box is not None and page.gate.review_box.isVisible())
    question = page.gate.review_box
    assert (
        "Network fees have risen" in question.informativeText() and "0.06 ETH" in question.informativeText()
    )
    assert question.defaultButton().text() == "Cancel"
    assert not service.claims, "nothing is signed while the question is open"
    question.reject()  # Escape: not signed
    qtbot.waitUntil(lambda: "Not signed: its network fee" in page.detail_view.status.text())
    assert not service.claims and page.campaign_stack.currentWidget() is page.detail_view
    page.detail_view.start_button.click()  # asked again; this time the labeler accepts the new fee
    qtbot.waitUntil(lambda: page.gate.review_box is not question and page.gate.review_box.isVisible())
    next(b for b in page.gate.review_box.buttons() if b.text() == "Sign").click()
    qtbot.waitUntil(lambda: page.campaign_stack.currentWidget() is page.labeling)
    assert len(service.claims) == 1 and approvals.find(0, service.address, 1).fee_cap_wei >= 6 * 10**16


def test_settings_list_the_approvals_and_revoke_them(qtbot, tmp_path) -> None:
    from app.labeling.approvals import Approvals
    from app.ui.labeling.labeler.approvals_panel import ApprovalsPanel

    approvals = Approvals(tmp_path / "approvals.json")
    approvals.grant(31337, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 4, "Digits", 36 * 10**14)
    panel = ApprovalsPanel(approvals)
    qtbot.addWidget(panel)
    panel.show()
    shown = " ".join(label.text() for label in panel.findChildren(QLabel))
    assert "network fee up to 0.0036 ETH per transaction" in shown
    revoke = panel.findChildren(QPushButton)[0]
    assert revoke.text() == "Revoke"
    revoke.click()
    assert approvals.all() == []
    qtbot.waitUntil(lambda: not any(b.isVisible() for b in panel.findChildren(QPushButton)))
