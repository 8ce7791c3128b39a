"""The wizard's last step, "Check and create": every choice in one card with the escrow the wallet
pays (to the last wei), then the progress of creating the campaign and the items left out; it reads
the finished ``CampaignForm`` instead of editing it and is where the create call's progress and
failure show, so it stands apart from the steps that fill the form in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from app.labeling.campaign_rules import CampaignForm
from app.ui.labeling.requester.wizard_steps import Step, list_style, problem_list
from app.ui.theme import Colors
from app.ui.widgets import Card, styled_label
from app.ui.widgets.fields import StatusText, progress_bar
from app.words import format_sahara


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
                ("gold", "Gold items"), ("prelabels", "Pre-labels"), ("who", "Who can label"),
                ("escrow", "Total escrow"),
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
        self.progress = progress_bar(1000, 8)
        self.body.addWidget(self.progress)
        self.stage = styled_label("", "hint", wrap=True)
        self.stage.hide()
        self.body.addWidget(self.stage)
        self.stop_button = QPushButton("Stop uploading")
        self.stop_button.setToolTip("Stop before anything is funded; the uploaded images are not kept.")
        self.stop_button.hide()
        self.body.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = StatusText()
        self.body.addWidget(self.error)
        self.problems = problem_list("Items skipped while uploading", colors)
        self.body.addWidget(self.problems, 1)
        self.body.addStretch(0)

    def apply_colors(self, colors: Colors) -> None:
        self.problems.setStyleSheet(list_style(colors))

    def value(self, key: str) -> str:
        return self.facts[key][1].text()

    def show_form(self, form: CampaignForm) -> None:
        label_set = form.label_set
        items = len(form.items)
        reward = format_sahara(form.reward_per_item)  # to the last wei: what the wallet pays
        prelabels = form.prelabels()
        facts = {
            "title": form.title,
            "task": form.task_type.title,
            "classes": ", ".join(label_set.names) if label_set else "",
            "items": f"{items:,}",
            "batches": f"{form.batches:,} of up to {form.batch_size:,} items",
            "redundancy": f"{form.redundancy}",
            "reward": reward,
            "gold": f"{len(form.gold):,} (private)" if form.gold else "None",
            "prelabels": f"{len(prelabels):,} (published as starting answers)" if prelabels else "None",
            "who": (
                f"Labelers with at least {form.min_reputation:,} accepted items"
                if form.min_reputation
                else "Everyone"
            )
            + f"; batches below {form.min_gold_accuracy:.0%} on gold are rejected",
            "escrow": f"{format_sahara(form.escrow)}  =  {items:,} × {form.redundancy} × {reward}",
        }
        for key, text in facts.items():
            self.facts[key][1].setText(text)

    def set_progress(self, text: str | None, fraction: float = 0.0) -> None:
        self.progress.setVisible(text is not None)
        self.stage.setVisible(text is not None)
        if text is None:
            self.stop_button.hide()
        else:
            self.progress.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
            self.stage.setText(text)
