"""Which pre-labeler a batch gets: the digits model suggests a class for image classification, and
nothing is suggested for other tasks; the model is built lazily in a prefetch worker (loading it is
slow, and it may be missing from a build), so the choice and the reasons it can fail live here
rather than in the Label page, which only hands ``proposer_for``'s answer to the labeling view."""

from __future__ import annotations

from collections.abc import Callable

from app.labeling.schema import TaskType
from app.ui.labeling.labeler.prefetch import Proposer


def prelabeler(label_names: list[str]) -> Proposer:
    """Build the digits pre-labeler (called in a prefetch worker). Raises with the reason when it
    cannot help this campaign, and the labeling view then hides suggestions with that reason."""
    try:
        from app.labeling.prelabel import Prelabeler
    except ImportError as exc:
        raise RuntimeError(f"the pre-labeling module is not available ({exc})") from exc
    model = Prelabeler()
    if not set(model.classes) & set(label_names):
        raise RuntimeError("the digits model does not know this campaign's classes")
    return model.propose


def proposer_for(task: TaskType, label_names: list[str]) -> Callable[[], Proposer] | None:
    """How to build the pre-labeler of a batch of ``task``, or None when nothing is suggested."""
    return (lambda: prelabeler(label_names)) if task is TaskType.IMAGE_CLASSIFICATION else None
