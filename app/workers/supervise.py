"""Keep a long-running service alive: log a crash and start it again, with backoff.

A service loop (the outbox tracker, key delivery) that dies from an error nobody foresaw would
otherwise stay dead until the app restarts, silently: no transactions broadcast, no keys
delivered. A supervisor turns that into a logged crash and a restart a few seconds later; the
services are built to resume from the database, so restarting them is always safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

HEALTHY_S = 60.0  # a run this long resets the backoff


async def supervise(
    name: str,
    service: Callable[[], Awaitable[None]],
    *,
    restart_delay_s: float = 5.0,
    max_delay_s: float = 300.0,
) -> None:
    """Run ``service()`` forever, restarting it after it returns or raises; cancel to stop."""
    loop = asyncio.get_running_loop()
    delay = restart_delay_s
    while True:
        started = loop.time()
        error: BaseException | None = None
        try:
            await service()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
        if loop.time() - started >= HEALTHY_S:
            delay = restart_delay_s
        what = "crashed" if error is not None else "stopped by itself"
        log.error("%s %s; restarting in %.0f s", name, what, delay, exc_info=error)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)
