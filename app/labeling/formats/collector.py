"""The collector every importer hands its findings to: the rules all formats share, in one place.

Importers only parse. What they find goes through one ``Collector``, which decides what is kept:
unique item ids, one modality per import, valid boxes and spans, expected class names, the task
the annotations imply. A COCO file and a CSV file are therefore held to exactly the same rules.
Each skipped item, line, box or label becomes an ``ImportProblem`` naming the file (relative to
what was imported) and, for line-based formats, the line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from app.labeling.formats.common import (
    ANSWER_PART,
    ImportProblem,
    ImportResult,
    confined,
    describe,
    is_number,
    item_id_for,
    names_a_local_path,
)
from app.labeling.schema import Annotation, Box, Item, Span, TaskType


class Collector:
    """Gathers what an importer finds and applies the rules every format shares.

    ``task_type``: the task the caller is importing for; it fixes the modality (other items are
    skipped) and which parts of an annotation are kept. Without it the first item fixes the
    modality and the annotations imply the task. ``classes``: the expected class names; labels
    outside them are dropped and listed, one problem per name with its count.
    """

    def __init__(
        self, path: Path, *, task_type: TaskType | None, classes: list[str] | None, root: Path | None = None
    ) -> None:
        # The folder images may come from (``confined``): the chosen folder, the file's folder, or
        # the images root the user named for a file whose paths point elsewhere (Label Studio's).
        self.root = root if root is not None else path if path.is_dir() else path.parent
        self.root_given = root is not None
        self.path = path
        self.default_task: TaskType | None = None  # what the format implies without annotations
        self.items: list[Item] = []
        self.annotations: dict[str, Annotation] = {}
        self.problems: list[ImportProblem] = []
        self._task = task_type
        self._modality = task_type.modality if task_type else None
        self._expected = None if classes is None else set(classes)
        self._ids: set[str] = set()
        self._names: dict[str, None] = {}  # first-seen order
        self._declared: set[str] = set()
        self._unknown: Counter[str] = Counter()
        self._parts: Counter[str] = Counter()  # how many answers have a label, boxes, spans

    def name(self, file: Path) -> str:
        """How problems name a file: relative to the imported folder when inside it."""
        if file == self.root:
            return file.name
        try:
            return file.relative_to(self.root).as_posix()
        except ValueError:
            return str(file)

    def problem(self, file: Path, line: int | None, message: str) -> None:
        self.problems.append(ImportProblem(self.name(file), line, message))

    def skipped(self, file: Path, message: str) -> None:
        """A whole file left out (``files_below`` reports non-regular files here)."""
        self.problem(file, None, message)

    def declare(self, name: str) -> None:
        """A class the file lists (COCO categories, classes.txt), used or not."""
        if self._expected is None or name in self._expected:
            self._names.setdefault(name)
            self._declared.add(name)

    def box(
        self, file: Path, line: int | None, x: object, y: object, w: object, h: object, label: object
    ) -> Box | None:
        """A valid box in pixels, or None after recording why not."""
        if not all(map(is_number, (x, y, w, h))):
            self.problem(file, line, f"box skipped: coordinates must be numbers, got {[x, y, w, h]!r}")
            return None
        if not isinstance(label, str) or not label:
            self.problem(file, line, f"box skipped: label must be a non-empty string, got {label!r}")
            return None
        try:
            return Box(x=x, y=y, w=w, h=h, label=label)
        except ValidationError as err:
            self.problem(file, line, f"box skipped: {describe(err)}")
            return None

    def span(self, file: Path, line: int | None, start: object, end: object, label: object) -> Span | None:
        """A valid span (character offsets, end exclusive), or None after recording why not."""
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            self.problem(file, line, f"span skipped: start and end must be integers, got {start!r}, {end!r}")
            return None
        if not isinstance(label, str) or not label:
            self.problem(file, line, f"span skipped: label must be a non-empty string, got {label!r}")
            return None
        try:
            return Span(start=start, end=end, label=label)
        except ValidationError as err:
            self.problem(file, line, f"span skipped: {describe(err)}")
            return None

    def add(
        self,
        file: Path,
        line: int | None,
        *,
        item_id: str,
        text: str | None = None,
        source: Path | None = None,
        width: int = 0,
        height: int = 0,
        label: str | None = None,
        boxes: Iterable[Box] = (),
        spans: Iterable[Span] = (),
        id_from_path: bool = False,
    ) -> None:
        """Keep one item with what the file says about it, unless a rule says skip (then say why).

        An image must be a regular file inside the imported folder once links are resolved (see
        ``confined``); ``source`` becomes that resolved path. ``id_from_path``: the id is the image's
        reference as the file wrote it; when that is a local path (absolute, ``..``) the id becomes
        the image's path below the folder instead, as ids are published and local paths never are.
        """
        if source is not None:
            try:
                source = confined(source, self.root)
            except ValueError as err:
                self.problem(file, line, f"image {item_id!r} skipped: {err}")
                return
            if id_from_path and names_a_local_path(item_id):
                item_id = item_id_for(source, self.root.resolve())
        if item_id in self._ids:
            self.problem(file, line, f"duplicate item id {item_id!r} skipped (the first one is kept)")
            return
        modality = "text" if text is not None else "image"
        if self._modality not in (None, modality):
            self.problem(
                file, line, f"{modality} item {item_id!r} skipped: this import holds {self._modality} items"
            )
            return
        try:
            item = Item(id=item_id, text=text, source=str(source or ""), width=width, height=height)
        except ValidationError as err:
            self.problem(file, line, f"item skipped: {describe(err)}")
            return
        spans = self._within(file, line, item, spans)
        label, boxes, spans = self._known(label or None, list(boxes), spans)
        self._modality = modality
        self._ids.add(item_id)
        self.items.append(item)
        present = [part for part, value in (("label", label), ("boxes", boxes), ("spans", spans)) if value]
        if present:
            self._parts.update(present)
            self.annotations[item_id] = Annotation(item_id=item_id, label=label, boxes=boxes, spans=spans)

    def result(self) -> ImportResult:
        """What was imported; the task is the caller's, else what the annotations imply."""
        task = self._task or self._implied_task()
        names = list(self._names)
        if task is not None and self._fit(task):  # a dropped part may have been a name's only use
            used = set().union(*(a.labels_used() for a in self.annotations.values()))
            names = [n for n in names if n in used or n in self._declared]
        for name, count in self._unknown.items():
            self.problem(
                self.path,
                None,
                f"class {name!r} is not in the label set: {count} annotation(s) with it dropped",
            )
        return ImportResult(task, self.items, self.annotations, names, self.problems)

    def _within(self, file: Path, line: int | None, item: Item, spans: Iterable[Span]) -> list[Span]:
        kept = []
        for span in spans:
            if item.text is not None and span.end <= len(item.text):
                kept.append(span)
            else:
                self.problem(file, line, f"span {span.start}..{span.end} skipped: outside the item's text")
        return kept

    def _known(
        self, label: str | None, boxes: list[Box], spans: list[Span]
    ) -> tuple[str | None, list[Box], list[Span]]:
        """Drop the parts whose class is not expected (counting them); remember the names seen."""
        if label is not None and not self._keep(label):
            label = None
        return label, [b for b in boxes if self._keep(b.label)], [s for s in spans if self._keep(s.label)]

    def _keep(self, name: str) -> bool:
        if self._expected is not None and name not in self._expected:
            self._unknown[name] += 1
            return False
        self._names.setdefault(name)
        return True

    def _implied_task(self) -> TaskType | None:
        """Boxes or spans make a box or span task, else labels a classification; else the default."""
        if self._modality == "text":
            by_part, default = (("spans", TaskType.NER), ("label", TaskType.TEXT_CLASSIFICATION)), None
        else:
            by_part = (("boxes", TaskType.BOUNDING_BOXES), ("label", TaskType.IMAGE_CLASSIFICATION))
            default = self.default_task
        return next((task for part, task in by_part if self._parts[part]), default)

    def _fit(self, task: TaskType) -> bool:
        """Keep only the part of each answer the task uses and say how many others went; True if any did."""
        keep = ANSWER_PART[task]
        if not any(count for part, count in self._parts.items() if part != keep):
            return False
        dropped: Counter[str] = Counter()
        for item_id, answer in list(self.annotations.items()):
            extra = {
                part: None if part == "label" else []
                for part in ("label", "boxes", "spans")
                if part != keep and getattr(answer, part)
            }
            if not extra:
                continue
            dropped.update(extra.keys())
            answer = answer.model_copy(update=extra)
            if answer.empty:
                del self.annotations[item_id]
            else:
                self.annotations[item_id] = answer
        for part, count in dropped.items():
            self.problem(
                self.path, None, f"{part} of {count} item(s) ignored: a {task.title.lower()} task has none"
            )
        return True
