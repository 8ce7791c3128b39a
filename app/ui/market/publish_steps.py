"""The publish wizard's steps (``app.ui.widgets.wizard.Step``), each reading and writing the
Qt-free ``PublishDraft``: source, card, terms, parents (with the licence check shown before
signing) and the review with its progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
)

from app.market.parents import ParentCheck
from app.ui.market.publish_flow import PublishDraft
from app.ui.widgets import action_button, styled_label
from app.ui.widgets.fields import StatusText, progress_bar
from app.ui.widgets.wizard import Step

SOURCES = (
    ("model", "A model, from ONNX files", "The files are encrypted; buyers get the key when they pay."),
    ("agent", "An agent, from a studio graph", "The models it uses (asset: references) become its parents."),
    ("dataset", "A dataset, from a labeling campaign", "Its labelers share the royalties by accepted items."),
)


class SourceStep(Step):
    add_file = Signal()
    choose_graph = Signal()

    def __init__(self) -> None:
        super().__init__("What do you publish?", "Choose what the asset is made from.")
        self.kinds = QButtonGroup(self)
        for i, (_key, label, hint) in enumerate(SOURCES):
            radio = QRadioButton(label)
            radio.setToolTip(hint)
            self.kinds.addButton(radio, i)
            self.body.addWidget(radio)
            self.body.addWidget(styled_label(hint, "hint", wrap=True))
        self.kinds.button(0).setChecked(True)
        self.files = QListWidget()
        self.files.setMaximumHeight(110)
        self.files.setAccessibleName("Files to publish")
        self.body.addWidget(self.files)
        row = QHBoxLayout()
        self.add_button = action_button("Add file…", self.add_file.emit)
        self.remove_button = action_button("Remove", self._remove)
        self.graph_button = action_button("Choose graph…", self.choose_graph.emit)
        self.campaigns = QComboBox()
        self.campaigns.setAccessibleName("Campaign")
        for widget in (self.add_button, self.remove_button, self.graph_button, self.campaigns):
            row.addWidget(widget)
        row.addStretch(1)
        self.body.addLayout(row)
        self.note = StatusText()
        self.body.addWidget(self.note)
        self.paths: list[Path] = []

    def source(self) -> str:
        return SOURCES[max(0, self.kinds.checkedId())][0]

    def show_source(self, draft: PublishDraft) -> None:
        model, agent, dataset = (draft.source == k for k in ("model", "agent", "dataset"))
        self.add_button.setVisible(model)
        self.remove_button.setVisible(model)
        self.graph_button.setVisible(agent)
        self.campaigns.setVisible(dataset)
        self.files.setVisible(not dataset)
        self.files.clear()
        shown = draft.files if model else [draft.graph] if agent and draft.graph else []
        for path in shown:
            self.files.addItem(str(path))
        self.paths = list(draft.files)

    def _remove(self) -> None:
        row = self.files.currentRow()
        if 0 <= row < len(self.paths):
            del self.paths[row]
            self.files.takeItem(row)


class CardStep(Step):
    def __init__(self) -> None:
        super().__init__(
            "Describe it",
            "The card is Markdown, shown on the asset page without fetching anything: images show as words.",
            fill=True,
        )
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("digits, vision, onnx")
        self.task = QLineEdit()
        self.task.setPlaceholderText("image_classification")
        form.addRow("Name", self.name)
        form.addRow("Tags", self.tags)
        form.addRow("Task type", self.task)
        self.body.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(styled_label("Card", "muted"))
        row.addStretch(1)
        self.template_button = action_button("Use the template", lambda: None)
        row.addWidget(self.template_button)
        self.body.addLayout(row)
        self.card = QPlainTextEdit()
        self.card.setAccessibleName("Card (Markdown)")
        self.body.addWidget(self.card, 1)


class TermsStep(Step):
    def __init__(self) -> None:
        super().__init__("License terms", "What a buyer pays and may do. You can add offers later.")
        form = QFormLayout()
        self.price = QLineEdit("1")
        self.price.setAccessibleName("Price in SAHARA")
        self.days = QSpinBox()
        self.days.setRange(0, 36_500)
        self.days.setSpecialValueText("Perpetual")
        self.days.setSuffix(" days")
        self.count = QSpinBox()
        self.count.setRange(0, 1_000_000)
        self.count.setSpecialValueText("Unlimited")
        self.owner_share = QSpinBox()
        self.owner_share.setRange(0, 100)
        self.owner_share.setSuffix(" %")
        self.owner_share.setAccessibleName("Share of the royalties you keep")
        self.owner_share.setToolTip(
            "Of this dataset's royalties, what you (whoever owns it) keep; its labelers share the rest "
            "by accepted items. Fixed once published."
        )
        form.addRow("Price (SAHARA)", self.price)
        form.addRow("Duration", self.days)
        form.addRow("Licenses", self.count)
        form.addRow("You keep", self.owner_share)
        self.form = form
        self.body.addLayout(form)
        self.commercial = QCheckBox("Commercial use allowed")
        self.derivatives = QCheckBox("Derivatives allowed (others may publish work built on it)")
        self.transferable = QCheckBox("Transferable to another account")
        self.encrypted = QCheckBox("Encrypt the content (only license holders get the key)")
        self.encrypted.setChecked(True)
        self.encrypted.setEnabled(False)
        self.encrypted.setToolTip("Always on: the key reaches buyers through key delivery")
        for box in (self.commercial, self.derivatives, self.transferable, self.encrypted):
            self.body.addWidget(box)
        self.words = styled_label("", "muted", wrap=True)
        self.body.addWidget(self.words)

    def show_owner_share(self, shown: bool) -> None:
        """Only a campaign's dataset has labelers to share its royalties with."""
        self.form.setRowVisible(self.owner_share, shown)


class ParentsStep(Step):
    check = Signal()

    def __init__(self) -> None:
        super().__init__(
            "What does it derive from?",
            "Parents receive a share of its revenue. Each needs your license that allows derivatives "
            "(or your ownership): it is checked here, before anything is signed.",
        )
        row = QHBoxLayout()
        self.parents = QLineEdit()
        self.parents.setPlaceholderText("Asset ids, e.g. 1, 4 (none for an original work)")
        self.parents.setAccessibleName("Parent asset ids")
        row.addWidget(self.parents, 1)
        self.check_button = action_button("Check licenses", self.check.emit)
        row.addWidget(self.check_button)
        self.body.addLayout(row)
        self.results = styled_label("", wrap=True)
        self.results.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.results)

    def show_checks(self, checks: list[ParentCheck]) -> None:
        lines = [f"{'✓' if c.ok else '✗'} Asset #{c.asset_id}: {c.reason}" for c in checks]
        self.results.setText("\n".join(lines) or "No parents: an original work.")


class ReviewStep(Step):
    def __init__(self) -> None:
        super().__init__("Review and publish", "Nothing is signed until you press Publish.")
        self.summary = styled_label("", wrap=True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.summary)
        self.stage = styled_label("", "muted", wrap=True)
        self.body.addWidget(self.stage)
        self.progress = progress_bar(100, 6)
        self.body.addWidget(self.progress)
        self.status = StatusText()
        self.body.addWidget(self.status)
