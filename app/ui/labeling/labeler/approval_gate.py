"""The labeler's one approval per campaign, on screen: asked in words before the first Start in a
campaign (with the network fee per transaction it covers, from today's fees), and asked again by
the outbox's signing check when a claim or submission would cost more than that
(``app.labeling.approvals.SigningGuard``; the rule and the file are there, this only shows them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.labeling.approvals import Approvals, SigningGuard, consent_words, fee_cap_for
from app.ui.labeling.confirm import ask_in_words
from app.ui.operations import Op, Operations


class ApprovalGate:
    def __init__(self, parent: QWidget, ops: Operations) -> None:
        self.parent = parent
        self.ops = ops
        self.approvals: Approvals | None = None  # the shell's file; None: nothing to approve
        self.review_box: QMessageBox | None = None  # the open review in words, if any
        self._unguard: Callable[[], None] | None = None

    def follow(self, service: Any) -> None:
        """Guard the signing of ``service``'s outbox (the previous service's guard goes)."""
        if self._unguard is not None:
            self._unguard()
            self._unguard = None
        if service is not None and self.approvals is not None:
            guard = SigningGuard(self.approvals, service.chain_id, self._ask)
            self._unguard = service.outbox.add_signing_check(guard)

    def before_start(self, service: Any, campaign: Any, start: Callable[[], None], status: Any) -> None:
        """``start()`` at once where the campaign is approved, else after its approval in words;
        the fee cap it names is read from the network's fees now (``status`` shows the wait)."""
        approvals = self.approvals
        key = (service.chain_id, service.address or "", campaign.campaign_id)
        if approvals is None or approvals.granted(*key):
            start()
            return

        def ask(fees: tuple[int, int]) -> None:
            cap = fee_cap_for(fees[0])

            def allowed() -> None:
                approvals.grant(*key, campaign.title, cap)
                start()

            self.review_box = ask_in_words(
                self.parent, "Allow signing in this campaign?", f"Label “{campaign.title}”?",
                consent_words(campaign.title, campaign.reward_per_item, cap), "Allow and start", allowed,
            )  # fmt: skip

        self.ops.run(
            Op(
                "approval", lambda _say: service.outbox.market_fees(), busy="Reading the network's fees…",
                progress=status.set_busy, success=ask, failure=lambda why: status.show_status(why, "error"),
            )
        )  # fmt: skip

    async def _ask(self, words: str) -> bool:
        """The signing guard's question: a claim or submission above the approved fee, or in a
        campaign whose approval was revoked. Cancel (the default) leaves it unsigned."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def say(value: bool) -> Callable[[], None]:
            return lambda: answer.done() or answer.set_result(value)

        self.review_box = ask_in_words(
            self.parent, "Sign at a higher fee?", "Sign this labeling transaction?", words, "Sign",
            say(True), say(False),
        )  # fmt: skip
        return await answer
