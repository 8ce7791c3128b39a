"""One campaign before the labeler commits: the requester's instructions (Markdown), what it pays,
what it asks for, and "Start labeling" (which resumes the labeler's open batch if there is one).

The instructions are someone else's text: links open only when clicked (in the browser, and only
http/https), and nothing is loaded from the network or the disk for them (no remote images).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QTextBrowser, QVBoxLayout, QWidget

from app.ui.labeling.status_line import StatusLine
from app.ui.labeling.wording import per_hour, per_hour_tooltip, reputation, requirement, sahara
from app.ui.theme import Colors
from app.ui.widgets import Card, action_button, styled_label
from app.words import batch_name, duration, plural


class InstructionsBrowser(QTextBrowser):
    """Markdown that cannot fetch anything: ``loadResource`` answers nothing for every URL."""

    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.anchorClicked.connect(self._clicked)

    def loadResource(self, _kind: int, _url: QUrl) -> Any:
        return None

    def _clicked(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)


class CampaignDetailView(QWidget):
    start_requested = Signal()
    back_requested = Signal()

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.campaign: Any = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        top = QHBoxLayout()
        self.back_button = action_button("← Campaigns", self.back_requested.emit)
        top.addWidget(self.back_button)
        self.title = styled_label("", "empty-title")
        top.addWidget(self.title, 1)
        self.start_button = action_button("Start labeling", self.start_requested.emit, primary=True)
        top.addWidget(self.start_button)
        column.addLayout(top)
        self.status = StatusLine()
        column.addWidget(self.status)

        facts = Card(padding=16, spacing=0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(4)
        self.facts: dict[str, Any] = {}
        for i, caption in enumerate(["Task", "Reward per item", "Items left", "Est. per hour", "Requester"]):
            grid.addWidget(styled_label(caption.upper(), "caption"), 0, i)
            value = styled_label("", "row-title")
            grid.addWidget(value, 1, i)
            self.facts[caption] = value
        grid.setColumnStretch(5, 1)
        facts.body.addLayout(grid)
        self.terms = styled_label("", "hint", wrap=True)
        facts.body.addSpacing(10)
        facts.body.addWidget(self.terms)
        column.addWidget(facts)

        self.requirement = Card(padding=14, spacing=4)
        self.requirement.body.addWidget(styled_label("QUALIFICATION", "caption"))
        self.requirement_text = styled_label("", "bullet", wrap=True)
        self.requirement.body.addWidget(self.requirement_text)
        self.requirement.hide()
        column.addWidget(self.requirement)

        column.addWidget(styled_label("Instructions", "section"))
        self.instructions = InstructionsBrowser()
        self.instructions.setMaximumWidth(920)  # lines a person can read
        column.addWidget(self.instructions, 1)
        self.apply_colors(colors)

    def apply_colors(self, colors: Colors) -> None:
        self.instructions.setStyleSheet(
            f"QTextBrowser {{ background: {colors.surface}; color: {colors.text};"
            f" border: 1px solid {colors.border}; border-radius: 10px; padding: 14px 18px;"
            " font-size: 14px; }"
        )

    def show_campaign(self, campaign: Any, instructions: str | None, claim: Any = None) -> None:
        """``instructions`` None while the manifest is loading; ``claim``: the labeler's open batch."""
        self.campaign = campaign
        self.title.setText(campaign.title)
        left = campaign.batches_available * campaign.batch_size
        hourly = per_hour(campaign.reward_per_item, campaign.task_type)
        self.facts["Task"].setText(campaign.task_type.title)
        self.facts["Reward per item"].setText(sahara(campaign.reward_per_item))
        self.facts["Items left"].setText(f"{left:,} of {campaign.item_count:,}")
        self.facts["Est. per hour"].setText(f"≈ {sahara(hourly)}")
        self.facts["Est. per hour"].setToolTip(per_hour_tooltip(campaign.task_type))
        self.facts["Requester"].setText(
            reputation(
                campaign.requester_reviewed, campaign.requester_accept_rate,
                campaign.requester_disputes_lost, campaign.requester_auto_accepted,
            )
        )  # fmt: skip
        self.terms.setText(
            f"Batches of {plural(campaign.batch_size, 'item')}. You have {duration(campaign.claim_ttl_s)} "
            "to submit a batch once you start it; the requester reviews within "
            f"{duration(campaign.review_window_s)}, after which it counts as accepted. Some items have "
            "hidden gold answers that check the work."
        )
        self.requirement.setVisible(campaign.min_reputation > 0)
        self.requirement_text.setText(requirement(campaign.min_reputation))
        if instructions is None:
            self.instructions.setPlainText("Loading the instructions…")
        else:
            self.instructions.setMarkdown(instructions or "_The requester gave no instructions._")
        self.set_claim(claim)
        self.show_status(None)

    def set_claim(self, claim: Any) -> None:
        resume = f"Resume {batch_name(claim.batch).lower()}" if claim is not None else None
        self.start_button.setText(resume or "Start labeling")

    def set_busy(self, text: str | None) -> None:
        self.start_button.setEnabled(text is None)
        self.back_button.setEnabled(text is None)
        self.show_status(text)  # None: the busy line goes

    def show_status(self, text: str | None, role: str = "hint") -> None:
        self.status.say(text, role)
