"""Importing folders, CSV and JSON Lines; the rules every importer shares; format detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labeling_samples import png, write_png
from PIL import Image

from app.labeling.formats import FORMATS, FormatError, ImportProblem, detect, import_path
from app.labeling.formats.folder import neutral_id
from app.labeling.schema import Box, Span, TaskType


def _jsonl(path: Path, *records: object) -> Path:
    path.write_text(
        "".join(f"{r if isinstance(r, str) else json.dumps(r)}\n" for r in records), encoding="utf-8"
    )
    return path


def _messages(problems: list[ImportProblem]) -> str:
    return "\n".join(f"{p.file}:{p.line}: {p.message}" for p in problems)


def test_class_subfolders_label_the_images_and_a_corrupt_one_is_skipped(tmp_path: Path) -> None:
    write_png(tmp_path / "cat/1.png", 30, 20)
    write_png(tmp_path / "cat/deeper/2.png", color="black")
    write_png(tmp_path / "dog/3.png")
    (tmp_path / "dog/broken.jpg").write_bytes(b"\xff\xd8 this is no jpeg")
    (tmp_path / "dog/cut.png").write_bytes(png(40, 40)[:60])
    Image.new("RGB", (4, 4)).save(tmp_path / "dog/tiff.png", "TIFF")
    (tmp_path / "dog/notes.txt").write_text("ignored: not an image suffix")
    write_png(tmp_path / ".thumbs/hidden.png")

    result = import_path(tmp_path)

    assert result.task_type is TaskType.IMAGE_CLASSIFICATION
    names = {Path(i.source).relative_to(tmp_path).as_posix(): i.id for i in result.items}
    assert sorted(names) == ["cat/1.png", "cat/deeper/2.png", "dog/3.png"]
    assert [i.id for i in result.items] == sorted(names.values())  # ordered by id, not by class
    assert all(neutral_id(tmp_path / name) == item_id for name, item_id in names.items())
    first = next(i for i in result.items if i.id == names["cat/1.png"])
    assert (first.width, first.height) == (30, 20) and first.source == str((tmp_path / "cat/1.png").resolve())
    assert {i: a.label for i, a in result.annotations.items()} == {
        names["cat/1.png"]: "cat",
        names["cat/deeper/2.png"]: "cat",
        names["dog/3.png"]: "dog",
    }
    assert result.class_names == ["cat", "dog"]
    reasons = {p.file: p.message for p in result.problems}
    assert reasons["dog/broken.jpg"] == "skipped: not an image"
    assert reasons["dog/cut.png"].startswith("skipped: truncated or corrupt")
    assert reasons["dog/tiff.png"].startswith("skipped: unsupported image format TIFF")
    assert len(result.problems) == 3


def test_a_folder_with_loose_images_is_unlabeled(tmp_path: Path) -> None:
    write_png(tmp_path / "a.png")
    write_png(tmp_path / "cats/b.png")

    result = import_path(tmp_path, "folder")

    assert [i.id for i in result.items] == ["a.png", "cats/b.png"]
    assert result.annotations == {} and result.task_type is None and result.problems == []


def test_csv_rows_become_items_and_bad_rows_are_reported_by_line(tmp_path: Path) -> None:
    write_png(tmp_path / "img/a.png", 10, 12)
    rows = [
        "ID , Image, label, extra",
        "first, img/a.png, cat, x",
        "",
        ", img/a.png, dog, x",  # no id: named by its image path
        "third, img/missing.png, cat, x",
        "fourth, img/a.png, cat",
        f"fifth,{tmp_path / 'img/a.png'},,x",
        'sixth,"img/a.png\n",cat,x',  # a quoted field over two lines
        ",img/a.png,cat,x",
    ]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    result = import_path(tmp_path / "data.csv")

    assert [i.id for i in result.items] == ["first", "img/a.png", "fifth", "sixth"]
    assert result.items[2].source == str((tmp_path / "img/a.png").resolve()) and result.items[2].width == 10
    assert {i: a.label for i, a in result.annotations.items()} == {
        "first": "cat",
        "img/a.png": "dog",
        "sixth": "cat",
    }
    assert [(p.file, p.line) for p in result.problems] == [("data.csv", 5), ("data.csv", 6), ("data.csv", 10)]
    assert "'img/missing.png' skipped: file not found" in result.problems[0].message
    assert "3 fields where the header has 4" in result.problems[1].message
    assert "duplicate item id 'img/a.png'" in result.problems[2].message


def test_csv_text_rows_with_quotes_tabs_and_missing_text(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_text('text\tlabel\n"two\nlines"\tpos\n\tneg\nplain\t\n', encoding="utf-8")

    result = import_path(tmp_path / "t.tsv")

    assert [(i.id, i.text) for i in result.items] == [("line-2", "two\nlines"), ("line-5", "plain")]
    assert result.task_type is TaskType.TEXT_CLASSIFICATION
    assert result.problems == [ImportProblem("t.tsv", 4, "line skipped: no text and no image")]


def test_csv_without_a_content_column_or_in_another_encoding(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("name,label\nx,y\n")
    (tmp_path / "b.csv").write_bytes("text\nok\ncaf\xe9\n".encode("latin-1"))

    assert "no 'text' or 'image' column" in import_path(tmp_path / "a.csv").problems[0].message
    latin = import_path(tmp_path / "b.csv")
    assert latin.problems[0].message == "reading stopped: the file is not UTF-8 text"


def test_jsonl_records_with_spans_boxes_and_mistakes(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "d.jsonl",
        {"id": 7, "text": "Ada met Bob", "spans": [{"start": 0, "end": 3, "label": "PER"}]},
        "{not json",
        {"text": 5},
        ["a", "list"],
        {
            "text": "x",
            "spans": [{"start": 0, "end": 9, "label": "PER"}, {"start": "0", "end": 1, "label": "PER"}],
        },
        {"text": "y", "label": True},
        {"id": "7", "text": "again"},
        {"text": "Bob", "spans": [{"start": 0, "end": 3, "label": "PER"}], "boxes": [{"x": 0}]},
    )

    result = import_path(path)

    assert [i.id for i in result.items] == ["7", "line-5", "line-8"]
    assert result.task_type is TaskType.NER
    assert result.annotations["7"].spans == [Span(start=0, end=3, label="PER")]
    assert "line-5" not in result.annotations
    assert [p.line for p in result.problems] == [2, 3, 4, 5, 5, 6, 7, 8]
    text = _messages(result.problems)
    assert "d.jsonl:2: line skipped: not valid JSON" in text
    assert "d.jsonl:3: line skipped: text: Input should be a valid string" in text
    assert "d.jsonl:5: span 0..9 skipped: outside the item's text" in text
    assert "d.jsonl:7: duplicate item id '7'" in text
    assert "d.jsonl:8: box skipped: coordinates must be numbers" in text
    assert "boxes of 1 item(s) ignored" not in text  # the bad box never made it into an answer


def test_jsonl_image_records_resolve_paths_against_the_file(tmp_path: Path) -> None:
    write_png(tmp_path / "pics/a.png", 20, 10)
    box = {"x": 1, "y": 1, "w": 5, "h": 5, "label": "car"}
    path = _jsonl(
        tmp_path / "d.jsonl",
        {"image": "pics/a.png", "boxes": [box, {**box, "w": 0}, {**box, "x": float("nan")}]},
        {"image": "https://example.com/a.png"},
        {"image": "pics/a.png", "text": "both"},
    )

    result = import_path(path)

    assert [i.id for i in result.items] == ["pics/a.png"]
    assert result.annotations["pics/a.png"].boxes == [Box(x=1, y=1, w=5, h=5, label="car")]
    text = _messages(result.problems)
    assert "box skipped: w: Input should be greater than 0" in text
    assert "coordinates must be numbers, got [nan" in text
    assert "is remote: download the images" in text
    assert "both text and image" in text


def test_expected_classes_list_each_unknown_name_once_with_its_count(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "d.jsonl",
        {"text": "a", "label": "pos"},
        {"text": "b", "label": "Positive"},
        {"text": "c", "label": "Positive"},
        {"text": "d", "label": "meh"},
    )

    result = import_path(path, classes=["pos", "neg"])

    assert len(result.items) == 4
    assert {i: a.label for i, a in result.annotations.items()} == {"line-1": "pos"}
    assert result.class_names == ["pos"]
    assert [p.message for p in result.problems] == [
        "class 'Positive' is not in the label set: 2 annotation(s) with it dropped",
        "class 'meh' is not in the label set: 1 annotation(s) with it dropped",
    ]
    assert {p.file for p in result.problems} == {"d.jsonl"}


def test_the_callers_task_fixes_modality_and_the_answer_part_kept(tmp_path: Path) -> None:
    write_png(tmp_path / "a.png")
    box = {"x": 1, "y": 1, "w": 5, "h": 5, "label": "car"}
    path = _jsonl(
        tmp_path / "d.jsonl",
        {"text": "words first"},
        {"image": "a.png", "label": "street", "boxes": [box]},
    )

    implied = import_path(path)
    boxes = import_path(path, task_type=TaskType.BOUNDING_BOXES)

    assert [i.id for i in implied.items] == ["line-1"]  # the first item fixes the modality
    assert "image item 'a.png' skipped: this import holds text items" in _messages(implied.problems)
    assert boxes.task_type is TaskType.BOUNDING_BOXES
    assert [i.id for i in boxes.items] == ["a.png"]
    assert boxes.annotations["a.png"].label is None and len(boxes.annotations["a.png"].boxes) == 1
    assert boxes.class_names == ["car"]
    assert "label of 1 item(s) ignored: a bounding boxes task has none" in _messages(boxes.problems)


def test_detection_by_layout_and_content(tmp_path: Path) -> None:
    (tmp_path / "ls.json").write_text(' \n[{"data": {}}]')
    (tmp_path / "coco.json").write_bytes(b'\xef\xbb\xbf{"images": []}')
    (tmp_path / "odd.json").write_text('"a string"')
    for name in ("yolo/labels", "voc/Annotations", "imgs"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "labelimg").mkdir()
    (tmp_path / "labelimg/a.xml").write_text("<annotation/>")

    assert detect(tmp_path / "ls.json") == "labelstudio"
    assert detect(tmp_path / "coco.json") == "coco"
    assert [detect(tmp_path / d) for d in ("yolo", "voc", "labelimg", "imgs")] == [
        "yolo",
        "voc",
        "voc",
        "folder",
    ]
    with pytest.raises(FormatError, match="neither"):
        detect(tmp_path / "odd.json")
    with pytest.raises(FormatError, match="cannot tell"):
        detect(tmp_path / "labelimg/a.xml.bak")


def test_only_an_unusable_path_or_format_raises(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("text\nhi\n")
    with pytest.raises(FormatError, match="does not exist"):
        import_path(tmp_path / "nope.csv")
    with pytest.raises(FormatError, match="unknown import format"):
        import_path(tmp_path / "d.csv", "xlsx")
    with pytest.raises(FormatError, match="a csv import reads a file"):
        import_path(tmp_path, "csv")
    with pytest.raises(FormatError, match="a folder import reads a folder"):
        import_path(tmp_path / "d.csv", "folder")
    assert set(FORMATS) == {"folder", "csv", "jsonl", "coco", "yolo", "voc", "labelstudio"}


def test_references_the_os_rejects_are_problems_too(tmp_path: Path) -> None:
    long, nul = "x" * 5000 + ".png", "a\x00b.png"
    records = _jsonl(tmp_path / "d.jsonl", {"image": long}, {"image": nul})
    (tmp_path / "c.json").write_text(
        json.dumps({"images": [{"id": 1, "file_name": long}, {"id": 2, "file_name": nul}]})
    )
    (tmp_path / "ls.json").write_text(json.dumps([{"data": {"image": long}}, {"data": {"image": nul}}]))

    for path in (records, tmp_path / "c.json", tmp_path / "ls.json"):
        result = import_path(path)
        assert result.items == [] and len(result.problems) == 2, _messages(result.problems)
