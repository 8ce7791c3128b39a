"""Malformed input of every kind ends in an ImportResult with problems, or a FormatError: nothing else.

Hypothesis writes random bytes, random JSON shapes, valid exports with one value swapped for a
random one (wrong types where the code looks deepest), truncated files, random CSV rows, XML
fragments and YOLO label lines into a folder that also holds real images the inputs may refer to,
and one just outside it that they may try to reach (``../outside.png``): no import may take it.
``make fuzz`` runs these with many more examples (``fuzz_settings``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fuzz_settings import fuzz
from hypothesis import given
from hypothesis import strategies as st
from labeling_samples import dataset, write_png

from app.labeling.formats import FormatError, ImportResult, export, import_path
from app.labeling.formats.yaml_names import parse_names
from app.labeling.schema import TaskType

FUZZ = fuzz
KEYS = [
    "id", "text", "image", "label", "boxes", "spans", "x", "y", "w", "h", "start", "end", "images",
    "annotations", "categories", "file_name", "image_id", "category_id", "bbox", "name", "width", "height",
    "item_id", "data", "result", "type", "value", "choices", "rectanglelabels", "labels", "rotation",
    "predictions", "was_cancelled", "ground_truth",
]  # fmt: skip
STRINGS = st.sampled_from(
    [
        "a.png",
        "images/a.png",
        "/data/local-files/?d=a.png",
        "cat",
        "",
        "../outside.png",
        "images/../../outside.png",
    ]
) | st.text(max_size=8)
DEEP = [b"[" * 100_000, b'{"images": ' + b"[" * 100_000, b'{"text": "a", "spans": ' + b"{" * 50_000]
SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | STRINGS
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=6)
    ),
    max_leaves=25,
)
SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "coco": ".json", "labelstudio": ".json", "voc": ".xml"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    write_png(folder.parent / "outside.png", 20, 10)  # no import of the folder may take this one
    write_png(folder / "a.png", 20, 10)
    write_png(folder / "images/a.png", 20, 10)
    return folder


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A valid file per JSON-ish format, with its images beside it."""
    root = tmp_path_factory.mktemp("exports")
    made = {}
    for fmt, task, name in (
        ("coco", TaskType.BOUNDING_BOXES, "annotations.json"),
        ("labelstudio", TaskType.BOUNDING_BOXES, "labelstudio.json"),
        ("labelstudio", TaskType.NER, "labelstudio.json"),
        ("jsonl", TaskType.BOUNDING_BOXES, "annotations.jsonl"),
        ("csv", TaskType.NER, "annotations.csv"),
    ):
        manifest, answers = dataset(task, root / "src")
        dest = root / f"{fmt}-{task}"
        export(fmt, dest, manifest, answers, images=lambda item: Path(item.source).read_bytes())
        made[f"{fmt}-{task}"] = dest / name
    return made


def _imports_cleanly(path: Path, fmt: str | None) -> None:
    try:
        result = import_path(path, fmt)
    except FormatError:
        return
    assert isinstance(result, ImportResult)
    ids = [item.id for item in result.items]
    assert len(ids) == len(set(ids))
    root = (path if path.is_dir() else path.parent).resolve()
    assert all(Path(item.source).is_relative_to(root) for item in result.items if item.source)
    assert set(result.annotations) <= set(ids)
    assert all(not answer.empty for answer in result.annotations.values())


@FUZZ
@given(data=st.binary(max_size=3000) | st.sampled_from(DEEP), fmt=st.sampled_from([*SUFFIX, None]))
def test_random_bytes(workdir: Path, data: bytes, fmt: str | None) -> None:
    path = workdir / f"input{SUFFIX.get(fmt or 'coco')}"
    path.write_bytes(data)
    _imports_cleanly(path, fmt)


@FUZZ
@given(values=st.lists(JSON, min_size=1, max_size=5), fmt=st.sampled_from(["coco", "labelstudio", "jsonl"]))
def test_random_json_shapes(workdir: Path, values: list[object], fmt: str) -> None:
    path = workdir / f"input{SUFFIX[fmt]}"
    text = "\n".join(json.dumps(v) for v in values) if fmt == "jsonl" else json.dumps(values[0])
    path.write_text(text)
    _imports_cleanly(path, fmt)


def _paths(value: object, at: tuple = ()) -> list[tuple]:
    """Every place in a JSON document, as key/index paths."""
    inner = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [at, *(p for key, child in inner for p in _paths(child, (*at, key)))]


@FUZZ
@given(
    data=st.data(),
    which=st.sampled_from(["coco-bounding_boxes", "labelstudio-bounding_boxes", "labelstudio-ner"]),
)
def test_a_valid_export_with_one_value_of_the_wrong_type(
    exports: dict[str, Path], data: st.DataObject, which: str
) -> None:
    path = exports[which]
    doc = json.loads(path.read_text())
    place = data.draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for key in place[:-1]:
        parent = parent[key]
    parent[place[-1]] = data.draw(JSON)
    mutated = path.with_name(f"mutated{path.suffix}")
    mutated.write_text(json.dumps(doc))
    _imports_cleanly(mutated, which.split("-")[0])


@FUZZ
@given(
    cut=st.floats(0, 1, exclude_max=True),
    which=st.sampled_from(["coco-bounding_boxes", "labelstudio-ner", "jsonl-bounding_boxes", "csv-ner"]),
)
def test_a_truncated_export(exports: dict[str, Path], cut: float, which: str) -> None:
    path = exports[which]
    data = path.read_bytes()
    truncated = path.with_name(f"truncated{path.suffix}")
    truncated.write_bytes(data[: int(len(data) * cut)])
    _imports_cleanly(truncated, which.split("-")[0])


CELL = st.text(alphabet=st.sampled_from('ab,"\n\r\t {}[]:0.5-é\x00'), max_size=12) | STRINGS
COLUMNS = st.lists(
    st.sampled_from(["id", "text", "image", "label", "boxes", "spans", "x"]), min_size=1, max_size=5
)


@FUZZ
@given(header=COLUMNS, rows=st.lists(st.lists(CELL, max_size=6), max_size=8))
def test_random_csv_rows(workdir: Path, header: list[str], rows: list[list[str]]) -> None:
    quote = lambda cell: '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell  # noqa: E731
    lines = [",".join(header), *(",".join(map(quote, row)) for row in rows)]
    (workdir / "input.csv").write_text("\n".join(lines), encoding="utf-8")
    _imports_cleanly(workdir / "input.csv", "csv")


XML_PARTS = st.sampled_from([
    "<annotation>", "</annotation>", "<object>", "</object>", "<name>", "</name>", "<bndbox>", "</bndbox>",
    "<xmin>", "</xmin>", "<ymin>", "</ymin>", "<xmax>", "</xmax>", "<ymax>", "</ymax>", "<size>",
    "</size>", "<width>", "</width>", "<height>", "</height>", "<filename>", "</filename>", "<path>",
    "</path>", "<item_id>", "</item_id>", "a.png", "1", "-5", "nan", "1e999", "3.5", "cat", "&amp;", "&x;",
    "<!DOCTYPE", "<![CDATA[", "]]>", "<?xml", "<!--", "-->",
])  # fmt: skip


@FUZZ
@given(parts=st.lists(XML_PARTS | st.text(max_size=6), max_size=40))
def test_xml_fragments(workdir: Path, parts: list[str]) -> None:
    (workdir / "input.xml").write_text("".join(parts), encoding="utf-8")
    _imports_cleanly(workdir / "input.xml", "voc")


LABEL_LINE = st.lists(
    st.sampled_from(["0", "1", "-1", "0.5", "1.5", "nan", "inf", "x", "1e9", "0.0"]), max_size=6
)


@FUZZ
@given(lines=st.lists(LABEL_LINE, max_size=6), yaml=st.text(max_size=60) | st.just("names: [a, b]\n"))
def test_yolo_label_lines_and_data_yaml(
    tmp_path_factory: pytest.TempPathFactory, lines: list[list[str]], yaml: str
) -> None:
    folder = tmp_path_factory.mktemp("yolo")
    write_png(folder / "images/a.png", 20, 10)
    (folder / "labels").mkdir()
    (folder / "labels/a.txt").write_text("\n".join(" ".join(line) for line in lines))
    (folder / "data.yaml").write_text(yaml, encoding="utf-8")
    _imports_cleanly(folder, None)


@FUZZ
@given(
    files=st.lists(
        st.tuples(
            st.sampled_from(["a.png", "b/c.jpg", "7/0042.png", ".hidden.png", "x.gif"]),
            st.binary(max_size=200),
        ),
        max_size=5,
    ),
    link=st.booleans(),
)
def test_a_folder_of_random_files(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes]], link: bool
) -> None:
    folder = tmp_path_factory.mktemp("folder")
    for name, data in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    write_png(folder.parent / "outside.png", 20, 10)
    if link and hasattr(os, "symlink"):
        (folder / "link.png").symlink_to(folder.parent / "outside.png")
    _imports_cleanly(folder, "folder")


@FUZZ
@given(text=st.text(alphabet=st.sampled_from("names:[]{}-,#'\" \n\t0123ab\\"), max_size=80))
def test_data_yaml_names_parse_or_say_none(text: str) -> None:
    names = parse_names(text)
    assert names is None or all(isinstance(n, str) for n in names)
