"""The widgets of each "New campaign" step; ``NewCampaignDialog`` moves between them and asks
``campaign_form`` whether what they hold is good. No rules live here, only what is shown."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.labeling.formats import FORMATS, ImportResult
from app.labeling.schema import Item, TaskType
from app.ui.labeling.campaign_detail import InstructionsBrowser
from app.ui.labeling.campaign_form import CampaignForm, problem_line
from app.ui.labeling.label_set_editor import LabelSetEditor
from app.ui.labeling.wording import DECIMALS
from app.ui.theme import Colors
from app.ui.wallet.common import StatusText, heading
from app.ui.widgets import Card, styled_label
from app.wallet.tx_summary import format_units

SAMPLE_SIZE = 56
SAMPLES = 10
FORMAT_NAMES = {
    "folder": "Folder of images (subfolders are classes)",
    "csv": "CSV",
    "jsonl": "JSON Lines",
    "coco": "COCO JSON",
    "yolo": "YOLO folder",
    "voc": "Pascal VOC",
    "labelstudio": "Label Studio JSON",
}


def exact(amount: int) -> str:
    """Every decimal of a SAHARA amount: what the wallet pays is shown to the last wei."""
    return f"{format_units(amount, DECIMALS)} SAHARA"


class Step(QWidget):
    """A page with a title and a one-paragraph explanation; ``body`` takes the rest."""

    def __init__(self, title: str, explanation: str) -> None:
        super().__init__()
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(8)
        self.title, self.explanation = heading(title, explanation)
        self.column.addWidget(self.title)
        self.column.addWidget(self.explanation)
        self.column.addSpacing(6)
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        self.column.addLayout(self.body, 1)


def sample_images(items: list[Item]) -> list[QImage]:
    """A few imported images as small thumbnails (QImage: safe in a worker thread), so the
    requester sees at a glance that this is the right folder. Unreadable ones are left out."""
    images = []
    for item in items[:: max(1, len(items) // SAMPLES)][:SAMPLES]:  # spread over the classes
        image = QImage(item.source) if item.source and item.text is None else QImage()
        if not image.isNull():
            images.append(
                image.scaled(
                    QSize(SAMPLE_SIZE, SAMPLE_SIZE),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
    return images


def _spin(low: int, high: int, value: int, suffix: str = "", name: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setAccessibleName(name)
    spin.setMinimumWidth(200)
    return spin


class SourceStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Where are the items?",
            "A folder of images (one subfolder per class labels them), or a CSV, JSON Lines, COCO, YOLO, "
            "Pascal VOC or Label Studio export. Labels already in it can become gold answers.",
        )
        row = QHBoxLayout()
        row.setSpacing(8)
        self.path = QLineEdit()
        self.path.setPlaceholderText("A folder or a file…")
        self.path.setAccessibleName("Folder or file to import")
        row.addWidget(self.path, 1)
        self.folder_button = QPushButton("Choose &folder…")
        self.file_button = QPushButton("Choose f&ile…")
        for button in (self.folder_button, self.file_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        self.body.addLayout(row)
        form = QHBoxLayout()
        form.addWidget(styled_label("Format", "muted"))
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        self.format.addItem("Detect from the file", None)
        for fmt in FORMATS:
            self.format.addItem(FORMAT_NAMES.get(fmt, fmt), fmt)
        form.addWidget(self.format)
        form.addStretch(1)
        self.body.addLayout(form)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.hide()
        self.body.addWidget(self.busy)
        self.status = StatusText()
        self.body.addWidget(self.status)
        self.found = styled_label("", "bullet", wrap=True)
        self.found.hide()
        self.body.addWidget(self.found)
        self.samples = QHBoxLayout()
        self.samples.setSpacing(6)
        self.samples.addStretch(1)
        self.body.addLayout(self.samples)
        self.problems_title = styled_label("", "section")
        self.problems_title.hide()
        self.body.addWidget(self.problems_title)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Import problems")
        self.problems.setAlternatingRowColors(True)
        self.problems.setUniformItemSizes(True)
        self.problems.setStyleSheet(list_style(colors))
        self.problems.hide()
        self.body.addWidget(self.problems, 1)
        self.body.addStretch(0)

    def set_busy(self, text: str | None) -> None:
        self.busy.setVisible(text is not None)
        for widget in (self.path, self.folder_button, self.file_button, self.format):
            widget.setEnabled(text is None)
        if text is not None:
            self.status.set_hint(text)
            self.show_samples([])
            self.found.hide()
            self.problems_title.hide()
            self.problems.hide()

    def show_samples(self, images: list[QImage]) -> None:
        while self.samples.count() > 1:
            widget = self.samples.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for i, image in enumerate(images):
            thumb = QLabel()
            thumb.setPixmap(QPixmap.fromImage(image))
            thumb.setFixedSize(SAMPLE_SIZE + 8, SAMPLE_SIZE + 8)
            thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
            thumb.setObjectName("Card")
            thumb.setAccessibleName(f"Sample image {i + 1}")
            self.samples.insertWidget(i, thumb)

    def show_result(self, result: ImportResult) -> None:
        labeled = len(result.annotations)
        classes = result.class_names
        parts = [f"{len(result.items):,} item{'s' if len(result.items) != 1 else ''} found"]
        if classes:
            shown = ", ".join(classes[:12]) + (f" and {len(classes) - 12} more" if len(classes) > 12 else "")
            parts.append(f"{len(classes)} class{'es' if len(classes) != 1 else ''}: {shown}")
        parts.append(f"{labeled:,} already labeled" if labeled else "none labeled yet")
        self.found.setText(" · ".join(parts))
        self.found.show()
        count = len(result.problems)
        self.problems_title.setText(
            f"{count} problem{'s' if count != 1 else ''}: these were skipped or changed" if count else ""
        )
        self.problems_title.setVisible(bool(count))
        self.problems.clear()
        self.problems.addItems([problem_line(p) for p in result.problems])
        self.problems.setVisible(bool(count))
        if result.items:
            self.status.set_ok(
                "Imported. The problems below were left out; press Next to go on." if count else "Imported."
            )
        else:
            self.status.set_error("Nothing to label was found: choose another folder, file or format.")


class TaskStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "What should labelers do?",
            "Choose the task and the classes. Labelers see the classes in this order and press each one's "
            "hotkey to pick it.",
        )
        row = QHBoxLayout()
        row.addWidget(styled_label("Task", "muted"))
        self.task = QComboBox()
        self.task.setAccessibleName("Task type")
        for task in TaskType:
            self.task.addItem(task.title, task)
        row.addWidget(self.task)
        row.addStretch(1)
        self.body.addLayout(row)
        self.task_status = StatusText()
        self.body.addWidget(self.task_status)
        self.editor = LabelSetEditor(colors)
        self.body.addWidget(self.editor, 1)
        self.mismatch = StatusText()
        self.body.addWidget(self.mismatch)

    def selected_task(self) -> TaskType:
        return TaskType(self.task.currentData())

    def select_task(self, task: TaskType) -> None:
        self.task.setCurrentIndex(self.task.findData(task))

    def show_mismatch(self, unknown: Counter[str]) -> None:
        """Imported labels the label set lacks: answers with them cannot be gold."""
        if not unknown:
            self.mismatch.set_hint("")
            return
        names = ", ".join(f"“{n}” ({count})" for n, count in unknown.most_common(10))
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        self.mismatch.set_hint(
            f"Imported labels not in this label set: {names}{more}. Items labeled with them cannot be gold."
        )


def list_style(colors: Colors) -> str:
    """A list of problems in the look of the tables: a quiet box, roomy rows."""
    c = colors
    return (
        f"QListWidget {{ background: {c.surface}; color: {c.text}; border: 1px solid {c.border};"
        f" border-radius: 10px; padding: 4px; alternate-background-color: {c.surface_alt}; outline: none; }}"
        " QListWidget::item { padding: 5px 8px; }"
    )


def preview_style(colors: Colors) -> str:
    c = colors
    return (
        f"QTextBrowser {{ background: {c.surface}; color: {c.text}; border: 1px solid {c.border};"
        " border-radius: 8px; }"
    )


class InstructionsStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Tell labelers how",
            "Write the instructions in Markdown, with examples of hard cases; the preview is what labelers "
            "see. Images and links to other sites are not loaded for them.",
        )
        form = QFormLayout()
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("e.g. Handwritten digits 0–9")
        self.title_edit.setAccessibleName("Campaign title")
        self.title_edit.setMaxLength(200)
        form.addRow("Title", self.title_edit)
        self.body.addLayout(form)
        self.status = StatusText()
        self.body.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Instructions in Markdown")
        self.editor.setTabChangesFocus(True)
        self.preview = InstructionsBrowser()
        self.preview.setAccessibleName("Instructions preview")
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preview.document().setDocumentMargin(14)
        self.preview.setStyleSheet(preview_style(colors))
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setSizes([1, 1])
        split.setChildrenCollapsible(False)
        self.body.addWidget(split, 1)
        self._render = QTimer(self)
        self._render.setSingleShot(True)
        self._render.setInterval(150)  # one render per pause in typing, not per key
        self._render.timeout.connect(self.render_preview)
        self.editor.textChanged.connect(self._render.start)

    def render_preview(self) -> None:
        self.preview.setMarkdown(self.editor.toPlainText())


class QualityStep(Step):
    def __init__(self) -> None:
        super().__init__(
            "Quality and pay",
            "More labelers per item and hidden gold answers make the result trustworthy. Batches below the "
            "gold accuracy are rejected automatically; the rest are reviewed within the review window.",
        )
        grid = QFormLayout()
        grid.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(8)
        self.redundancy = _spin(1, 10, 1, "", "Labelers per item")
        grid.addRow("Labelers per item", self.redundancy)
        reward_row = QHBoxLayout()
        self.reward = QLineEdit()
        self.reward.setPlaceholderText("0.05")
        self.reward.setAccessibleName("Reward per item in SAHARA")
        self.reward.setFixedWidth(200)
        reward_row.addWidget(self.reward)
        reward_row.addWidget(styled_label("SAHARA", "muted"))
        reward_row.addStretch(1)
        grid.addRow("Reward per item", reward_row)
        self.reward_status = StatusText()
        grid.addRow("", self.reward_status)
        self.batch_size = _spin(1, 1000, 10, " items", "Batch size")
        grid.addRow("Batch size", self.batch_size)
        self.review_days = _spin(1, 30, 3, " days", "Review window in days")
        self.review_days.setToolTip("Batches not reviewed within this time are accepted automatically.")
        grid.addRow("Review window", self.review_days)
        self.claim_minutes = _spin(5, 24 * 60, 60, " min", "Claim time limit in minutes")
        self.claim_minutes.setToolTip("A claimed batch goes back to the pool when not submitted in time.")
        grid.addRow("Time to label a batch", self.claim_minutes)
        self.min_reputation = _spin(0, 1_000_000, 0, " accepted items", "Minimum labeler reputation")
        grid.addRow("Minimum reputation", self.min_reputation)
        self.min_gold = _spin(0, 100, 80, " %", "Minimum gold accuracy in percent")
        grid.addRow("Minimum gold accuracy", self.min_gold)
        self.body.addLayout(grid)

        self.body.addWidget(styled_label("Gold items", "section"))
        self.gold_group = QButtonGroup(self)
        self.no_gold = QRadioButton("No gold items")
        gold_row = QHBoxLayout()
        self.use_gold = QRadioButton("Use the imported labels of")
        self.gold_count = _spin(1, 1, 1, " random items", "Number of gold items")
        gold_row.addWidget(self.use_gold)
        gold_row.addWidget(self.gold_count)
        gold_row.addWidget(styled_label("as gold", "muted"))
        gold_row.addStretch(1)
        self.gold_group.addButton(self.no_gold)
        self.gold_group.addButton(self.use_gold)
        self.no_gold.setChecked(True)
        self.body.addWidget(self.no_gold)
        self.body.addLayout(gold_row)
        self.gold_status = StatusText()
        self.body.addWidget(self.gold_status)
        self.body.addStretch(1)
        self.use_gold.toggled.connect(self.gold_count.setEnabled)
        self.gold_count.setEnabled(False)
        self._suggested = False

    def set_gold_candidates(self, count: int) -> None:
        """How many imported answers fit the task; gold is offered only when there are some."""
        self.use_gold.setEnabled(count > 0)
        self.gold_count.setMaximum(max(1, count))
        if count == 0:
            self.no_gold.setChecked(True)
            self.gold_status.set_hint(
                "The import has no labels that fit this task and label set, so there are no gold answers. "
                "Labelers are then judged by their agreement only."
            )
        else:
            if not self._suggested:  # the first time: one item in ten as gold, at least one
                self._suggested = True
                self.gold_count.setValue(max(1, count // 10))
                self.use_gold.setChecked(True)
            self.gold_status.set_hint(
                f"{count:,} imported items have labels that fit. Gold answers stay private (only their hash "
                "goes on-chain); labelers see gold items as ordinary ones."
            )

    def gold_wanted(self) -> int:
        return self.gold_count.value() if self.use_gold.isChecked() else 0


class SummaryStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Check and create",
            "Create uploads the items and the instructions to storage and funds the campaign from your "
            "wallet: you confirm the transaction before it is signed.",
        )
        card = Card(padding=18, spacing=0)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(8)
        card.body.addLayout(self.grid)
        self.body.addWidget(card)
        self.facts: dict[str, tuple[QWidget, QWidget]] = {}
        for row, (key, caption) in enumerate(
            [
                ("title", "Title"), ("task", "Task"), ("classes", "Classes"), ("items", "Items"),
                ("batches", "Batches"), ("redundancy", "Labelers per item"), ("reward", "Reward per item"),
                ("gold", "Gold items"), ("who", "Who can label"), ("escrow", "Total escrow"),
            ]
        ):  # fmt: skip
            label = styled_label(caption, "muted")
            value = styled_label("", "row-value" if key == "escrow" else "bullet", wrap=True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(value, row, 1)
            self.facts[key] = (label, value)
        self.grid.setColumnStretch(1, 1)
        self.escrow_note = styled_label(
            "Your wallet pays this into the campaign now: every item, by every labeler, at the reward. "
            "What is not earned comes back when you close the campaign.",
            "hint",
            wrap=True,
        )
        self.body.addWidget(self.escrow_note)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        self.body.addWidget(self.progress)
        self.stage = styled_label("", "hint", wrap=True)
        self.stage.hide()
        self.body.addWidget(self.stage)
        self.error = StatusText()
        self.body.addWidget(self.error)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Items skipped while uploading")
        self.problems.setStyleSheet(list_style(colors))
        self.problems.hide()
        self.body.addWidget(self.problems, 1)
        self.body.addStretch(0)

    def value(self, key: str) -> str:
        return self.facts[key][1].text()

    def show_form(self, form: CampaignForm) -> None:
        label_set = form.label_set
        items = len(form.items)
        reward = exact(form.reward_per_item)
        facts = {
            "title": form.title,
            "task": form.task_type.title,
            "classes": ", ".join(label_set.names) if label_set else "",
            "items": f"{items:,}",
            "batches": f"{form.batches:,} of up to {form.batch_size:,} items",
            "redundancy": f"{form.redundancy}",
            "reward": reward,
            "gold": f"{len(form.gold):,} (private)" if form.gold else "None",
            "who": (
                f"Labelers with at least {form.min_reputation:,} accepted items"
                if form.min_reputation
                else "Everyone"
            )
            + f"; batches below {form.min_gold_accuracy:.0%} on gold are rejected",
            "escrow": f"{exact(form.escrow)}  =  {items:,} × {form.redundancy} × {reward}",
        }
        for key, text in facts.items():
            self.facts[key][1].setText(text)

    def set_progress(self, text: str | None, fraction: float = 0.0) -> None:
        self.progress.setVisible(text is not None)
        self.stage.setVisible(text is not None)
        if text is not None:
            self.progress.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
            self.stage.setText(text)
