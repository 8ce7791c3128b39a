"""The kinds of labeling task, apart from the pydantic models of ``schema`` that carry them.

``sahara label campaigns`` shows each campaign's task and must answer without importing pydantic
(its import and first model build were a third of the command's time), so the enum lives here;
``app.labeling.schema`` re-exports it and every other module may keep importing it from there.
"""

from __future__ import annotations

import enum


class TaskType(enum.StrEnum):
    IMAGE_CLASSIFICATION = "image_classification"
    BOUNDING_BOXES = "bounding_boxes"
    TEXT_CLASSIFICATION = "text_classification"
    NER = "ner"

    @property
    def modality(self) -> str:
        """``"image"`` or ``"text"``: what an item of this task holds."""
        return "image" if self in (TaskType.IMAGE_CLASSIFICATION, TaskType.BOUNDING_BOXES) else "text"

    @property
    def title(self) -> str:
        return {
            TaskType.IMAGE_CLASSIFICATION: "Image classification",
            TaskType.BOUNDING_BOXES: "Bounding boxes",
            TaskType.TEXT_CLASSIFICATION: "Text classification",
            TaskType.NER: "Named entities (spans)",
        }[self]
