"""The requester's "My campaigns": only the active account's campaigns, the monitor's figures from
the service (refreshed on a timer while shown), export with the chosen format and folder, publish
with a price, close after a confirmation with the refunded escrow; the Label page embeds the panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox
from requester_fakes import LABELERS, SAHARA, FakeRequesterService, campaign, my_campaigns

from app.labeling.schema import TaskType
from app.ui.labeling.requester.campaign_actions import ExportDialog, PublishDialog
from app.ui.labeling.requester.requester_panel import RequesterPanel
from app.ui.labeling.requester.wizard import NewCampaignDialog
from app.ui.pages.label import LabelPage
from app.ui.theme import LIGHT


@pytest.fixture
def service() -> FakeRequesterService:
    return FakeRequesterService(campaigns_list=my_campaigns())


@pytest.fixture
def panel(loop, qtbot, service) -> RequesterPanel:
    widget = RequesterPanel(LIGHT)
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show()
    widget.set_service(service)
    qtbot.waitUntil(lambda: widget.table.rowCount() == 2)
    return widget


def cells(table, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def open_monitor(panel: RequesterPanel, qtbot) -> None:
    panel.table.selectRow(0)
    panel.monitor_button.click()
    assert panel.stack.currentWidget() is panel.monitor
    qtbot.waitUntil(lambda: panel.monitor.stats is not None)


def test_only_my_campaigns_are_listed_open_first(panel) -> None:
    assert cells(panel.table, 0) == [
        "Handwritten digits 0–9", "Image classification", "40", "2", "0.05 SAHARA", "3 SAHARA", "Open",
    ]  # fmt: skip
    assert cells(panel.table, 1)[0] == "Old tickets" and cells(panel.table, 1)[-1] == "Closed"
    assert panel.count.text() == "2 campaigns"
    assert not panel.monitor_button.isEnabled()


def test_the_monitor_shows_the_services_figures_and_refreshes_while_shown(panel, service, qtbot) -> None:
    open_monitor(panel, qtbot)
    monitor = panel.monitor
    assert service.calls.count("monitor 3") == 1
    assert monitor.progress.maximum() == 80 and monitor.progress.value() == 50
    assert monitor.progress_text.text() == "50 of 80 labels (62%)"
    assert monitor.cost.value.text() == "2 SAHARA" and monitor.agreement.value.text() == "87%"
    assert monitor.reviewed.value.text() == "8 of 10" and monitor.escrow.value.text() == "3 SAHARA"
    assert monitor.labelers.rowCount() == 2
    assert cells(monitor.labelers, 0) == ["0x7099…79C8", "6", "29", "1", "95%"]
    assert monitor.labelers.item(0, 0).toolTip() == LABELERS[0]
    assert cells(monitor.flagged, 1) == ["digits/0031.png", "(no answer)", "34%", "3"]
    assert monitor.timer.isActive() and monitor.timer.interval() == 10_000
    monitor.timer.timeout.emit()
    qtbot.waitUntil(lambda: service.calls.count("monitor 3") == 2)
    monitor.back_button.click()
    assert panel.stack.currentWidget() is panel.list_page and not monitor.timer.isActive()


def test_export_uses_the_chosen_format_and_folder_and_offers_to_open_it(
    panel, service, qtbot, tmp_path, monkeypatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr("app.ui.labeling.requester.campaign_actions.QDesktopServices.openUrl", opened.append)
    open_monitor(panel, qtbot)
    panel.monitor.export_button.click()
    dialog = panel.monitor.dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == [
        "coco", "yolo", "voc", "jsonl", "csv", "labelstudio",
    ]  # fmt: skip
    dialog.format.setCurrentIndex(dialog.format.findData("yolo"))
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.go_button.click()
    qtbot.waitUntil(lambda: dialog.files != [])
    assert service.exported == [(3, "yolo", tmp_path / "out")]
    assert dialog.status.text() == f"Exported 2 files to {tmp_path / 'out'}"
    assert dialog.open_button.isVisible() and dialog.go_button.isHidden()
    dialog.open_button.click()
    assert [Path(u.toLocalFile()) for u in opened] == [tmp_path / "out"]
    dialog.reject()


def test_publish_takes_a_price_in_sahara_and_shows_the_asset(panel, service, qtbot) -> None:
    open_monitor(panel, qtbot)
    panel.monitor.publish_button.click()
    dialog = panel.monitor.dialog
    assert isinstance(dialog, PublishDialog)
    dialog.price.setText("1,5")
    dialog.go_button.click()
    assert dialog.status.is_error and service.published == []
    dialog.price.setText("1.5")
    dialog.go_button.click()
    qtbot.waitUntil(lambda: dialog.asset_id == 42)
    assert service.published == [(3, 3 * SAHARA // 2)]
    assert dialog.status.text() == "Published as dataset asset #42, for 1.5 SAHARA."
    dialog.reject()


def test_close_asks_first_then_reports_the_refund(panel, service, qtbot) -> None:
    open_monitor(panel, qtbot)
    monitor = panel.monitor
    monitor.close_button.click()
    box = monitor.confirm_box
    assert box is not None and box.isVisible() and box.text() == "Close “Handwritten digits 0–9”?"
    next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole).click()
    assert service.closed == []
    monitor.close_button.click()
    next(b for b in monitor.confirm_box.buttons() if b.text() == "Close campaign").click()
    qtbot.waitUntil(lambda: monitor.status.text().startswith("Closed."))
    assert service.closed == [3]
    assert monitor.status.text() == "Closed. 3 SAHARA of unspent escrow went back to your account."
    assert not monitor.close_button.isEnabled() and monitor.escrow.value.text() == "0 SAHARA"
    qtbot.waitUntil(lambda: cells(panel.table, 1)[-1] == "Closed" and panel.table.rowCount() == 2)


def test_a_refused_close_is_said_in_words(panel, service, qtbot) -> None:
    service.close_error = RuntimeError("execution reverted: CampaignNotOpen()")
    open_monitor(panel, qtbot)
    panel.monitor.close_campaign()
    qtbot.waitUntil(lambda: "not closed" in panel.monitor.status.text())
    assert panel.monitor.status.text() == (
        "The campaign was not closed: This campaign is closed: it takes no more work."
    )
    assert panel.monitor.close_button.isEnabled()


def test_a_new_campaign_opens_its_monitor_once_created(panel, service, qtbot) -> None:
    panel.new_button.click()
    wizard = panel.wizard
    assert isinstance(wizard, NewCampaignDialog) and wizard.isVisible()
    wizard.reject()
    service.campaigns_list.append(campaign(9, "Fresh", TaskType.IMAGE_CLASSIFICATION))
    panel._created(9)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.monitor)
    assert panel.monitor.campaign.campaign_id == 9


def test_without_a_service_the_panel_says_why(panel) -> None:
    panel.set_service(None)
    assert panel.status.text() == "Unlock your wallet to see and create campaigns."
    assert not panel.new_button.isEnabled() and panel.table.rowCount() == 0


def test_the_label_page_holds_the_panel_in_my_campaigns(loop, qtbot, service) -> None:
    page = LabelPage(LIGHT)
    qtbot.addWidget(page)
    page.show()
    page.set_service(service)
    page.show_tab(2)
    assert isinstance(page.requester, RequesterPanel) and page.requester.isVisible()
    qtbot.waitUntil(lambda: page.requester.table.rowCount() == 2)
    page.set_service(None)
    assert page.requester.service is None
