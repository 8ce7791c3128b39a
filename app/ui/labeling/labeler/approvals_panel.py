"""Settings → Labeling approvals: the campaigns where Sahara may sign claims and submissions for
you (``app.labeling.approvals``), each with the network fee per transaction it covers and Revoke;
the next Start in a revoked campaign asks again."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from app.labeling.approvals import Approval, Approvals, fee_words
from app.ui.widgets import action_button, clear_layout, styled_label
from app.wallet.tx_summary import network_label, short_address


class ApprovalsPanel(QWidget):
    def __init__(self, approvals: Approvals) -> None:
        super().__init__()
        self.approvals = approvals
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(8)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # approvals are given on the Label page meanwhile

    def refresh(self) -> None:
        clear_layout(self.rows)
        given = self.approvals.all()
        if not given:
            none = "No campaign may sign for you: the first Start in a campaign asks, in words."
            self.rows.addWidget(styled_label(none, "hint", wrap=True))
        for approval in given:
            self.rows.addWidget(self._row(approval))

    def _row(self, a: Approval) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        text = (
            f"“{a.title}” (campaign {a.campaign_id}) · claims and submissions by "
            f"{short_address(a.account)} on {network_label(a.chain_id)}, "
            + (f"network fee up to {fee_words(a.fee_cap_wei)} per transaction" if a.fee_cap_wei
               else "no fee named yet: the next transaction asks")
        )  # fmt: skip
        line.addWidget(styled_label(text, wrap=True), 1)
        line.addWidget(action_button("Revoke", lambda: self._revoke(a)))
        return row

    def _revoke(self, a: Approval) -> None:
        self.approvals.revoke(a.chain_id, a.account, a.campaign_id)
        self.refresh()
