"""``Spawn``: the type of the shell's ``BackgroundTasks.spawn`` (which holds a task and cancels it at
quit), called as ``spawn(coro, name)``; the Label page, the requester's panel, the monitor, the
wizard and the export/publish dialogs are all handed one, so its type is written once here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]
