"""CSV: a header naming ``text`` or ``image``, optionally ``id``, ``label``, ``boxes``, ``spans``.

Rows are read one at a time, so a file of any size imports in memory proportional to what is
kept. ``boxes`` and ``spans`` cells hold JSON lists, as this app's export writes them for box and
span tasks; other columns are ignored. A ``.tsv`` file is tab-separated.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app import safe_json
from app.labeling.formats.collector import Collector
from app.labeling.formats.common import ANSWER_PART
from app.labeling.formats.output import Dataset, ImageFiles, answer_fields, write_text
from app.labeling.formats.records import add_record, parse_record
from app.labeling.schema import Item

if TYPE_CHECKING:
    from _csv import Reader

FILE_NAME = "annotations.csv"
COLUMNS = frozenset({"id", "text", "image", "label", "boxes", "spans"})
_JSON_COLUMNS = ("boxes", "spans")
_TRIMMED = ("id", "image", "label")  # spaces around these are layout, not content (unlike text)


def read(path: Path, out: Collector) -> None:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            _read_rows(path, reader, out)
        except csv.Error as err:
            out.problem(path, reader.line_num, f"reading stopped: {err}")
        except UnicodeDecodeError:
            out.problem(path, reader.line_num + 1, "reading stopped: the file is not UTF-8 text")


def _read_rows(path: Path, reader: Reader, out: Collector) -> None:
    columns = [c.strip().lower() for c in next(reader, [])]
    if not {"text", "image"} & set(columns):
        out.problem(path, 1, f"no 'text' or 'image' column in the header (found {columns})")
        return
    if len(set(columns)) != len(columns):
        out.problem(path, 1, f"the header names a column twice: {columns}")
        return
    end = reader.line_num
    for row in reader:
        line, end = end + 1, reader.line_num  # a quoted field may span lines: report the first
        if not row:
            continue
        if len(row) != len(columns):
            out.problem(path, line, f"line skipped: {len(row)} fields where the header has {len(columns)}")
            continue
        try:
            cells = _cells(columns, row)
        except ValueError as err:
            out.problem(path, line, f"line skipped: {err}")
            continue
        if (record := parse_record(out, path, line, cells)) is not None:
            add_record(out, path, line, record)


def _cells(columns: list[str], row: list[str]) -> dict[str, object]:
    """The row's non-empty known cells by column, JSON ones decoded; raises ValueError for bad JSON."""
    cells: dict[str, object] = {}
    for column, cell in zip(columns, row, strict=True):
        value = cell.strip() if column in _TRIMMED else cell
        if column in COLUMNS and value.strip():
            cells[column] = value
    for column in _JSON_COLUMNS:
        if column in cells:
            try:
                cells[column] = safe_json.loads(str(cells[column]))
            except ValueError as err:
                raise ValueError(f"the {column} cell is not valid JSON ({err})") from err
    return cells


def write(data: Dataset, dest: Path, images: Callable[[Item], bytes] | None) -> list[Path]:
    files = ImageFiles(dest, images)
    content, part = data.task_type.modality, ANSWER_PART[data.task_type]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", content, part])
    for item in data.items:
        value = answer_fields(data.task_type, data.annotations.get(item.id)).get(part)
        cell = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value or ""
        writer.writerow([item.id, item.text if content == "text" else files.place(item).ref, cell])
    return [*files.written, write_text(dest / FILE_NAME, buffer.getvalue())]
