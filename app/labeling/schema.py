"""What a labeling campaign is made of: task types, label sets, items, annotations, the manifest.

Every other labeling module (importers, exporters, the chain service, review, the UI) speaks these
types, so a campaign read from a Label Studio file, labeled in the app and exported to COCO passes
through one shape. They are pydantic models because they cross trust boundaries: a manifest comes
from storage (someone else's bytes), a result file from a labeler, a gold set from disk — each is
validated on the way in, never trusted.

Coordinates are pixels of the original image (x, y = top-left corner); spans are character offsets
into the item's text, end exclusive (Python slicing), so exporters convert once, at the edge.
"""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.labeling.task_type import TaskType

MANIFEST_VERSION = 1
RESULT_VERSION = 1
MAX_CLASSES = 64
HOTKEYS = "1234567890qwertyuiopasdfghjklxcvnm"  # b, z are the box tool and undo
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelClass(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    color: Annotated[str, Field(pattern=COLOR.pattern)] = "#4e79a7"
    hotkey: Annotated[str, Field(max_length=1)] = ""


class LabelSet(_Strict):
    """The classes of a campaign, in the order the labeler sees them (and the hotkeys they get)."""

    classes: Annotated[list[LabelClass], Field(min_length=1, max_length=MAX_CLASSES)]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            raise ValueError(
                f"class names must be unique: {sorted({n for n in names if names.count(n) > 1})}"
            )
        keys = [c.hotkey for c in self.classes if c.hotkey]
        if len(set(keys)) != len(keys):
            raise ValueError("two classes share a hotkey")
        return self

    @classmethod
    def from_names(cls, names: list[str]) -> LabelSet:
        """Classes with default colours, in the given order. A one-character name that is a hotkey
        keeps itself as its key (class "7" is picked with 7, never with 8); the others get the
        free keys 1, 2, … in order."""
        lowered = [n.lower() for n in names]
        own = {n for n in lowered if len(n) == 1 and n in HOTKEYS and lowered.count(n) == 1}
        free = iter(k for k in HOTKEYS if k not in own)
        return cls(
            classes=[
                LabelClass(
                    name=n,
                    color=DEFAULT_COLORS[i % len(DEFAULT_COLORS)],
                    hotkey=n.lower() if n.lower() in own else next(free, ""),
                )
                for i, n in enumerate(names)
            ]
        )

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    def by_hotkey(self, key: str) -> LabelClass | None:
        return next((c for c in self.classes if c.hotkey and c.hotkey == key.lower()), None)


class Item(_Strict):
    """One thing to label. ``id`` is unique in the campaign and stable (exports key on it).

    An image item names its bytes by ``image_cid`` (a blob in storage) once uploaded; before that,
    while a requester is importing, ``source`` is the local path or URL it came from. ``width`` and
    ``height`` are known when the importer read them (COCO, VOC and Label Studio carry them; folders
    and YOLO get them from the image header).
    """

    id: Annotated[str, Field(min_length=1, max_length=512)]
    text: str | None = None
    image_cid: str | None = None
    source: str = ""
    width: Annotated[int, Field(ge=0)] = 0
    height: Annotated[int, Field(ge=0)] = 0


class Box(_Strict):
    x: Annotated[float, Field(ge=0)]
    y: Annotated[float, Field(ge=0)]
    w: Annotated[float, Field(gt=0)]
    h: Annotated[float, Field(gt=0)]
    label: str


class Span(_Strict):
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(gt=0)]
    label: str

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be after start {self.start}")
        return self


class Annotation(_Strict):
    """A labeler's (or the gold set's, or the aggregate's) answer for one item.

    Classification uses ``label``; boxes and spans their lists. An empty annotation (nothing set)
    is a valid "skipped" answer and counts as unlabeled.
    """

    item_id: str
    label: str | None = None
    boxes: list[Box] = []
    spans: list[Span] = []

    @property
    def empty(self) -> bool:
        return self.label is None and not self.boxes and not self.spans

    def labels_used(self) -> set[str]:
        return {x for x in (self.label,) if x} | {b.label for b in self.boxes} | {s.label for s in self.spans}


class Manifest(_Strict):
    """What goes into storage and on-chain (as ``manifestCid``): everything a labeler needs.

    ``items`` is in campaign order: on-chain batch ``b`` is items ``batchRange(campaign, b)``.
    ``requester_pubkey`` is the requester's encryption public key (hex): results are encrypted to it.
    Gold items are ordinary items here; which ones are gold is in the private gold set.
    ``prelabels`` are the starting answers the requester asked for (by item id; e.g. a Label
    Studio project's labels): public, so never a gold item's (``campaign_spec.check_spec``).
    """

    version: int = MANIFEST_VERSION
    title: Annotated[str, Field(min_length=1, max_length=200)]
    task_type: TaskType
    label_set: LabelSet
    instructions: str = ""
    items: Annotated[list[Item], Field(min_length=1)]
    requester_pubkey: str
    min_gold_accuracy: Annotated[float, Field(ge=0, le=1)] = 0.8
    prelabels: dict[str, Annotation] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.version != MANIFEST_VERSION:
            raise ValueError(
                f"manifest version {self.version} is not supported (this app reads {MANIFEST_VERSION})"
            )
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        for item in self.items:
            if self.task_type.modality == "image" and not (item.image_cid or item.source):
                raise ValueError(f"item {item.id!r} has no image")
            if self.task_type.modality == "text" and item.text is None:
                raise ValueError(f"item {item.id!r} has no text")
        known, names = set(ids), set(self.label_set.names)
        for item_id, answer in self.prelabels.items():
            if item_id not in known or answer.item_id != item_id:
                raise ValueError(f"a pre-label names item {item_id!r}, which the campaign does not have")
            if not answer.labels_used() <= names:
                raise ValueError(f"the pre-label of {item_id!r} uses a class the campaign does not have")
        return self

    def to_json(self) -> bytes:
        """The stored form; without pre-labels it is the form older versions wrote (and read), so
        the same campaign keeps the same CID."""
        return self.model_dump_json(exclude=None if self.prelabels else {"prelabels"}).encode()


class GoldSet(_Strict):
    """The requester's private answers for some items (only keccak256 of its CID goes on-chain)."""

    answers: dict[str, Annotation]


class BatchResult(_Strict):
    """What a labeler submits for one claimed batch, encrypted to the requester (and to themself)."""

    version: int = RESULT_VERSION
    campaign_id: Annotated[int, Field(ge=0)]
    batch: Annotated[int, Field(ge=0)]
    labeler: str
    annotations: list[Annotation]
