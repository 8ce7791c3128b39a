"""``Spawn``: the one way the labeling screens start a background call.

The Label page, the requester's panel, the monitor, the wizard and the export/publish dialogs are
all handed the shell's ``BackgroundTasks.spawn`` (which holds the task and cancels it at quit) and
call it as ``spawn(coro, name)``; this is its type, written once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]
