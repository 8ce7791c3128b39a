"""The campaign list and instructions on their own, the words for amounts and refusals, and a
service swapped mid-call (its late answer must not show)."""

from __future__ import annotations

import asyncio

from labeler_fakes import DIGITS, CampaignInfo, FakeService, image_items, manifest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest

from app.labeling.schema import TaskType
from app.ui.labeling.campaign_detail import CampaignDetailView
from app.ui.labeling.campaign_list import CampaignListView
from app.ui.labeling.wording import explain, in_words, per_hour, reputation, sahara
from app.ui.operations import Operations
from app.ui.pages.label import LabelPage
from app.ui.theme import LIGHT

SAHARA = 10**18


def test_words() -> None:
    assert sahara(SAHARA // 20) == "0.05 SAHARA" and sahara(1) == "< 0.0001 SAHARA"
    assert per_hour(SAHARA // 20, TaskType.IMAGE_CLASSIFICATION) == 60 * SAHARA
    assert (
        reputation(0, None) == "New requester" and reputation(1200, 0.875) == "88% accepted · 1,200 reviewed"
    )
    record = reputation(1200, 0.875, disputes_lost=1, auto_accepted=30)
    assert record == "88% accepted · 1,200 reviewed · lost 1 dispute · 30 left unreviewed"
    assert in_words(52 * 60 + 10) == "in 52 minutes" and in_words(3 * 3600 + 300) == "in 3 hours 5 minutes"
    assert in_words(3 * 86400) == "in 3 days"
    assert "you have 3, it needs 50" in explain(Exception("reverted: ReputationTooLow(have=3, need=50)"))
    assert "16 batches you have not submitted" in explain(Exception("NoFreeSlot()"))
    assert explain(RuntimeError("the RPC timed out")) == "the RPC timed out"
    assert explain(TimeoutError()) == "TimeoutError"


def test_enter_on_a_row_opens_it_and_closed_empty_campaigns_are_hidden(app, qtbot) -> None:
    view = CampaignListView(LIGHT)
    qtbot.addWidget(view)
    view.show()
    opened = []
    view.open_requested.connect(opened.append)
    shown = CampaignInfo(1, "Digits", TaskType.IMAGE_CLASSIFICATION)
    closed = CampaignInfo(2, "Old", TaskType.NER, open=False)
    view.show_campaigns([shown, closed], {})
    assert view.table.rowCount() == 1
    view.table.setFocus()
    view.table.selectRow(0)
    assert view.open_button.isEnabled()
    QTest.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == [shown]
    view.show_campaigns([], {})
    assert view.table.isHidden() and not view.empty.isHidden()


def test_instructions_render_markdown_and_fetch_nothing(app, qtbot, monkeypatch) -> None:
    view = CampaignDetailView(LIGHT)
    qtbot.addWidget(view)
    opened: list[QUrl] = []
    monkeypatch.setattr("app.ui.labeling.campaign_detail.QDesktopServices.openUrl", opened.append)
    campaign = CampaignInfo(1, "Digits", TaskType.IMAGE_CLASSIFICATION, min_reputation=20)
    text = "# Rules\n\n![x](file:///etc/hostname) ![y](https://tracker.example/p.png)\n\n[docs](https://d.example)"
    view.show_campaign(campaign, text)
    assert view.instructions.toPlainText().startswith("Rules")
    assert (
        view.instructions.loadResource(QTextDocument.ResourceType.ImageResource, QUrl("file:///etc/hostname"))
        is None
    )
    view.instructions.anchorClicked.emit(QUrl("javascript:alert(1)"))
    view.instructions.anchorClicked.emit(QUrl("https://d.example"))
    assert opened == [QUrl("https://d.example")], "only a clicked web link opens, in the browser"
    assert view.instructions.source().isEmpty(), "the browser itself never navigates"
    assert not view.requirement.isHidden() and "20 accepted items" in view.requirement_text.text()
    assert view.facts["Est. per hour"].text() == "≈ 60 SAHARA"


def test_a_late_answer_from_a_replaced_service_is_dropped(app, loop, qtbot, tmp_path) -> None:
    page = LabelPage(LIGHT)
    qtbot.addWidget(page)
    old, new = FakeService(tmp_path / "a"), FakeService(tmp_path / "b")
    old.campaigns_list = [CampaignInfo(1, "Old account's view", TaskType.IMAGE_CLASSIFICATION)]
    new.campaigns_list = [CampaignInfo(2, "New account's view", TaskType.IMAGE_CLASSIFICATION)]
    new.manifests = {2: manifest("New", TaskType.IMAGE_CLASSIFICATION, image_items(2), DIGITS)}
    old.gate = asyncio.Event()
    try:
        page.set_service(old)
        qtbot.waitUntil(lambda: "campaigns" in old.calls)
        page.set_service(new)
        qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1)
        old.gate.set()
        qtbot.wait(50)
        assert page.list_view.table.item(0, 0).text() == "New account's view"
        page.set_service(None)
        assert page.stack.currentWidget() is page.unavailable
    finally:
        page.shutdown()
        for task in Operations.cancel_all():
            qtbot.waitUntil(task.done, timeout=10000)
