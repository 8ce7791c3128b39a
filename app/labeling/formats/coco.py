"""COCO instances JSON: ``images``, ``categories`` and ``annotations`` with ``bbox`` [x, y, w, h] px.

An image's ``file_name`` is resolved against the JSON's folder, then ``images/`` beside it; a
missing file skips the image, and so does an unreadable one when its size must be read from it.
Annotations naming an unknown image or category, and unusable boxes, are problems. COCO has no
image-level class, so this app's convention for image classification is an annotation with
``category_id`` and no ``bbox``: it imports as the image's label, and a classification task
exports that way. Exports also keep the item id in each image's ``item_id`` (COCO readers ignore
extra keys) so a re-import keys on the same ids.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import FormatError, describe, exists, load_json, local_image, probe_image
from app.labeling.formats.output import Dataset, ImageFiles, write_text
from app.labeling.schema import Box, Item, TaskType

FILE_NAME = "annotations.json"
_Size = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Entry(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


Entry = TypeVar("Entry", bound=_Entry)


class _Category(_Entry):
    id: int | str
    name: Annotated[str, Field(min_length=1)]


class _Image(_Entry):
    id: int | str
    file_name: Annotated[str, Field(min_length=1)]
    width: _Size = 0
    height: _Size = 0
    item_id: str | None = None


class _Instance(_Entry):
    id: int | str | None = None
    image_id: int | str
    category_id: int | str
    bbox: list[float] | None = None


def read(path: Path, out: Collector) -> None:
    try:
        doc = load_json(path)
    except ValueError as err:
        out.problem(path, None, str(err))
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        out.problem(path, None, "not a COCO file: it needs an object with an 'images' list")
        return
    categories = {c.id: c.name for c in _entries(out, path, doc, "categories", _Category)}
    for name in categories.values():
        out.declare(name)
    images = {}
    for image in _entries(out, path, doc, "images", _Image):
        if image.id in images:
            out.problem(path, None, f"image id {image.id!r} appears twice: the second is skipped")
        else:
            images[image.id] = image
    labels: dict[int | str, list[str]] = defaultdict(list)
    boxes: dict[int | str, list[Box]] = defaultdict(list)
    for n, instance in enumerate(_entries(out, path, doc, "annotations", _Instance), 1):
        where = f"annotation {instance.id if instance.id is not None else f'#{n}'}"
        if instance.image_id not in images:
            out.problem(path, None, f"{where} skipped: unknown image id {instance.image_id!r}")
        elif instance.category_id not in categories:
            out.problem(path, None, f"{where} skipped: unknown category id {instance.category_id!r}")
        elif instance.bbox is None:
            labels[instance.image_id].append(categories[instance.category_id])
        elif len(instance.bbox) != 4:
            out.problem(path, None, f"{where} skipped: bbox has {len(instance.bbox)} numbers, not 4")
        elif (box := out.box(path, None, *instance.bbox, categories[instance.category_id])) is not None:
            boxes[instance.image_id].append(box)
    del doc
    for image in images.values():
        _add(out, path, image, labels[image.id], boxes[image.id])


def _entries(out: Collector, path: Path, doc: dict, key: str, shape: type[Entry]) -> Iterator[Entry]:
    """The valid entries of ``doc[key]``, one at a time; each invalid one is a problem naming its position."""
    raw = doc.get(key, [])
    if not isinstance(raw, list):
        out.problem(path, None, f"'{key}' is not a list: ignored")
        return
    for n, entry in enumerate(raw, 1):
        try:
            yield shape.model_validate(entry)
        except ValidationError as err:
            out.problem(path, None, f"{key} entry #{n} skipped: {describe(err)}")


def _add(out: Collector, path: Path, image: _Image, labels: list[str], boxes: list[Box]) -> None:
    try:
        source = local_image(path.parent, image.file_name)
        if not exists(source):
            source = local_image(path.parent / "images", image.file_name)
    except ValueError as err:
        out.problem(path, None, f"image {image.id!r} skipped: {err}")
        return
    if not exists(source):
        out.problem(path, None, f"image {image.id!r} skipped: {image.file_name!r} not found")
        return
    width, height = int(image.width), int(image.height)
    if not (width and height):
        try:
            width, height, _ = probe_image(source)
        except ValueError as err:
            out.problem(path, None, f"image {image.id!r} skipped: {image.file_name!r}: {err}")
            return
    if len(set(labels)) > 1:
        out.problem(
            path, None, f"image {image.id!r} has several labels {sorted(set(labels))}: kept {labels[0]!r}"
        )
    out.add(
        path,
        None,
        item_id=image.item_id or image.file_name.replace("\\", "/"),
        id_from_path=not image.item_id,
        source=source,
        width=width,
        height=height,
        label=labels[0] if labels else None,
        boxes=boxes,
    )


def write(data: Dataset, dest: Path, images: Callable[[Item], bytes] | None) -> list[Path]:
    if data.task_type.modality != "image":
        raise FormatError("COCO holds image annotations: export a text task as jsonl, csv or labelstudio")
    files = ImageFiles(dest, images)
    category = {name: i for i, name in enumerate(data.label_set.names, 1)}
    coco_images, instances = [], []
    for image_id, item in enumerate(data.items, 1):
        placed = files.place(item)
        coco_images.append(
            {
                "id": image_id,
                "file_name": placed.ref,
                "width": placed.width,
                "height": placed.height,
                "item_id": item.id,
            }
        )
        answer = data.annotations.get(item.id)
        if answer is None:
            continue
        if data.task_type is TaskType.BOUNDING_BOXES:
            for box in answer.boxes:
                instance = {"image_id": image_id, "category_id": category[box.label]}
                instance |= {"bbox": [box.x, box.y, box.w, box.h], "area": box.w * box.h, "iscrowd": 0}
                instances.append(instance)
        elif answer.label is not None:
            instances.append({"image_id": image_id, "category_id": category[answer.label]})
    doc = {
        "info": {"description": f"{data.task_type.title}, exported by Sahara Desktop"},
        "images": coco_images,
        "annotations": [{"id": n, **instance} for n, instance in enumerate(instances, 1)],
        "categories": [{"id": i, "name": name, "supercategory": ""} for name, i in category.items()],
    }
    return [*files.written, write_text(dest / FILE_NAME, json.dumps(doc, ensure_ascii=False))]
