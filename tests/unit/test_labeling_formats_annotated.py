"""Importing files other tools write: COCO, YOLO, Pascal VOC and Label Studio, mistakes included."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from labeling_samples import write_png

from app.labeling.formats import import_path
from app.labeling.formats.yaml_names import parse_names
from app.labeling.schema import Box, Span, TaskType


def _messages(result) -> str:
    return "\n".join(f"{p.file}:{p.line}: {p.message}" for p in result.problems)


def test_coco_boxes_with_unknown_references_bad_boxes_and_missing_files(tmp_path: Path) -> None:
    write_png(tmp_path / "a.png", 100, 80)
    write_png(tmp_path / "images/b.png", 10, 10)
    doc = {
        "images": [
            {"id": 1, "file_name": "a.png", "width": 100, "height": 80},
            {"id": 2, "file_name": "b.png"},  # found in images/, size read from the file
            {"id": 3, "file_name": "gone.png", "width": 5, "height": 5},
            {"id": "4", "file_name": 12},
        ],
        "categories": [{"id": 7, "name": "person"}, {"id": 3, "name": "bike"}, {"id": 9, "name": "unused"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 3, "bbox": [10, 20, 30, 40]},
            {"id": 2, "image_id": 1, "category_id": 7, "bbox": [0.5, 0.5, 0, 10]},
            {"id": 3, "image_id": 1, "category_id": 7, "bbox": [-4, 0, 10, 10]},
            {"id": 4, "image_id": 99, "category_id": 7, "bbox": [1, 1, 1, 1]},
            {"id": 5, "image_id": 2, "category_id": 8, "bbox": [1, 1, 1, 1]},
            {"id": 6, "image_id": 2, "category_id": 7, "bbox": [1, 1, 1]},
            {"id": 7, "image_id": 2, "category_id": 7, "bbox": [1, 2, 3, 4]},
        ],
    }
    (tmp_path / "instances.json").write_text(json.dumps(doc))

    result = import_path(tmp_path / "instances.json")

    assert result.task_type is TaskType.BOUNDING_BOXES
    assert [(i.id, i.width, i.height) for i in result.items] == [("a.png", 100, 80), ("b.png", 10, 10)]
    assert result.items[1].source == str(tmp_path / "images/b.png")
    assert result.annotations["a.png"].boxes == [Box(x=10, y=20, w=30, h=40, label="bike")]
    assert result.annotations["b.png"].boxes == [Box(x=1, y=2, w=3, h=4, label="person")]
    assert result.class_names == ["person", "bike", "unused"]
    text = _messages(result)
    for expected in (
        "images entry #4 skipped: file_name: Input should be a valid string",
        "box skipped: w: Input should be greater than 0",
        "box skipped: x: Input should be greater than or equal to 0",
        "annotation 4 skipped: unknown image id 99",
        "annotation 5 skipped: unknown category id 8",
        "annotation 6 skipped: bbox has 3 numbers, not 4",
        "image 3 skipped: 'gone.png' not found",
    ):
        assert expected in text
    assert len(result.problems) == 7


def test_coco_annotations_without_bbox_are_image_labels(tmp_path: Path) -> None:
    write_png(tmp_path / "a.png")
    doc = {
        "images": [{"id": 1, "file_name": "a.png"}],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": [{"image_id": 1, "category_id": 2}, {"image_id": 1, "category_id": 1}],
    }
    (tmp_path / "c.json").write_text(json.dumps(doc))

    result = import_path(tmp_path / "c.json")

    assert result.task_type is TaskType.IMAGE_CLASSIFICATION
    assert result.annotations["a.png"].label == "dog"
    assert "several labels ['cat', 'dog']: kept 'dog'" in _messages(result)


@pytest.mark.parametrize("shape", [[], {"images": 5}, {"annotations": []}])
def test_a_json_file_that_is_not_coco(tmp_path: Path, shape: object) -> None:
    (tmp_path / "x.json").write_text(json.dumps(shape))
    result = import_path(tmp_path / "x.json", "coco")
    assert result.items == [] and "not a COCO file" in result.problems[0].message


def test_yolo_labels_mirror_images_and_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    write_png(tmp_path / "images/train/a.png", 100, 50)
    write_png(tmp_path / "images/val/b.png", 10, 10)
    write_png(tmp_path / "images/c.png", 10, 10)
    (tmp_path / "labels/train").mkdir(parents=True)
    lines = [
        "1 0.5 0.5 0.2 0.4",
        "",
        "0 0.5 0.5 0.2",
        "5 0.5 0.5 0.1 0.1",
        "0 1.5 0.5 0.1 0.1",
        "0 x 0.5 0.1 0.1",
    ]
    (tmp_path / "labels/train/a.txt").write_text("\n".join([*lines, "0 0.5 0.5 0 0.1"]))
    (tmp_path / "data.yaml").write_text(
        "path: ../datasets\nnames:\n  0: person # people\n  1: 'hot dog'\nnc: 2\n"
    )

    result = import_path(tmp_path)

    assert result.task_type is TaskType.BOUNDING_BOXES
    assert [i.id for i in result.items] == ["c.png", "train/a.png", "val/b.png"]
    assert result.class_names == ["person", "hot dog"]
    (box,) = result.annotations["train/a.png"].boxes
    assert (box.x, box.y, box.w, box.h, box.label) == pytest.approx((40, 15, 20, 20, "hot dog"))
    assert [(p.file, p.line) for p in result.problems] == [("labels/train/a.txt", n) for n in (3, 4, 5, 6, 7)]
    text = _messages(result)
    assert "3: line skipped: 4 values where a box has 5" in text
    assert "4: line skipped: class index 5 out of range (2 classes)" in text
    assert "5: line skipped: coordinates outside [0, 1]" in text
    assert "6: line skipped: not a class index and four numbers" in text
    assert "7: box skipped: w: Input should be greater than 0" in text


def test_yolo_labels_beside_images_without_class_names(tmp_path: Path) -> None:
    write_png(tmp_path / "a.png", 10, 10)
    (tmp_path / "a.txt").write_text("3 0.5 0.5 1 1\n")
    (tmp_path / "b.png").write_bytes(b"broken")

    result = import_path(tmp_path, "yolo")

    assert result.annotations["a.png"].boxes == [Box(x=0, y=0, w=10, h=10, label="3")]
    assert "class indices are used as names" in result.problems[0].message
    assert result.problems[1] == ("b.png", None, "skipped: not an image")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("names: [cat, 'hot dog', \"a, b\"]\n", ["cat", "hot dog", "a, b"]),
        ("names: [cat,\n  dog]  # two\n", ["cat", "dog"]),
        ("names:\n- cat\n- 'it''s'\n- \"q\\\"x\"\nnc: 3\n", ["cat", "it's", 'q"x']),
        ("nc: 2\nnames: {0: cat, 1: C#}\n", ["cat", "C#"]),
        ("names:\n  1: b\n  0: a\n", ["a", "b"]),
        ("  names: [indented]\n", None),
        ("names:\n  0: a\n  2: c\n", None),
        ("names: cat\n", None),
        ("names: [unclosed\n", None),
        ("train: images\n", None),
    ],
)
def test_data_yaml_names_in_each_form(text: str, names: list[str] | None) -> None:
    assert parse_names(text) == names


def test_voc_annotations_with_their_images_and_mistakes(tmp_path: Path) -> None:
    write_png(tmp_path / "JPEGImages/1.png", 60, 40)
    write_png(tmp_path / "JPEGImages/2.png", 60, 40)
    annotations = tmp_path / "Annotations"
    annotations.mkdir()
    obj = "<object><name>{}</name><bndbox><xmin>{}</xmin><ymin>2</ymin><xmax>30.5</xmax><ymax>12</ymax>"
    obj += "</bndbox></object>"
    (annotations / "1.xml").write_text(
        "<annotation><filename>1.png</filename><size><width>60</width><height>40</height></size>"
        + obj.format("dog", 10)
        + obj.format("dog", "ten")
        + obj.format("", 1)
        + obj.format("cat", 31)
        + "</annotation>"
    )
    (annotations / "2.xml").write_text("<annotation><filename>2.png</filename></annotation>")
    (annotations / "3.xml").write_text("<annotation><filename>3.png</filename></annotation>")
    (annotations / "4.xml").write_text("<annotation><filename>1.png</filename>")
    (annotations / "5.xml").write_text("<html/>")

    result = import_path(tmp_path)

    assert result.task_type is TaskType.BOUNDING_BOXES
    assert [(i.id, i.width) for i in result.items] == [("1.png", 60), ("2.png", 60)]
    assert result.annotations["1.png"].boxes == [Box(x=10, y=2, w=20.5, h=10, label="dog")]
    assert [p.file for p in result.problems] == ["Annotations/1.xml"] * 3 + ["Annotations/3.xml"] + [
        "Annotations/4.xml",
        "Annotations/5.xml",
    ]
    text = _messages(result)
    assert "object 2 ('dog') skipped: <bndbox> needs numeric xmin, ymin, xmax, ymax" in text
    assert "label must be a non-empty string" in text
    assert "w: Input should be greater than 0" in text
    assert "its image '3.png' is not found" in text
    assert "no element found" in text
    assert "not a Pascal VOC annotation (root element <html>)" in text


def test_voc_refuses_entity_expansion_and_external_entities(tmp_path: Path) -> None:
    write_png(tmp_path / "a.png")
    lol = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY l0 "lol">{lol}]>'
    bomb += "<annotation><filename>&l9;</filename></annotation>"
    (tmp_path / "bomb.xml").write_text(bomb)
    (tmp_path / "external.xml").write_text(
        '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><annotation><filename>&x;</filename></annotation>'
    )
    (tmp_path / "utf16.xml").write_text('<!DOCTYPE a [<!ENTITY x "y">]><annotation/>', encoding="utf-16")

    started = time.perf_counter()
    result = import_path(tmp_path, "voc")

    assert time.perf_counter() - started < 1
    assert result.items == []
    assert [p.file for p in result.problems] == ["bomb.xml", "external.xml", "utf16.xml"]
    assert all("DOCTYPE and ENTITY declarations are refused" in p.message for p in result.problems)


def test_labelstudio_choices_rectangles_and_local_files(tmp_path: Path) -> None:
    write_png(tmp_path / "media/a.png", 200, 100)
    write_png(tmp_path / "images/b.png", 10, 10)
    rect = {"x": 10, "y": 20, "width": 50, "height": 30, "rectanglelabels": ["car"]}
    tasks = [
        {
            "id": 1,
            "data": {"image": "/data/local-files/?d=media/a.png"},
            "annotations": [
                {"was_cancelled": True, "result": [{"type": "choices", "value": {"choices": ["no"]}}]},
                {"result": [{"type": "rectanglelabels", "original_width": 200, "value": rect}]},
            ],
        },
        {
            "id": 2,
            "data": {"image": "/data/upload/3/0a1b2c3d-b.png"},  # an upload, found by name in images/
            "predictions": [{"result": [{"type": "rectanglelabels", "value": {**rect, "rotation": 30}}]}],
        },
        {"id": 3, "data": {"image": "s3://bucket/c.png"}},
        {"id": 4, "data": {"image": "missing.png"}},
        {"id": 5, "data": {"caption": "no image"}},
        {
            "id": 6,
            "data": {"image": "media/a.png"},
            "annotations": [{"result": [{"type": "polygonlabels", "value": {}}, {"type": "keypointlabels"}]}],
        },
    ]
    (tmp_path / "export.json").write_text(json.dumps(tasks))

    result = import_path(tmp_path / "export.json")

    assert result.task_type is TaskType.BOUNDING_BOXES
    assert [(i.id, i.source) for i in result.items] == [
        ("1", str(tmp_path / "media/a.png")),
        ("2", str(tmp_path / "images/b.png")),
        ("6", str(tmp_path / "media/a.png")),
    ]
    assert result.annotations == {"1": result.annotations["1"]}
    assert result.annotations["1"].boxes == [Box(x=20, y=20, w=100, h=30, label="car")]
    text = _messages(result)
    assert "task 2: a box rotated by 30.0 degrees skipped" in text
    assert "task 3 skipped: image 's3://bucket/c.png': 's3://bucket/c.png' is remote" in text
    assert "task 4 skipped: image 'missing.png': file not found" in text
    assert "task 5 skipped: it needs a data.text or data.image string" in text
    assert "task 6: a result skipped: value: Field required" in text
    assert "1 result(s) of type 'polygonlabels' ignored" in text


def test_labelstudio_text_spans_and_choices(tmp_path: Path) -> None:
    tasks = [
        {"id": 1, "data": {"text": "Ada met Bob"}, "annotations": [{"result": [
            {"type": "labels", "value": {"start": 0, "end": 3, "labels": ["PER"]}},
            {"type": "labels", "value": {"start": 8, "end": 11, "labels": ["PER", "NAME"]}},
            {"type": "labels", "value": {"start": 8, "end": 30, "labels": ["PER"]}},
        ]}]},
        {"id": 2, "data": {"text": "x", "item_id": "mine"}, "annotations": [
            {"result": [{"type": "choices", "value": {"choices": ["a", "b"]}}]},
        ]},
        [1, 2],
    ]  # fmt: skip
    (tmp_path / "t.json").write_text(json.dumps(tasks))

    result = import_path(tmp_path / "t.json", "labelstudio")

    assert [i.id for i in result.items] == ["1", "mine"]
    assert result.task_type is TaskType.NER
    assert result.annotations["1"].spans == [
        Span(start=0, end=3, label="PER"),
        Span(start=8, end=11, label="PER"),
        Span(start=8, end=11, label="NAME"),
    ]
    assert "mine" not in result.annotations  # a label, and the task is NER
    text = _messages(result)
    assert "task 2: several choices ['a', 'b'], kept 'a'" in text
    assert "span 8..30 skipped: outside the item's text" in text
    assert "task #3 skipped" in text
    assert "label of 1 item(s) ignored: a named entities (spans) task has none" in text
