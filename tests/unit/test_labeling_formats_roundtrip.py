"""Export then import gives back the same items and answers, for every format and each task it holds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from labeling_samples import CLASSES, dataset, png

from app.labeling.formats import EXPORT_FORMATS, FormatError, export, import_path
from app.labeling.schema import Annotation, Box, Item, LabelSet, TaskType

IC, BB, TC, NER = (
    TaskType.IMAGE_CLASSIFICATION,
    TaskType.BOUNDING_BOXES,
    TaskType.TEXT_CLASSIFICATION,
    TaskType.NER,
)
HOLDS = {
    "coco": (IC, BB),
    "yolo": (IC, BB),
    "voc": (BB,),
    "jsonl": (IC, BB, TC, NER),
    "csv": (IC, BB, TC, NER),
    "labelstudio": (IC, BB, TC, NER),
}
SINGLE_FILE = {
    "coco": "annotations.json",
    "jsonl": "annotations.jsonl",
    "csv": "annotations.csv",
    "labelstudio": "labelstudio.json",
}


def _read_source(item: Item) -> bytes:
    return Path(item.source).read_bytes()


def _assert_same_answer(got: Annotation, want: Annotation, tolerance: float) -> None:
    assert got.label == want.label
    assert got.spans == want.spans
    assert [b.label for b in got.boxes] == [b.label for b in want.boxes]
    for g, w in zip(got.boxes, want.boxes, strict=True):
        assert max(abs(g.x - w.x), abs(g.y - w.y), abs(g.w - w.w), abs(g.h - w.h)) <= tolerance, (g, w)


@pytest.mark.parametrize("with_bytes", [False, True], ids=["sources", "bytes"])
@pytest.mark.parametrize(("fmt", "task"), [(f, t) for f, tasks in HOLDS.items() for t in tasks])
def test_export_then_import_gives_the_same_answers(
    tmp_path: Path, fmt: str, task: TaskType, with_bytes: bool
) -> None:
    dest = tmp_path / "out"
    # An import reads images only inside its folder: an export that refers to the items' sources
    # (YOLO copies them) is re-imported from a folder that holds them.
    manifest, answers = dataset(task, tmp_path / "src" if with_bytes or fmt == "yolo" else dest / "src")
    items = manifest[2]
    written = export(fmt, dest, manifest, answers, images=_read_source if with_bytes else None)

    assert written and all(p.is_file() and p.is_relative_to(dest) for p in written)
    assert not [p for p in dest.rglob(".*")], "no temp file is left behind"
    result = import_path(dest / SINGLE_FILE.get(fmt, ""))  # the format is detected
    assert result.problems == []
    assert result.task_type is task
    got = {i.id: i for i in result.items}
    if fmt == "yolo" and task is IC:  # class folders <class>/<id>, unlabeled items left out; neutral ids
        file_of = {
            i: Path(item.source).relative_to(dest.resolve()).as_posix().split("/", 1)[1]
            for i, item in got.items()
        }
        got = {file_of[i]: item for i, item in got.items()}
        answers_got = {file_of[i]: a for i, a in result.annotations.items()}
        items = [i for i in items if i.id in answers]
    else:
        answers_got = result.annotations
    if fmt in ("yolo", "voc"):  # a folder of files imports in path order
        assert sorted(got) == sorted(i.id for i in items)
    else:
        assert list(got) == [i.id for i in items]
    for item in items:
        if task.modality == "text":
            assert got[item.id].text == item.text
        else:
            assert (got[item.id].width, got[item.id].height) == (item.width, item.height)
            assert Path(got[item.id].source).is_file()
            assert Path(got[item.id].source).is_relative_to(dest.resolve())  # links resolved
    assert set(answers_got) == set(answers)
    for item_id, want in answers.items():
        _assert_same_answer(answers_got[item_id], want, 0.5 if fmt == "yolo" else 1e-6)
    assert set(result.class_names) <= set(CLASSES)
    if fmt in ("coco", "yolo") and task is BB:  # the formats that list their classes
        assert result.class_names == CLASSES


@pytest.mark.parametrize(
    ("fmt", "task"), [(f, t) for f, tasks in HOLDS.items() for t in TaskType if t not in tasks]
)
def test_a_format_refuses_a_task_it_cannot_hold(tmp_path: Path, fmt: str, task: TaskType) -> None:
    manifest, answers = dataset(task, tmp_path / "src")
    with pytest.raises(FormatError, match="export"):
        export(fmt, tmp_path / "out", manifest, answers)
    assert not list((tmp_path / "out").iterdir())


def test_export_refuses_unknown_formats_and_classes(tmp_path: Path) -> None:
    manifest, answers = dataset(TC, tmp_path)
    with pytest.raises(FormatError, match="unknown export format"):
        export("parquet", tmp_path / "out", manifest, answers)
    stray = {"t0": Annotation(item_id="t0", label="zebra")}
    with pytest.raises(FormatError, match="zebra"):
        export("jsonl", tmp_path / "out", manifest, stray)


def test_an_image_item_needs_bytes_or_a_source(tmp_path: Path) -> None:
    manifest = (IC, LabelSet.from_names(["a"]), [Item(id="x", image_cid="bafy")])
    for fmt in EXPORT_FORMATS:
        with pytest.raises(FormatError, match="x"):
            export(fmt, tmp_path / fmt, manifest, {})
    written = export("coco", tmp_path / "coco", manifest, {}, images=lambda item: png(8, 8))
    assert (tmp_path / "coco/images/x.png") in written  # the suffix comes from the bytes


def test_item_ids_become_safe_unique_file_names(tmp_path: Path) -> None:
    ids = [
        "../../evil.png",
        "A.png",
        "a.png",
        "a.jpg",
        "con.png",
        "x/../../y.png",
        "what?:*.png",
        "noext",
        "...",
    ]
    items = [Item(id=i, image_cid="bafy") for i in ids]
    answers = {i: Annotation(item_id=i, boxes=[Box(x=1, y=1, w=2, h=2, label="a")]) for i in ids}
    manifest = (BB, LabelSet.from_names(["a"]), items)
    dest = tmp_path / "out"

    written = export("yolo", dest, manifest, answers, images=lambda item: png(8, 8))

    assert all(p.resolve().is_relative_to(dest) for p in written)
    labels = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.txt") if p.parent.name != "out")
    assert len(labels) == len(ids) == len({label.lower() for label in labels})
    assert "labels/con.txt" not in labels  # a Windows device name
    result = import_path(dest)
    assert result.problems == [] and len(result.items) == len(ids)
    assert all(len(a.boxes) == 1 for a in result.annotations.values())
    export("coco", tmp_path / "coco", manifest, answers, images=lambda item: png(8, 8))
    assert [i.id for i in import_path(tmp_path / "coco/annotations.json").items] == ids  # ids kept as given


def test_yolo_clips_boxes_to_the_image(tmp_path: Path) -> None:
    manifest = (BB, LabelSet.from_names(["a"]), [Item(id="i.png", image_cid="bafy")])
    boxes = [Box(x=90, y=40, w=20, h=20, label="a"), Box(x=200, y=0, w=5, h=5, label="a")]
    export(
        "yolo",
        tmp_path,
        manifest,
        {"i.png": Annotation(item_id="i.png", boxes=boxes)},
        images=lambda i: png(100, 50),
    )

    (box,) = import_path(tmp_path).annotations["i.png"].boxes  # the box outside the image is gone
    assert (box.x, box.y, box.w, box.h) == pytest.approx((90, 40, 10, 10), abs=0.01)


def test_labelstudio_export_comes_with_a_matching_labeling_config(tmp_path: Path) -> None:
    manifest, answers = dataset(NER, tmp_path)
    export("labelstudio", tmp_path / "out", manifest, answers)

    view = ET.parse(tmp_path / "out/label_config.xml").getroot()
    assert view.find("Text").get("value") == "$text"
    assert [label.get("value") for label in view.iter("Label")] == CLASSES


def test_yolo_without_bytes_copies_sources_and_checks_them_first(tmp_path: Path) -> None:
    manifest, answers = dataset(BB, tmp_path / "src")
    gone = manifest[2][0].model_copy(update={"source": str(tmp_path / "gone.png")})
    with pytest.raises(FormatError, match="1 item"):
        export("yolo", tmp_path / "out", (BB, manifest[1], [gone, *manifest[2][1:]]), answers)
    assert not (tmp_path / "out/images").exists()
