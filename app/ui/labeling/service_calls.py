"""``ServiceCalls``: how the Label page calls the labeling service — each kind of call at most once at
a time (a second click while it runs is ignored), only when there is a service, always with the
service of the moment, and with a way to tell that it was swapped meanwhile (a locked wallet,
another account) so a late result is dropped instead of shown on the wrong account's screen; it
holds no Qt and no view (the page decides what each call shows), like the style guide's uniform
operation helper."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from app.ui.tasks import Spawn

Call = Callable[..., Coroutine[Any, Any, Any]]


class ServiceCalls:
    def __init__(self, spawn: Spawn) -> None:
        self.spawn = spawn
        self.service: Any = None
        self.epoch = 0  # bumped by set_service: results of calls to an older service are dropped
        self.busy: set[str] = set()  # the names of the calls under way

    def set_service(self, service: Any) -> None:
        """Calls from now on use ``service``; those under way become stale and are forgotten."""
        self.epoch += 1
        self.service = service
        self.busy.clear()

    def current(self, epoch: int) -> bool:
        """Whether a call started in ``epoch`` still talks to the service of the moment."""
        return epoch == self.epoch

    def run(self, name: str, call: Call, *args: Any) -> None:
        """Run ``call(service, epoch, *args)`` as the task ``label-{name}``, unless there is no service
        or a call of that name is under way."""
        if self.service is None or name in self.busy:
            return
        self.busy.add(name)
        service, epoch = self.service, self.epoch

        async def guarded() -> None:
            try:
                await call(service, epoch, *args)
            finally:
                if self.current(epoch):
                    self.busy.discard(name)

        self.spawn(guarded(), f"label-{name}")
