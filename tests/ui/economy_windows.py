"""What a person does in the windows of the whole-economy test (test_whole_economy.py), each a
plain function over one page: in the Label page, create a campaign with the requester's wizard,
label a batch by keyboard, withdraw, close a campaign; in the Marketplace page, publish with the
wizard (model files, an agent graph or a campaign), buy in the buy dialog, accept a delivery, claim
royalties. A plain module, imported by name; ``Seller`` (annotations only) is
tests/integration/market_parties.py's."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.labeling.digits import CLASSES, load_digits
from app.labeling.schema import LabelSet, TaskType
from app.labeling.service import LabelingService
from app.market.catalog.service import MarketIndexer
from app.market.context import MarketContext
from app.ui.labeling.wording import sahara
from app.words import format_sahara

if TYPE_CHECKING:
    from market_parties import Seller  # tests/integration, on the path the test module sets

E18 = 10**18


def label_in_window(page: Any, service: LabelingService, qtbot: Any) -> set[str]:
    """The labeler opens the one campaign in the Label page, allows signing in it (the review in
    words), and labels its batch with the digit keys; the ids of the items labeled, once submitted."""
    page.set_service(service)
    page.show_list()
    qtbot.waitUntil(lambda: page.list_view.table.rowCount() == 1, timeout=30000)
    page.list_view.table.selectRow(0)
    page.list_view.open_button.click()
    qtbot.waitUntil(lambda: page.detail_view.start_button.isEnabled(), timeout=30000)
    page.gate.review_box = None
    page.detail_view.start_button.click()
    qtbot.waitUntil(lambda: page.gate.review_box is not None, timeout=30000)  # today's fees read
    next(b for b in page.gate.review_box.buttons() if b.text() == "Allow and start").click()
    view = page.labeling
    qtbot.waitUntil(
        lambda: view.session is not None and view.pages.currentIndex() == 0 and not view.busy, timeout=60000
    )
    labels = load_digits()[1]
    items = {item.id for item in view.session.items}
    for item in view.session.items:
        qtbot.waitUntil(lambda: view.canvas.has_image, timeout=10000)
        digit = int(labels[int(item.id.removeprefix("digit-").removesuffix(".png"))])  # from its file name
        QTest.keyClick(view.canvas, getattr(Qt.Key, f"Key_{digit}"))
    flow = page._flow
    qtbot.waitUntil(lambda: len(flow.pipeline.submitted) == 1, timeout=60000)  # sent behind
    return items


def create_in_window(
    page: Any, service: LabelingService, qtbot: Any, folder: Path, *, reward: str, batch: int
) -> int:
    """The requester's My campaigns tab, New campaign…: the wizard imports the folder of digit
    images, takes the ten digit classes (typed into the label set table, each its digit's hotkey),
    a title, the reward and batch size; the summary says the escrow; Create funds it. Its id."""
    from app.labeling.campaign_rules import Step

    page.set_service(service)
    page.show_tab(2)
    panel = page.requester
    panel.new_button.click()
    dialog = panel.wizard
    dialog.source.choose_path(str(folder))
    qtbot.waitUntil(lambda: not dialog.source.importing, timeout=30000)
    dialog.next()
    assert dialog.step == Step.TASK, dialog.source.status.text()
    dialog.task.select_task(TaskType.IMAGE_CLASSIFICATION)
    dialog.task.editor.set_label_set(LabelSet.from_names(CLASSES))
    dialog.next()
    assert dialog.step == Step.INSTRUCTIONS
    dialog.instructions.title_edit.setText("Digits")
    dialog.instructions.editor.setPlainText("Press the digit you see.")
    dialog.next()
    assert dialog.step == Step.QUALITY
    dialog.quality.reward.setText(reward)
    dialog.quality.batch_size.setValue(batch)
    dialog.next()
    assert dialog.step == Step.SUMMARY, dialog.quality.reward_status.text()
    with qtbot.waitSignal(dialog.accepted, timeout=120000):
        dialog.next()  # Create campaign: images uploaded, the escrow funded
    assert dialog.created_id is not None
    return int(dialog.created_id)


def withdraw_in_window(page: Any, service: LabelingService, qtbot: Any, amount: int) -> None:
    """The labeler's Earnings tab shows ``amount`` ready; Withdraw, reviewed in words, sends it."""
    page.set_service(service)
    page.show_tab(1)
    earnings_view = page.earnings_view
    earnings_view.refresh()
    qtbot.waitUntil(lambda: not earnings_view.ops.busy("earnings"), timeout=30000)
    assert earnings_view.withdrawable.text() == f"Ready to withdraw: {sahara(amount)}"
    earnings_view.withdraw_button.click()
    assert "Withdraw " in earnings_view.review_box.informativeText()
    next(b for b in earnings_view.review_box.buttons() if b.text() == "Withdraw").click()
    ops = earnings_view.ops
    qtbot.waitUntil(lambda: not ops.busy("withdraw") and not ops.busy("earnings"), timeout=60000)
    assert earnings_view.withdrawable.text().startswith(f"All withdrawn: {sahara(amount)} is in your wallet")


def market_window(qtbot: Any, indexer: MarketIndexer, ctx: MarketContext, tmp_path: Path) -> Any:
    """The Marketplace page on its own, reading ``indexer``'s catalogue, acting as ``ctx``'s account."""
    from app.ui.pages.marketplace import MarketplacePage
    from app.ui.theme import LIGHT

    page = MarketplacePage(LIGHT)
    qtbot.addWidget(page)
    page.resize(1280, 820)
    page.show()
    qtbot.waitExposed(page)
    page.account.context = lambda: ctx
    page.account.downloads = tmp_path / "downloads"
    page.set_catalog(indexer)
    page.set_account(ctx.account)
    return page


def buy_in_window(page: Any, asset_id: int, name: str, qtbot: Any, seller: Seller) -> tuple[Any, int]:
    """Search by name, open the asset from the keyboard, buy its one offer in the buy dialog while
    the seller's key delivery runs; the verified download and the license's id."""

    async def deliver() -> None:
        while not (await seller.service.run_once()).delivered:
            await asyncio.sleep(0.2)

    page.go_back()
    page.browse.filters.search.clear()
    qtbot.keyClicks(page.browse.filters.search, name)
    results = page.browse.results

    def row() -> int | None:
        page.refresh()
        ids = [results.item(i).data(Qt.ItemDataRole.UserRole) for i in range(results.count())]
        return ids.index(asset_id) if asset_id in ids else None

    qtbot.waitUntil(lambda: row() is not None, timeout=60000)
    results.setFocus()
    results.setCurrentRow(row())
    qtbot.keyClick(results, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: page.asset.detail is not None and page.asset.detail.asset_id == asset_id
        and page.asset.detail.meta_status == "ok" and len(page.asset.detail.offers) == 1,
        timeout=30000,
    )  # fmt: skip
    page.asset.show_tab("Licenses")
    page.asset.offers.itemAt(0).widget().buy_button.click()
    dialog = page.account.dialog
    qtbot.waitUntil(lambda: dialog.buy_button.isEnabled() or dialog.problem.isVisible(), timeout=30000)
    assert dialog.buy_button.isEnabled(), dialog.problem.text()
    assert "held in escrow" in dialog.words.text()
    delivering = asyncio.ensure_future(deliver())
    dialog.buy_button.click()
    qtbot.waitUntil(lambda: dialog.saved is not None or dialog.problem.isVisible(), timeout=180000)
    assert dialog.saved is not None, dialog.problem.text()
    qtbot.waitUntil(delivering.done, timeout=30000)
    delivering.result()
    assert "matches the published hash" in dialog.done_line.text()
    saved, license_id = dialog.saved, dialog.license_id
    dialog.close_button.click()
    return saved, license_id


def publish_in_window(
    page: Any, qtbot: Any, *, price: int, files: list[Path] = (), graph: Path | None = None, name: str = "",
    parent: int,
) -> int:  # fmt: skip
    """The publish wizard, step by step: model files (or an agent graph), card, price, the parent
    (typed for a model, read from an agent's graph), the review in words, publish; the asset's id."""
    page.publish_button.click()
    wizard = page.account.wizard
    if graph is not None:
        wizard.source.kinds.button(1).click()  # an agent, from a studio graph
        wizard.use_graph(str(graph))
        qtbot.waitUntil(lambda: wizard.parents.parents.text() != "", timeout=30000)
    else:
        wizard.source.paths.extend(files)
        wizard._read_source()
    wizard.next()
    if name:
        wizard.card.name.setText(name)
    wizard.card.tags.setText("digits, onnx")
    wizard.card.template_button.click()
    wizard.next()
    wizard.terms.price.setText(f"{price // E18}.{price % E18:018d}")
    wizard.next()
    if graph is None:
        wizard.parents.parents.setText(f"#{parent}")
    wizard.next()
    assert f"Parents: #{parent}." in wizard.review.summary.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.asset_id is not None or wizard.review.status.is_error, timeout=120000)
    assert wizard.asset_id is not None, wizard.review.status.text()
    asset_id = int(wizard.asset_id)
    wizard.next()  # Done
    return asset_id


def publish_campaign_in_window(page: Any, qtbot: Any, campaign_id: int, *, price: int, labelers: int) -> int:
    """The publish wizard's third source: the requester's settled campaign (named and described from
    the campaign; its labelers the contributors), priced, keeping the default 10 % owner share (the
    split said in words on the review step), no parents; the dataset's asset id."""
    page.publish_button.click()
    wizard = page.account.wizard
    wizard.source.kinds.button(2).click()  # a dataset, from a labeling campaign
    qtbot.waitUntil(lambda: wizard.source.campaigns.count() > 0, timeout=30000)
    wizard.source.campaigns.setCurrentIndex(wizard.source.campaigns.findData(campaign_id))
    wizard.next()
    assert not wizard.card.name.isEnabled()  # named from the campaign itself
    wizard.next()
    wizard.terms.price.setText(f"{price // E18}.{price % E18:018d}")
    assert wizard.terms.form.isRowVisible(wizard.terms.owner_share) and wizard.terms.owner_share.value() == 10
    wizard.next()
    wizard.next()
    assert f"campaign #{campaign_id}'s dataset" in wizard.review.summary.text()
    split = f"You keep 10 % of this dataset's royalties; its {labelers} labelers share 90 % by accepted items"
    qtbot.waitUntil(lambda: split in wizard.review.summary.text(), timeout=30000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.asset_id is not None or wizard.review.status.is_error, timeout=120000)
    assert wizard.asset_id is not None, wizard.review.status.text()
    asset_id = int(wizard.asset_id)
    wizard.next()  # Done
    return asset_id


def claim_in_window(page: Any, qtbot: Any, amount: int) -> None:
    """The Marketplace page's Earnings section shows ``amount`` to claim; Claim all pays it in one
    transaction and says so."""
    page.show_section(2)
    earned = page.earnings
    qtbot.waitUntil(
        lambda: earned.total.text() == format_sahara(amount) and earned.claim_button.isEnabled(),
        timeout=30000,
    )
    earned.claim_button.click()
    qtbot.waitUntil(lambda: not earned.done.isHidden() or not earned.problem.isHidden(), timeout=60000)
    assert earned.done.text() == f"Claimed {format_sahara(amount)} in one transaction.", earned.problem.text()


def accept_in_window(page: Any, qtbot: Any, license_id: int) -> None:
    """My licenses lists the delivered license; Accept delivery releases its escrow to the seller."""
    page.show_section(1)

    def button() -> Any:
        row = page.licenses.rows.get(license_id)
        return None if row is None else row.accept_button

    qtbot.waitUntil(lambda: button() is not None, timeout=30000)
    button().click()
    qtbot.waitUntil(lambda: f"Accepted license #{license_id}." in page.status.text(), timeout=60000)


def close_in_window(page: Any, service: LabelingService, qtbot: Any) -> None:
    """The requester's My campaigns tab: open the campaign's monitor, Close, confirm in words."""
    page.set_service(service)
    page.show_tab(2)
    panel = page.requester
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=30000)
    panel.table.selectRow(0)
    panel.monitor_button.click()
    monitor = panel.monitor
    qtbot.waitUntil(lambda: monitor.stats is not None, timeout=30000)
    monitor.close_button.click()
    next(b for b in monitor.confirm_box.buttons() if b.text() == "Close campaign").click()
    qtbot.waitUntil(lambda: monitor.status.text().startswith("Closed."), timeout=60000)
