"""A labeler's way through one campaign without waiting on the chain.

The batch on screen is labeled while the next one is already claimed, and a finished batch is
submitted in the background: ``finish`` opens the claimed-ahead batch at once (no transaction in
the labeler's way) and hands the finished one to the *courier*, one asyncio task per pipeline that
sends the account's labeling transactions one after another. At a batch boundary that is a single
``submitAndClaim`` (the flow ``bench/gas.py`` measures): it submits the finished batch and claims
the one after the batch just opened, so a labeler who keeps going sends one transaction per batch.

Every transaction goes through the service, so through the outbox: signed and persisted before it
is broadcast, never signed twice for one intent. The answers stay in the draft store until the
submission is mined, so a crash or a failed submission loses nothing: Resume finds the claim again
with its answers (``start(resume=True)`` picks up every open claim of the campaign). A submission
that failed for a passing reason (the node unreachable, a timeout) is tried again at the next
boundary; one the board refused (the claim expired) is reported and not tried again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from app.events import Events
from app.labeling.claims import NO_NEXT_BATCH, ClaimedBatch
from app.labeling.schema import Annotation, Manifest
from app.labeling.session import LabelingSession

if TYPE_CHECKING:
    from app.labeling.service import LabelingService

log = logging.getLogger(__name__)

AHEAD = 1  # batches claimed beyond the one on screen (each holds one of the account's 16 slots)
_couriers: set[asyncio.Task[Any]] = set()  # held strongly: a pipeline dropped mid-submission still sends
Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]


class BatchPipeline:
    """The batch being labeled (``claim``, ``session``), the ones claimed ahead, and the finished
    ones on their way to the chain.

    Events, all on the loop: ``opened`` (session) when a batch is put in front of the labeler
    later than ``finish`` (it was still being claimed); ``claimed`` (claim) when a batch ahead
    arrives; ``submitted`` (claim, tx hash); ``failed`` (claim or None, exception, tried again)
    when a submission or a claim ahead did not go through; ``exhausted`` () when the labeler has
    finished and the campaign has no batch left for them.

    ``spawn(coro, name)`` starts the courier (the window's task runner, so it is cancelled at
    quit); without it the courier is a plain task held by this module until it ends.
    """

    def __init__(
        self, service: LabelingService, campaign_id: int, manifest: Manifest, *, ahead: int = AHEAD,
        spawn: Spawn | None = None,
    ) -> None:  # fmt: skip
        self.service = service
        self._spawn = spawn
        self.campaign_id = campaign_id
        self.manifest = manifest
        self.ahead = ahead
        self.events = Events("opened", "claimed", "submitted", "failed", "exhausted")
        self.claim: ClaimedBatch | None = None
        self.session: LabelingSession | None = None
        self.submitted: list[tuple[ClaimedBatch, str]] = []
        self.exhausted = False  # the board said no batch is left for this account
        self._ready: deque[ClaimedBatch] = deque()
        self._prepared: dict[int, LabelingSession] = {}  # sessions of the batches ahead, by batch
        self._queue: deque[tuple[ClaimedBatch, list[Annotation]]] = deque()
        self._retry: list[tuple[ClaimedBatch, list[Annotation]]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._closing = False
        self._claims_held = False  # a claim failed: the next is tried at the next boundary
        self._courier: asyncio.Task[None] | None = None

    # -- the labeler's side (never awaits the chain once started) --------------------------------

    async def start(self, *, resume: bool = True) -> LabelingSession:
        """Open the labeler's first batch: an open claim of this campaign (``resume``; the others
        become the batches ahead), else a new claim (the one transaction the labeler waits for)."""
        found = await self.service.open_claims() if resume else []
        mine = sorted((c for c in found if c.campaign_id == self.campaign_id), key=lambda c: c.batch)
        first = mine[0] if mine else await self.service.claim(self.campaign_id)
        self._ready.extend(mine[1:])
        self._open(first)
        if self._spawn is not None:
            self._courier = self._spawn(self._run(), "labeling-courier")
        else:
            self._courier = asyncio.get_running_loop().create_task(self._run(), name="labeling-courier")
            _couriers.add(self._courier)
            self._courier.add_done_callback(_couriers.discard)
        return self._require_session()

    def finish(self) -> LabelingSession | None:
        """The batch on screen is done (answered, or submitted with skipped items): queue its
        submission and open the next batch. Returns the new session, or None while the next batch
        is still being claimed (``opened`` follows) or when none is left (``exhausted``)."""
        if self.claim is None or self.session is None:
            return None
        self._queue.append((self.claim, self.session.answers()))
        self._queue.extend(self._retry)  # what failed for a passing reason goes again
        self._retry.clear()
        self._claims_held = False
        self.claim = self.session = None
        if self._ready:
            self._open(self._ready.popleft())
        elif self.exhausted:
            self.events.emit("exhausted")
        self._kick()
        return self.session

    @property
    def upcoming(self) -> ClaimedBatch | None:
        """The batch that opens at the next boundary, when it is claimed already."""
        return self._ready[0] if self._ready else None

    @property
    def pending(self) -> int:
        """Finished batches not on chain yet (queued, being sent, or waiting for a retry)."""
        return len(self._queue) + len(self._retry)

    def close(self) -> None:
        """The labeler stops: send what is finished, claim nothing more (claims ahead stay open
        and are resumed next time)."""
        self._closing = True
        self._kick()

    async def drain(self) -> None:
        """Wait until every finished batch was sent (or failed)."""
        while (
            self._courier is not None
            and not self._courier.done()
            and (self._queue or not self._idle.is_set())
        ):
            self._idle.clear()
            self._kick()
            await self._idle.wait()

    # -- internals -------------------------------------------------------------------------------

    def _require_session(self) -> LabelingSession:
        assert self.session is not None
        return self.session

    def _open(self, claim: ClaimedBatch) -> None:
        self.claim = claim
        self.session = self._prepared.pop(claim.batch, None) or self._session_of(claim)

    def _session_of(self, claim: ClaimedBatch) -> LabelingSession:
        drafts = self.service.drafts(claim.campaign_id)
        return LabelingSession(
            self.manifest.task_type,
            self.manifest.label_set,
            claim.items,
            drafts,
            prelabels=self.manifest.prelabels,
        )

    def _prepare(self, claim: ClaimedBatch) -> None:
        """Build the session of a batch claimed ahead now (its drafts read), not at the boundary."""
        self._prepared[claim.batch] = self._session_of(claim)

    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()

    def _wants_claim(self) -> bool:
        """Another batch should be claimed: fewer than ``ahead`` wait beyond the one on screen."""
        if self.exhausted or self._closing or self._claims_held:
            return False
        return len(self._ready) < self.ahead + (1 if self.claim is None else 0)

    def _arrived(self, claim: ClaimedBatch | None) -> None:
        if claim is None:
            self.exhausted = True
            if self.claim is None and not self._ready:
                self.events.emit("exhausted")
            return
        self._ready.append(claim)
        if self.claim is None:  # the labeler finished before this one was claimed
            self._open(self._ready.popleft())
            self.events.emit("opened", self.session)
        else:
            self._prepare(claim)
            self.events.emit("claimed", claim)

    async def _run(self) -> None:
        """The courier: submissions first (each claiming the next batch when one is wanted), then
        claims ahead; asleep when there is nothing to send."""
        while True:
            if self._queue:
                await self._send_one()
            elif self._wants_claim():
                await self._claim_ahead()
            elif self._closing:
                self._idle.set()
                return
            else:
                self._wake.clear()
                self._idle.set()
                await self._wake.wait()

    async def _send_one(self) -> None:
        from app.wallet.outbox import TxReverted

        claim, answers = self._queue[0]
        try:
            if self._wants_claim():
                tx, following = await self.service.submit_and_claim(claim, answers)
                self._arrived(following)
            else:
                tx = await self.service.submit(claim, answers)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the answers stay in the drafts either way
            self._queue.popleft()
            again = not isinstance(exc, TxReverted)  # a refusal by the board would be refused again
            if again:
                self._retry.append((claim, answers))
            log.warning("submitting batch %s of campaign %s failed: %s", claim.batch, claim.campaign_id, exc)
            self.events.emit("failed", claim, exc, again)
            return
        self._queue.popleft()
        self.submitted.append((claim, tx))
        self.events.emit("submitted", claim, tx)

    async def _claim_ahead(self) -> None:
        try:
            claim = await self.service.claim(self.campaign_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a refusal names the contract's error (``NoBatchAvailable(…)``)
            if any(name in str(exc) for name in NO_NEXT_BATCH):
                self._arrived(None)
            else:
                self._claim_failed(exc)
            return
        self._arrived(claim)

    def _claim_failed(self, exc: Exception) -> None:
        """A claim ahead did not go through: say so, and try again at the next boundary."""
        log.warning("claiming ahead in campaign %s failed: %s", self.campaign_id, exc)
        self._claims_held = True
        self.events.emit("failed", None, exc, True)
