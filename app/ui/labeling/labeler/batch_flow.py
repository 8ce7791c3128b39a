"""``BatchFlow``: the Label page's labeling run, a ``BatchPipeline`` shown in the ``LabelingView``.

The pipeline (app/labeling/pipeline.py) claims ahead and submits in the background; this adapter
puts each batch it opens in the view (keeping the images already fetched for it), hands the view
the batch claimed ahead so its first images are decoded before the boundary, and says in the
status line what the background did: a batch on chain, a submission that failed (its answers are
kept), the campaign with nothing left for the labeler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.labeling.claims import ClaimedBatch
from app.labeling.pipeline import BatchPipeline
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.labeling.labeler.prelabeler import proposer_for
from app.ui.labeling.wording import explain, sahara
from app.words import batch_name, duration, plural


class BatchFlow:
    """One campaign labeled in ``view``; ``start`` once, then ``finish`` at every boundary."""

    def __init__(
        self, view: LabelingView, service: Any, campaign: Any, manifest: Any,
        on_done: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self.view = view
        self.service = service
        self.campaign = campaign
        self.manifest = manifest
        self.on_done = on_done or (lambda: None)
        self.pipeline = BatchPipeline(service, campaign.campaign_id, manifest)
        events = self.pipeline.events
        events.connect("opened", self._opened)
        events.connect("claimed", self._claimed)
        events.connect("submitted", self._submitted)
        events.connect("failed", self._failed)
        events.connect("exhausted", self._exhausted)

    @property
    def claim(self) -> ClaimedBatch | None:
        return self.pipeline.claim

    async def start(self, *, resume: bool) -> None:
        await self.pipeline.start(resume=resume)

    def show(self) -> None:
        """Put the pipeline's batch in the view (after ``start``)."""
        self._show(follow_on=False)

    def finish(self) -> None:
        """The labeler is done with the batch on screen (the view's ``submit_requested``): the next
        one, at once when it is claimed. Ignored while the view waits for a batch."""
        if self.view.busy or self.view.session is None:
            return
        done = self.pipeline.claim
        if self.pipeline.finish() is not None:
            self._show(follow_on=True)
            if done is not None:
                self.view.show_status(f"{batch_name(done.batch)} is being submitted; your answers are saved.")
        elif not self.pipeline.exhausted:
            self.view.set_busy("Claiming the next batch (a transaction on the chain)…")

    def close(self) -> None:
        """The labeler left: what is finished is still sent; nothing more is claimed."""
        self.pipeline.close()
        for name, listener in (
            ("opened", self._opened), ("claimed", self._claimed), ("submitted", self._submitted),
            ("failed", self._failed), ("exhausted", self._exhausted),
        ):  # fmt: skip
            self.pipeline.events.disconnect(name, listener)

    # -- what the pipeline reports -----------------------------------------------------------------

    def _show(self, *, follow_on: bool) -> None:
        claim, session = self.pipeline.claim, self.pipeline.session
        if claim is None or session is None:
            return
        manifest, reward = self.manifest, sahara(self.campaign.reward_per_item)
        self.view.open(
            session,
            self.service.item_bytes,
            title=self.campaign.title,
            subtitle=f"{batch_name(claim.batch)} · {plural(len(claim.items), 'item')} · {reward} each",
            expires_at=claim.expires_at,
            proposer=proposer_for(manifest.task_type, manifest.label_set.names),
            follow_on=follow_on,
        )
        upcoming = self.pipeline.upcoming
        if upcoming is not None:
            self.view.set_upcoming(upcoming.items)

    def _opened(self, _session: LabelingSession) -> None:
        self._show(follow_on=True)

    def _claimed(self, claim: ClaimedBatch) -> None:
        if self.pipeline.upcoming is claim:
            self.view.set_upcoming(claim.items)

    def _submitted(self, claim: ClaimedBatch, tx: str) -> None:
        status = self.view.status
        if status.isHidden() or status.property("role") != "error":  # a failure stays in sight
            window = duration(self.campaign.review_window_s)
            self.view.show_status(
                f"{batch_name(claim.batch)} is in (transaction {tx[:10]}…{tx[-6:]}); it is reviewed within "
                f"{window} and Earnings shows the outcome."
            )

    def _failed(self, claim: ClaimedBatch | None, exc: Exception, again: bool) -> None:
        later = " It is tried again when you finish this batch." if again else ""
        if claim is None:
            text = f"The next batch could not be claimed: {explain(exc)}"
        else:
            text = (
                f"{batch_name(claim.batch)} was not submitted: {explain(exc)} Your answers are kept.{later}"
            )
        if self.pipeline.session is None:
            self.view.show_error(text)
        else:
            self.view.show_status(text, "error")

    def _exhausted(self) -> None:
        count = len(self.pipeline.submitted)
        self.view.show_submitted(
            "You have labeled every batch of this campaign there was for you"
            + (f" ({count} submitted this time)." if count else ".")
            + " Batches still on their way are sent in the background; Earnings shows them once they "
            "are on chain.",
            more=False,
        )
        self.on_done()
