"""One flat record — a JSONL object or a CSV row — as an item: the part the two importers share.

A record has ``text`` or ``image`` (a path relative to the file's folder, or absolute), and
optionally ``id``, ``label``, ``boxes`` ([{x, y, w, h, label}] in pixels) and ``spans``
([{start, end, label}], character offsets, end exclusive). Without an id, an image record is
named by its path as written and a text record by its line: ``line-12``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import describe, local_image, probe_image


class Record(BaseModel):
    """The shape of one record; strict, so a number where text belongs is a problem, not a guess."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str | int | None = None
    text: str | None = None
    image: str | None = None
    label: str | int | None = None
    boxes: list[dict[str, object]] = Field(default_factory=list)  # a factory: no deep copy per record
    spans: list[dict[str, object]] = Field(default_factory=list)


def parse_record(out: Collector, file: Path, line: int, raw: object) -> Record | None:
    """The record in ``raw`` (a decoded JSON value or a row's cells), or None after saying why not."""
    try:
        return Record.model_validate(raw)
    except ValidationError as err:
        out.problem(file, line, f"line skipped: {describe(err)}")
        return None


def add_record(out: Collector, file: Path, line: int, record: Record) -> None:
    """Hand one record to the collector: resolve and probe its image, build its boxes and spans."""
    if record.text and record.image:
        out.problem(file, line, "line skipped: it has both text and image (one item is one or the other)")
        return
    source, width, height = None, 0, 0
    if record.image:
        try:
            source = local_image(file.parent, record.image)
            width, height, _ = probe_image(source)
        except ValueError as err:
            out.problem(file, line, f"image {record.image!r} skipped: {err}")
            return
    elif not record.text:
        out.problem(file, line, "line skipped: no text and no image")
        return
    given = str(record.id).strip() if record.id is not None else ""
    boxes = [out.box(file, line, *(b.get(k) for k in ("x", "y", "w", "h", "label"))) for b in record.boxes]
    spans = [out.span(file, line, *(s.get(k) for k in ("start", "end", "label"))) for s in record.spans]
    out.add(
        file,
        line,
        item_id=given or record.image or f"line-{line}",
        id_from_path=not given,
        text=record.text or None,
        source=source,
        width=width,
        height=height,
        label=None if record.label is None else str(record.label),
        boxes=[b for b in boxes if b is not None],
        spans=[s for s in spans if s is not None],
    )
