"""JSON Lines: one record per line (see ``records``), read one line at a time so size is no limit."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path

from app import safe_json
from app.labeling.formats.collector import Collector
from app.labeling.formats.output import Dataset, ImageFiles, answer_fields, write_text
from app.labeling.formats.records import add_record, parse_record
from app.labeling.schema import Item

FILE_NAME = "annotations.jsonl"


def read(path: Path, out: Collector) -> None:
    with path.open("rb") as fh:  # bytes: a line that is not UTF-8 is one problem, not the end
        for number, line in enumerate(fh, 1):
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if not line.strip():
                continue
            try:
                value = safe_json.loads(line.decode())
            except ValueError as err:  # UnicodeDecodeError and JsonDepthError are ValueErrors
                out.problem(path, number, f"line skipped: not valid JSON ({err})")
                continue
            if (record := parse_record(out, path, number, value)) is not None:
                add_record(out, path, number, record)


def write(data: Dataset, dest: Path, images: Callable[[Item], bytes] | None) -> list[Path]:
    files = ImageFiles(dest, images)
    lines = []
    for item in data.items:
        record: dict[str, object] = {"id": item.id}
        if item.text is not None:
            record["text"] = item.text
        else:
            record["image"] = files.place(item).ref
        record.update(answer_fields(data.task_type, data.annotations.get(item.id)))
        lines.append(json.dumps(record, ensure_ascii=False))
    return [*files.written, write_text(dest / FILE_NAME, "".join(f"{line}\n" for line in lines))]
