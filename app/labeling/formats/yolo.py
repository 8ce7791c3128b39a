"""YOLO (Darknet, Ultralytics): one text file of normalized boxes per image, class names apart.

Layout: ``images/…`` with a ``labels/…`` tree mirroring it (the last ``images`` folder of an
image's path becomes ``labels``, the rule Ultralytics pairs them by), or label files beside the
images. Class names come from ``data.yaml`` or ``dataset.yaml`` (``names:``), ``classes.txt`` or
``obj.names``, the first found. A label line is ``class cx cy w h``: centre and size as fractions
of the image, so pixel boxes need each image's size (read from its header).

Export writes that layout, ``classes.txt`` and a ``data.yaml`` Ultralytics trains from. Boxes are
clipped to the image (YOLO cannot say more) and coordinates have 6 decimals. An
image-classification task is written the way Ultralytics classifies: one folder per class
(``dest/<class>/<image>``), which imports back as a ``folder``; unlabeled items are left out there.
YOLO files cannot refer to images elsewhere, so without ``images`` the items' sources are copied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import (
    IMAGE_SUFFIXES,
    FormatError,
    files_below,
    is_file,
    item_id_for,
    probe_image,
)
from app.labeling.formats.output import Dataset, ImageFiles, safe_part, write_text
from app.labeling.formats.yaml_names import parse_names
from app.labeling.schema import Box, Item, TaskType

CLASS_FILES = ("data.yaml", "dataset.yaml", "classes.txt", "obj.names")


def read(path: Path, out: Collector) -> None:
    out.default_task = TaskType.BOUNDING_BOXES
    names = _class_names(path, out)
    for name in names or ():
        if name:
            out.declare(name)
    for image in files_below(path, IMAGE_SUFFIXES, out.skipped):
        try:
            width, height, _ = probe_image(image)
        except ValueError as err:
            out.problem(image, None, f"skipped: {err}")
            continue
        label_file = _label_file(image, path)
        try:
            lines = label_file.read_text(encoding="utf-8").splitlines() if label_file.is_file() else []
        except (OSError, UnicodeDecodeError) as err:
            out.problem(label_file, None, f"image skipped: its label file cannot be read ({err})")
            continue
        boxes = [_box(out, label_file, n, line, names, width, height) for n, line in enumerate(lines, 1)]
        out.add(
            image,
            None,
            item_id=item_id_for(image, path),
            source=image,
            width=width,
            height=height,
            boxes=[b for b in boxes if b is not None],
        )


def _class_names(root: Path, out: Collector) -> list[str] | None:
    for name in CLASS_FILES:
        file = root / name
        if not file.is_file():
            continue
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            out.problem(file, None, f"cannot be read ({err})")
            continue
        names = parse_names(text) if file.suffix == ".yaml" else [n.strip() for n in text.splitlines()]
        if names is None:
            out.problem(file, None, "no 'names:' list or index mapping found")
            continue
        while names and not names[-1]:
            names.pop()
        return names
    out.problem(root, None, f"no class names ({', '.join(CLASS_FILES)}): class indices are used as names")
    return None


def _label_file(image: Path, root: Path) -> Path:
    parts = list(image.relative_to(root).parts)
    for i in reversed(range(len(parts) - 1)):
        if parts[i] == "images":
            parts[i] = "labels"
            break
    return root.joinpath(*parts).with_suffix(".txt")


def _box(
    out: Collector, file: Path, number: int, line: str, names: list[str] | None, width: int, height: int
) -> Box | None:
    values = line.split()
    if not values:
        return None
    if len(values) != 5:
        out.problem(file, number, f"line skipped: {len(values)} values where a box has 5 (class cx cy w h)")
        return None
    try:
        index, (cx, cy, w, h) = int(values[0]), map(float, values[1:])
    except ValueError:
        out.problem(file, number, f"line skipped: not a class index and four numbers: {line.strip()!r}")
        return None
    if names is not None and not 0 <= index < len(names):
        out.problem(file, number, f"line skipped: class index {index} out of range ({len(names)} classes)")
        return None
    if not all(0 <= v <= 1 for v in (cx, cy, w, h)):
        out.problem(file, number, f"line skipped: coordinates outside [0, 1]: {line.strip()!r}")
        return None
    x0, y0 = max(cx - w / 2, 0) * width, max(cy - h / 2, 0) * height
    x1, y1 = min(cx + w / 2, 1) * width, min(cy + h / 2, 1) * height
    return out.box(file, number, x0, y0, x1 - x0, y1 - y0, names[index] if names else str(index))


def write(data: Dataset, dest: Path, images: Callable[[Item], bytes] | None) -> list[Path]:
    if data.task_type.modality != "image":
        raise FormatError("YOLO holds image annotations: export a text task as jsonl, csv or labelstudio")
    files = ImageFiles(dest, images or _copy_of_sources(data.items))
    if data.task_type is TaskType.IMAGE_CLASSIFICATION:
        folders = _class_folders(data.label_set.names)
        for item in data.items:
            answer = data.annotations.get(item.id)
            if answer is not None and answer.label is not None:
                files.place(item, folder=folders[answer.label])
        return files.written
    index = {name: i for i, name in enumerate(data.label_set.names)}
    labels = []
    for item in data.items:
        placed = files.place(item)
        answer = data.annotations.get(item.id)
        lines = [_line(b, index[b.label], *placed.size(item)) for b in answer.boxes] if answer else []
        text = "".join(f"{line}\n" for line in lines if line)
        labels.append(write_text(dest / "labels" / placed.name.with_suffix(".txt"), text))
    names = data.label_set.names
    config = (
        "# Written by Sahara Desktop; train with: yolo detect train data=data.yaml\n"
        f"train: images\nval: images\nnc: {len(names)}\nnames: {json.dumps(names, ensure_ascii=False)}\n"
    )
    return [
        *files.written,
        *labels,
        write_text(dest / "classes.txt", "".join(f"{n}\n" for n in names)),
        write_text(dest / "data.yaml", config),
    ]


def _class_folders(names: list[str]) -> dict[str, str]:
    folders = {name: safe_part(name) for name in names}
    if not all(folders.values()) or len({f.lower() for f in folders.values()}) < len(folders):
        raise FormatError(f"the class names do not make distinct folder names: {names}")
    return folders


def _line(box: Box, index: int, width: int, height: int) -> str:
    """``class cx cy w h`` for the part of ``box`` inside the image ("" when none is)."""
    x0, y0 = max(box.x, 0) / width, max(box.y, 0) / height
    x1, y1 = min(box.x + box.w, width) / width, min(box.y + box.h, height) / height
    if x1 <= x0 or y1 <= y0:
        return ""
    return f"{index} {(x0 + x1) / 2:.6f} {(y0 + y1) / 2:.6f} {x1 - x0:.6f} {y1 - y0:.6f}"


def _copy_of_sources(items: list[Item]) -> Callable[[Item], bytes]:
    """Reads each item's local source, after checking up front that every one is there."""
    missing = [item.id for item in items if not (item.source and is_file(Path(item.source)))]
    if missing:
        raise FormatError(f"{len(missing)} item(s) have no local image file to copy, e.g. {missing[:3]}")
    return lambda item: Path(item.source).read_bytes()
