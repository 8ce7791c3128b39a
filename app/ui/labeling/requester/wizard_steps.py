"""The "New campaign" wizard's step pages and what they share: ``Step`` (a title, an explanation and a
body), its small widgets and styles, and the middle steps (task and label set, instructions, quality
and pay). The first and last steps, which show an import and a summary, are in ``source_step`` and
``summary_step``. ``NewCampaignDialog`` moves between them and asks ``app.labeling.campaign_rules``
whether what they hold is good: no rules live here, only what is shown."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QSplitter,
)

from app.labeling.schema import TaskType
from app.ui.labeling.campaign_detail import InstructionsBrowser
from app.ui.labeling.requester.label_set_editor import LabelSetEditor
from app.ui.theme import Colors
from app.ui.widgets import styled_label
from app.ui.widgets.fields import StatusText
from app.ui.widgets.wizard import Step as WizardStep


class Step(WizardStep):
    """A campaign step: the body takes the height left (tables, editors, previews)."""

    def __init__(self, title: str, explanation: str) -> None:
        super().__init__(title, explanation, spacing=8, fill=True)


def problem_list(name: str, colors: Colors) -> QListWidget:
    """The hidden list of items an import or an upload skipped, each with where and why."""
    problems = QListWidget()
    problems.setAccessibleName(name)
    problems.setStyleSheet(list_style(colors))
    problems.hide()
    return problems


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


def _spin(low: int, high: int, value: int, suffix: str = "", name: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setAccessibleName(name)
    spin.setMinimumWidth(200)
    return spin


class TaskStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "What should labelers do?",
            "Choose the task and the classes. Labelers see the classes in this order and press each one's "
            "hotkey to pick it.",
        )
        self.task = self.add_choice("Task", "Task type")
        for task in TaskType:
            self.task.addItem(task.title, task)
        self.task_status = StatusText()
        self.body.addWidget(self.task_status)
        self.editor = LabelSetEditor(colors)
        self.body.addWidget(self.editor, 1)
        self.mismatch = StatusText()
        self.body.addWidget(self.mismatch)

    def apply_colors(self, colors: Colors) -> None:
        self.editor.apply_colors(colors)

    def selected_task(self) -> TaskType:
        return TaskType(self.task.currentData())

    def select_task(self, task: TaskType) -> None:
        self.task.setCurrentIndex(self.task.findData(task))

    def show_mismatch(self, unknown: Counter[str], gaps: list[str] | None = None) -> None:
        """Imported labels the label set lacks (answers with them cannot be gold), and classes no
        imported item has or one class only (``campaign_rules.class_gaps``), before funding."""
        lines = list(gaps or [])
        if unknown:
            names = ", ".join(f"“{n}” ({count})" for n, count in unknown.most_common(10))
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            lines.append(f"Imported labels not in this label set: {names}{more}.")
            lines.append("Items labeled with them cannot be gold.")
        self.mismatch.set_hint(" ".join(lines))


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

    def apply_colors(self, colors: Colors) -> None:
        self.preview.setStyleSheet(preview_style(colors))

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
