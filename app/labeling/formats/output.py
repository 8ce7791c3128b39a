"""What every exporter shares: the dataset being written, where its images go, atomic writes.

An export either carries its images (``images`` returns an item's bytes: each is written under
``dest/images/`` and referred to by that relative path) or refers to each item's local ``source``.
File names come from item ids, made safe for every file system and unique even where names differ
only in case or suffix, so ``labels/a.txt`` can never belong to two images.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from app.fileio import atomic_write_bytes, atomic_write_text
from app.labeling.formats.common import ANSWER_PART, IMAGE_SUFFIXES, FormatError, probe_image
from app.labeling.schema import Annotation, Item, LabelSet, TaskType

EXPORT_MODE = 0o644  # a dataset is for sharing, unlike the app's private files
_UNSAFE = re.compile(r"[^\w.\- ]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", re.IGNORECASE)  # Windows device names
_MAX_PART = 120


@dataclass(frozen=True)
class Dataset:
    task_type: TaskType
    label_set: LabelSet
    items: list[Item]
    annotations: dict[str, Annotation]

    def check_labels(self) -> None:
        """Refuse to export a label the label set lacks: class indices and category ids need it."""
        known = set(self.label_set.names)
        unknown = {n for a in self.annotations.values() for n in a.labels_used()} - known
        if unknown:
            raise FormatError(f"annotations use classes that are not in the label set: {sorted(unknown)}")


class Placed(NamedTuple):
    ref: str  # how the export names the image: a path relative to dest, or the absolute source
    name: PurePosixPath  # the item's unique file name, for files that sit beside it (labels, XML)
    width: int  # 0 when unknown
    height: int

    def size(self, item: Item) -> tuple[int, int]:
        """The image size, for formats that need it (normalized or percent coordinates)."""
        if not (self.width and self.height):
            raise FormatError(f"the size of item {item.id!r}'s image is unknown (its file cannot be read)")
        return self.width, self.height


class ImageFiles:
    """Places each item's image for an export and gives every item a unique, safe file name."""

    def __init__(self, dest: Path, images: Callable[[Item], bytes] | None, folder: str = "images") -> None:
        self.written: list[Path] = []
        self._dest = dest
        self._images = images
        self._folder = folder
        self._taken: set[str] = set()

    def place(self, item: Item, folder: str | None = None) -> Placed:
        """Write the item's image under ``folder`` (default: the one given at creation) or refer to it."""
        if self._images is None:
            if not item.source:
                raise FormatError(f"item {item.id!r} has no local image: pass the image bytes (images=)")
            width, height = item.width, item.height
            if not (width and height):
                with contextlib.suppress(ValueError):
                    width, height, _ = probe_image(Path(item.source))
            return Placed(item.source, self.name(item, Path(item.source).suffix.lower()), width, height)
        data = self._images(item)
        try:
            width, height, suffix = probe_image(io.BytesIO(data))
        except ValueError as err:
            raise FormatError(f"the image of item {item.id!r} is unusable: {err}") from err
        name = self.name(item, suffix)
        ref = f"{folder or self._folder}/{name}"
        atomic_write_bytes(self._dest / ref, data, mode=EXPORT_MODE)
        self.written.append(self._dest / ref)
        return Placed(ref, name, width, height)

    def name(self, item: Item, suffix: str) -> PurePosixPath:
        """``item.id`` as a relative file name ("cats/a.png"), unique without regard to case or suffix."""
        parts = [p for p in (safe_part(p) for p in item.id.replace("\\", "/").split("/")) if p]
        name = PurePosixPath(*parts) if parts else PurePosixPath("item")
        if name.suffix.lower() not in IMAGE_SUFFIXES:
            name = name.with_name(name.name + suffix)
        base = candidate = name.with_suffix("")
        n = 1
        while (key := candidate.as_posix().lower()) in self._taken:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
        self._taken.add(key)
        return candidate.with_name(candidate.name + name.suffix)


def safe_part(part: str) -> str:
    """One path component that is a valid, visible file name on Windows, macOS and Linux ("" if none)."""
    part = _UNSAFE.sub("_", part).strip(" .")[:_MAX_PART]
    return f"_{part}" if _RESERVED.match(part) else part


def answer_fields(task: TaskType, answer: Annotation | None) -> dict[str, object]:
    """The part of an answer the task uses, as plain JSON (``label``, ``boxes`` or ``spans``)."""
    part = ANSWER_PART[task]
    value = getattr(answer, part) if answer is not None else None
    if not value:
        return {}
    return {part: value if part == "label" else [v.model_dump() for v in value]}


def write_text(path: Path, text: str) -> Path:
    atomic_write_text(path, text, mode=EXPORT_MODE)
    return path
