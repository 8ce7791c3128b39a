"""Publish wizard: source → card → terms → parents → review, on the one wizard framework, rendering
the Qt-free ``PublishDraft``. Publishing runs through ``app.market.publishing`` (models, agents) or
``app.labeling.publish`` (a campaign's dataset) as one operation with its progress; a failure says
why on the review step and keeps every field, so Publish can simply be pressed again (the services
name each transaction by the metadata's CID, so a retry never pays twice).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.market.context import MarketContext
from app.market.parents import check_parents
from app.market.publishing import publish
from app.studio.agent_publish import agent_models, agent_request
from app.studio.document import load_graph
from app.ui.market.context import describe
from app.ui.market.publish_flow import STEPS, PublishDraft
from app.ui.market.publish_steps import CardStep, ParentsStep, ReviewStep, SourceStep, TermsStep
from app.ui.operations import Op
from app.ui.widgets.dialogs import OperationDialog
from app.ui.widgets.fields import StatusText
from app.ui.widgets.file_chooser import choose_path
from app.ui.widgets.wizard import WizardFrame

Campaigns = Callable[[], Awaitable[list[tuple[int, str]]]]  # (campaign id, title) the account may publish
# campaign id, terms, owner share (bps), progress → asset id
PublishCampaign = Callable[[int, Any, int, Callable[[str, float], None]], Awaitable[int]]
Labelers = Callable[[int], Awaitable[int]]  # campaign id → how many labelers share its dataset


class PublishWizard(OperationDialog):
    published = Signal(int)  # the new asset's id

    def __init__(
        self,
        context: Callable[[], MarketContext],
        chain_id: int,
        parent: QWidget | None = None,
        *,
        campaigns: Campaigns | None = None,
        publish_campaign: PublishCampaign | None = None,
        labelers: Labelers | None = None,
    ) -> None:
        super().__init__("publish", describe, parent)
        self.setWindowTitle("Publish to the marketplace")
        self.setMinimumSize(640, 560)
        self.context = context
        self.campaigns = campaigns
        self.publish_campaign = publish_campaign
        self.labelers = labelers
        self.labeler_count: dict[int, int] = {}  # campaign id → labelers, read for the review step
        self.draft = PublishDraft(chain_id=chain_id)
        self.step = 0
        self.asset_id: int | None = None
        self.chooser: Any = None
        self.source, self.card, self.terms = SourceStep(), CardStep(), TermsStep()
        self.parents, self.review = ParentsStep(), ReviewStep()
        frame = WizardFrame(self, [self.source, self.card, self.terms, self.parents, self.review])
        self.caption, self.stack = frame.caption, frame.stack
        self.note = StatusText()  # why Next is refused on this step
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.stack) + 1, self.note)
        self._publishing = False
        self.back_button, self.cancel_button, self.next_button = (
            frame.back_button, frame.cancel_button, frame.next_button,
        )  # fmt: skip
        self.back_button.clicked.connect(self.back)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button.clicked.connect(self.next)
        self.source.kinds.idClicked.connect(lambda _i: self._read_source())
        self.source.add_file.connect(self._add_file)
        self.source.choose_graph.connect(self._choose_graph)
        self.card.template_button.clicked.connect(self._template)
        self.parents.check.connect(self.check_parents)
        self.parents.parents.textEdited.connect(lambda _t: self.parents.results.setText("Not checked yet."))
        for field in (self.terms.price,):
            field.textEdited.connect(lambda _t: self._read_terms())
        for box in (self.terms.commercial, self.terms.derivatives, self.terms.transferable):
            box.toggled.connect(lambda _on: self._read_terms())
        for spin in (self.terms.days, self.terms.count, self.terms.owner_share):
            spin.valueChanged.connect(lambda _v: self._read_terms())
        self._write_terms()
        self.source.show_source(self.draft)
        if campaigns is None or publish_campaign is None:
            self.source.kinds.button(2).setEnabled(False)
            self.source.kinds.button(2).setToolTip("Needs the Label page's service: an unlocked wallet")
        self._render()

    # -- reading the steps into the draft ----------------------------------------------------------

    def _read_source(self) -> None:
        self.draft.source = self.source.source()  # type: ignore[assignment]
        self.draft.files = list(self.source.paths) if self.draft.source == "model" else self.draft.files
        if self.draft.source == "dataset" and self.source.campaigns.count() == 0:
            self._load_campaigns()
        index = self.source.campaigns.currentIndex()
        self.draft.campaign = self.source.campaigns.itemData(index) if index >= 0 else None
        self.source.show_source(self.draft)
        self.source.note.set_hint("")

    def _read_card(self) -> None:
        d, c = self.draft, self.card
        d.name, d.tags, d.task_type, d.card = (
            c.name.text(),
            c.tags.text(),
            c.task.text(),
            c.card.toPlainText(),
        )

    def _write_terms(self) -> None:
        t, d = self.terms, replace(self.draft)  # a copy: each set below reads every control back
        t.price.setText(d.price)
        t.days.setValue(d.duration_days)
        t.count.setValue(d.max_licenses)
        t.commercial.setChecked(d.commercial)
        t.derivatives.setChecked(d.derivatives)
        t.transferable.setChecked(d.transferable)
        t.owner_share.setValue(d.owner_share)
        self._read_terms()

    def _read_terms(self) -> None:
        t, d = self.terms, self.draft
        d.price, d.duration_days, d.max_licenses = t.price.text(), t.days.value(), t.count.value()
        d.commercial, d.derivatives = t.commercial.isChecked(), t.derivatives.isChecked()
        d.transferable = t.transferable.isChecked()
        d.owner_share = t.owner_share.value()
        t.words.setText(f"A buyer sees: {self.draft.terms_words()}.")

    def _read(self) -> None:
        self._read_source()
        self._read_card()
        self._read_terms()
        self.draft.parents = self.parents.parents.text()
        agent = self.draft.source == "agent"
        self.parents.parents.setReadOnly(agent)
        self.parents.parents.setToolTip(
            "An agent's parents are the marketplace models its graph uses" if agent else ""
        )

    # -- files and campaigns ---------------------------------------------------------------------

    def _add_file(self) -> None:
        def chosen(path: str) -> None:
            if Path(path) not in self.source.paths:
                self.source.paths.append(Path(path))
            self._read_source()

        self.chooser = choose_path(self, "Add a model file", chosen, folder=False,
                                   filters=["ONNX models (*.onnx)", "All files (*)"])  # fmt: skip

    def _choose_graph(self) -> None:
        self.chooser = choose_path(self, "Choose the agent's graph", self.use_graph, folder=False,
                                   filters=["Agent graphs (*.json)"])  # fmt: skip

    def use_graph(self, path: str) -> None:
        """Read an agent graph: the marketplace assets its models are become its parents."""
        graph = Path(path)

        async def work(_say: Any) -> tuple[str, tuple[int, ...]]:
            models = await agent_models(self.context(), graph)
            return load_graph(graph).name, models.parents

        def read(found: tuple[str, tuple[int, ...]]) -> None:
            name, refs = found
            self.draft.use_agent(graph, name, refs)
            self.card.name.setText(self.draft.name)
            self.parents.parents.setText(self.draft.parents)
            self.source.show_source(self.draft)
            uses = f"It uses {len(refs)} marketplace asset(s): they become its parents." if refs else ""
            self.source.note.set_ok(f"Graph read. {uses}".strip())

        self.ops.run(Op("graph", work, success=read, failure=self.source.note.set_error))

    def _load_campaigns(self) -> None:
        if self.campaigns is None:
            return
        campaigns = self.campaigns

        def shown(found: list[tuple[int, str]]) -> None:
            self.source.campaigns.clear()
            for campaign_id, title in found:
                self.source.campaigns.addItem(f"#{campaign_id} {title}", campaign_id)
            self.draft.campaign = found[0][0] if found else None
            if not found:
                self.source.note.set_error(
                    "You have no campaign to publish: create one from Label → My campaigns."
                )

        self.ops.run(
            Op("campaigns", lambda _say: campaigns(), success=shown, failure=self.source.note.set_error)
        )

    def _template(self) -> None:
        self._read_card()
        if self.draft.card.strip() and self.draft.card != self.draft.template():
            self.card.card.appendPlainText("\n" + self.draft.template())
        else:
            self.card.card.setPlainText(self.draft.template())

    # -- moving on -------------------------------------------------------------------------------

    def _render(self) -> None:
        self.stack.setCurrentIndex(self.step)
        self.caption.setText(f"PUBLISH · STEP {self.step + 1} OF {len(STEPS)} · {STEPS[self.step].upper()}")
        done, busy = self.asset_id is not None, self._publishing
        self.back_button.setVisible(self.step > 0 and not done)
        self.back_button.setEnabled(not busy)
        self.cancel_button.setVisible(not done)
        self.cancel_button.setEnabled(not busy)
        last = self.step == len(STEPS) - 1
        self.next_button.setText(
            "Done" if done else "Publishing…" if busy else "&Publish" if last else "&Next"
        )
        self.next_button.setEnabled(not busy)

    def next(self) -> None:
        if self.asset_id is not None:
            self.accept()
            return
        self._read()
        name = STEPS[self.step]
        problem = self.draft.problem(name)
        if problem:
            self.note.set_error(problem)
            return
        self.note.set_hint("")
        if name == "Review":
            self.start_publish()
            return
        self.step += 1
        if STEPS[self.step] == "Card":
            from_campaign = self.draft.source == "dataset"
            for widget in (
                self.card.name,
                self.card.tags,
                self.card.task,
                self.card.card,
                self.card.template_button,
            ):
                widget.setEnabled(not from_campaign)
            if from_campaign:
                self.note.set_hint("A campaign's dataset is named and described from the campaign itself.")
        if STEPS[self.step] == "Terms":
            self.terms.show_owner_share(self.draft.source == "dataset")
        if STEPS[self.step] == "Parents":
            self.check_parents()  # shown before anything is signed, without asking
        if STEPS[self.step] == "Review":
            self._summarise()
        self._render()

    def back(self) -> None:
        if self.step > 0 and not self._publishing:
            self.note.set_hint("")
            self.step -= 1
            self._render()

    def _summarise(self) -> None:
        d = self.draft
        what = {"model": f"{len(d.files)} file(s)", "agent": f"the graph {d.graph.name if d.graph else ''}",
                "dataset": f"campaign #{d.campaign}'s dataset"}[d.source]  # fmt: skip
        parents = ", ".join(f"#{p}" for p in d.parent_ids()) or "none"
        split = ""
        if d.source == "dataset" and d.campaign is not None:
            split = "\n" + d.split_words(self.labeler_count.get(d.campaign))
            if d.campaign not in self.labeler_count:
                self._count_labelers(d.campaign)
        self.review.summary.setText(
            f"Publish the {d.source} “{d.name.strip() or '(the campaign title)'}” from {what}, encrypted.\n"
            f"Offer: {d.terms_words()}.\nParents: {parents}.{split}"
        )

    def _count_labelers(self, campaign_id: int) -> None:
        """Read how many labelers share the dataset, then say it on the review step."""
        if self.labelers is None:
            return
        labelers = self.labelers

        def counted(count: int) -> None:
            self.labeler_count[campaign_id] = count
            if STEPS[self.step] == "Review":
                self._summarise()

        self.ops.run(
            Op("labelers", lambda _say: labelers(campaign_id), success=counted,
               failure=lambda why: self.review.status.set_hint(f"Could not count the labelers: {why}"))
        )  # fmt: skip

    def check_parents(self) -> None:
        self.draft.parents = self.parents.parents.text()
        try:
            ids = self.draft.parent_ids()
        except ValueError as exc:
            self.parents.results.setText(str(exc))
            return

        async def work(_say: Any) -> list[Any]:
            return await check_parents(self.context(), ids) if ids else []

        self.ops.run(
            Op(
                "parents",
                work,
                success=self.parents.show_checks,
                failure=self.parents.results.setText,
                again=True,
            )
        )

    def start_publish(self) -> None:
        draft = self.draft
        self.review.status.set_hint("")
        self.review.progress.show()

        def say(stage: str, fraction: float) -> None:
            self.review.stage.setText(stage)
            self.review.progress.setValue(int(fraction * 100))

        async def work(_say: Any) -> int:
            if draft.source == "dataset":
                assert self.publish_campaign is not None and draft.campaign is not None
                return await self.publish_campaign(draft.campaign, draft.terms(), draft.owner_share_bps, say)
            ctx = self.context()
            if draft.source == "agent":
                assert draft.graph is not None
                request = await agent_request(
                    ctx, draft.graph, name=draft.name.strip(), card=draft.card, tags=draft.tag_list(),
                    offers=(draft.terms(),),
                )  # fmt: skip
            else:
                request = draft.request()
            return (await publish(ctx, request, progress=say)).asset_id

        self._publishing = True
        self.ops.run(
            Op("publish", work, success=self._published, failure=self._failed, changes=frozenset({"assets"}))
        )
        self._render()

    def _published(self, asset_id: int) -> None:
        self._publishing = False
        self.asset_id = asset_id
        self.review.status.set_ok(f"Published as asset #{asset_id}. It appears in search once indexed.")
        self.published.emit(asset_id)
        self._render()

    def _failed(self, why: str) -> None:
        self._publishing = False
        self.review.progress.hide()
        self.review.stage.setText("")
        self.review.status.set_error(f"{why} Everything you entered is kept: fix it and press Publish again.")
        self._render()
