"""One settings change saved from an editor of the Settings page (networks, storage, catalogue
source, update manifest): the value is set and the file written; when the file cannot be written the
old value is put back, so what the app runs with stays what the file says, and the user reads why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.settings import Settings

log = logging.getLogger(__name__)


def change_setting(
    settings: Settings,
    name: str,
    value: object,
    save: Callable[[], None],
    say: Callable[[str], None],
    what: str,
) -> bool:
    """Set ``settings.<name>`` to ``value`` and ``save``; on a failed write restore the old value, log
    it and ``say`` "Could not save <what>: <why>". True when the change is saved."""
    before = getattr(settings, name)
    setattr(settings, name, value)
    try:
        save()
    except OSError as exc:
        setattr(settings, name, before)
        log.error("could not save settings: %s", exc)
        say(f"Could not save {what}: {exc}")
        return False
    return True
