"""Label Studio JSON export: a list of tasks, each with ``data`` and ``annotations[].result``.

Results read: ``choices`` (the item's class), ``rectanglelabels`` (x, y, width, height in percent
of the image) and ``labels`` (text spans by character offsets); other result types are counted and
reported. A task's answer is its ground-truth annotation, else its first one not cancelled, else
its first prediction. ``data.image`` may be a local path, ``file://`` or Label Studio's
``/data/local-files/?d=…``, resolved against the images root (``import_path(images_root=…)``, for
local files Label Studio's document root) or else the JSON's folder; ``/data/upload/3/…`` is
looked for as ``upload/3/…`` and ``media/upload/3/…`` there (Label Studio's media folder), and
any image by file name there or in ``images/`` (``1a2b3c4d-cat.png`` also as ``cat.png``). An
image that cannot be found is a problem that names the folder searched and how to name another.
Percentages apply to the image as found, whose size is read from its header (the same as
``original_width``/``original_height`` for the labeled file).

Export writes the same shape plus ``label_config.xml`` for a matching Label Studio project. Images
exported with the dataset are referred to as ``/data/local-files/?d=images/…``: Label Studio serves
them with ``dest`` as its local-files document root (docs/labelstudio.md gives the steps), and
``data.item_id`` keeps each item id so a re-import keys on it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlparse

from pydantic import BaseModel, ConfigDict, ValidationError

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import describe, is_file, load_json, local_image, probe_image
from app.labeling.formats.output import Dataset, ImageFiles, Placed, write_text
from app.labeling.schema import Annotation, Box, Item, Span, TaskType

FILE_NAME = "labelstudio.json"
CONFIG_NAME = "label_config.xml"
_LOCAL_FILES = "/data/local-files/"
_UPLOADS = "/data/upload/"
_UPLOADED = re.compile(r"^[0-9a-f]{8}-(.+)$")


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _Task(_Shape):
    id: int | str | None = None
    data: dict[str, object]
    annotations: list[dict[str, object]] = []
    predictions: list[dict[str, object]] = []


class _Result(_Shape):
    type: str
    value: dict[str, object]


class _Choices(_Shape):
    choices: list[str]


class _Rectangle(_Shape):
    x: float
    y: float
    width: float
    height: float
    rotation: float = 0
    rectanglelabels: list[str]


class _Labels(_Shape):
    start: int
    end: int
    labels: list[str]


def read(path: Path, out: Collector) -> None:
    try:
        tasks = load_json(path)
    except ValueError as err:
        out.problem(path, None, str(err))
        return
    if not isinstance(tasks, list):
        out.problem(path, None, "not a Label Studio export: it needs a list of tasks")
        return
    ignored: Counter[str] = Counter()
    for n, raw in enumerate(tasks, 1):
        try:
            task = _Task.model_validate(raw)
        except ValidationError as err:
            out.problem(path, None, f"task #{n} skipped: {describe(err)}")
            continue
        _add(out, path, n, task, ignored)
    for kind, count in ignored.items():
        out.problem(
            path, None, f"{count} result(s) of type {kind!r} ignored (read: choices, rectanglelabels, labels)"
        )


def _add(out: Collector, path: Path, n: int, task: _Task, ignored: Counter[str]) -> None:
    where = f"task {task.id if task.id is not None else f'#{n}'}"
    text, image = task.data.get("text"), task.data.get("image")
    text = text if isinstance(text, str) and text else None  # beside a text, an image is only context
    if text is None and not (isinstance(image, str) and image):
        out.problem(path, None, f"{where} skipped: it needs a data.text or data.image string")
        return
    source, width, height = None, 0, 0
    if text is None:
        try:
            source = _image_path(out.root, str(image))
            width, height, _ = probe_image(source)
        except _NotFound:
            hint = (
                ""
                if out.root_given
                else "; name the folder Label Studio's paths live under: Images folder (--images-root)"
            )
            missing = f"file not found under {out.root}{hint}"
            out.problem(path, None, f"{where} skipped: image {image!r}: {missing}")
            return
        except ValueError as err:
            out.problem(path, None, f"{where} skipped: image {image!r}: {err}")
            return
    label, boxes, spans = _answer(out, path, where, task, width, height, ignored)
    out.add(
        path,
        None,
        item_id=_item_id(task, n),
        text=text,
        source=source,
        width=width,
        height=height,
        label=label,
        boxes=boxes,
        spans=spans,
    )


def _item_id(task: _Task, n: int) -> str:
    """This app's ``data.item_id`` when there, else Label Studio's task id, else the position."""
    given = task.data.get("item_id")
    if isinstance(given, str) and given:
        return given
    return f"task-{n}" if task.id is None else str(task.id)


def _answer(
    out: Collector, path: Path, where: str, task: _Task, width: int, height: int, ignored: Counter[str]
) -> tuple[str | None, list[Box], list[Span]]:
    """The label, boxes and spans in the task's chosen result; each unusable result is a problem."""
    label, boxes, spans = None, [], []
    for raw in _chosen_result(task):
        try:
            result = _Result.model_validate(raw)
            if result.type == "choices":
                choices = _Choices.model_validate(result.value).choices
                if len(choices) > 1:
                    out.problem(path, None, f"{where}: several choices {choices}, kept {choices[0]!r}")
                label = choices[0] if choices else label
            elif result.type == "rectanglelabels":
                boxes += _boxes(out, path, where, _Rectangle.model_validate(result.value), width, height)
            elif result.type == "labels":
                value = _Labels.model_validate(result.value)
                spans += [out.span(path, None, value.start, value.end, name) for name in value.labels]
            else:
                ignored[result.type] += 1
        except ValidationError as err:
            out.problem(path, None, f"{where}: a result skipped: {describe(err)}")
    return label, [b for b in boxes if b is not None], [s for s in spans if s is not None]


def _chosen_result(task: _Task) -> list[object]:
    done = [a for a in task.annotations if not a.get("was_cancelled")]
    chosen = next((a for a in done if a.get("ground_truth")), done[0] if done else None)
    if chosen is None and task.predictions:
        chosen = task.predictions[0]
    result = chosen.get("result", []) if chosen else []
    return result if isinstance(result, list) else [result]  # a non-list fails _Result with a reason


def _boxes(
    out: Collector, path: Path, where: str, rect: _Rectangle, width: int, height: int
) -> list[Box | None]:
    if rect.rotation:
        out.problem(
            path, None, f"{where}: a box rotated by {rect.rotation} degrees skipped (boxes are upright)"
        )
        return []
    x, y = rect.x * width / 100, rect.y * height / 100
    w, h = rect.width * width / 100, rect.height * height / 100
    return [out.box(path, None, x, y, w, h, name) for name in rect.rectanglelabels]


class _NotFound(ValueError):
    """No file for the image reference under the folder searched."""


def _image_path(base: Path, ref: str) -> Path:
    """The local file for ``data.image``; raises ValueError when there is none."""
    url = urlparse(ref)
    if url.path.endswith(_LOCAL_FILES) or url.path.endswith(_LOCAL_FILES.rstrip("/")):
        ref = parse_qs(url.query).get("d", [""])[0]
    below: list[Path] = []
    if not url.scheme and url.path.startswith(_UPLOADS):  # served from Label Studio's media folder
        inside = unquote(url.path).removeprefix("/data/")
        below = [base / inside, base / "media" / inside]
        ref = inside
    path = local_image(base, ref)
    names = [path.name]
    if upload := _UPLOADED.match(path.name):  # Label Studio prefixes uploaded files with 8 hex digits
        names.append(upload[1])
    candidates = [path, *below, *(base / "images" / n for n in names), *(base / n for n in names)]
    found = next((p for p in candidates if is_file(p)), None)
    if found is None:
        raise _NotFound("file not found")
    return found


def write(data: Dataset, dest: Path, images: Callable[[Item], bytes] | None) -> list[Path]:
    files = ImageFiles(dest, images)
    tasks = []
    for n, item in enumerate(data.items, 1):
        placed = None if item.text is not None else files.place(item)
        if placed is None:
            fields = {"text": item.text}
        else:
            fields = {"image": placed.ref if images is None else f"{_LOCAL_FILES}?d={quote(placed.ref)}"}
        results = _results(data.task_type, item, placed, data.annotations.get(item.id))
        task = {"id": n, "data": fields | {"item_id": item.id}, "annotations": []}
        if results:
            task["annotations"] = [{"result": [{"id": f"{n}-{k}", **r} for k, r in enumerate(results, 1)]}]
        tasks.append(task)
    return [
        *files.written,
        write_text(dest / FILE_NAME, json.dumps(tasks, ensure_ascii=False, indent=1)),
        write_text(dest / CONFIG_NAME, _config(data)),
    ]


def _results(task: TaskType, item: Item, placed: Placed | None, answer: Annotation | None) -> list[dict]:
    """The answer as Label Studio results (boxes in percent of the image, which needs its size)."""
    if answer is None:
        return []
    target = {"from_name": "label", "to_name": task.modality}
    if task is TaskType.BOUNDING_BOXES:
        if placed is None or not answer.boxes:
            return []
        width, height = placed.size(item)
        kind = {
            "type": "rectanglelabels",
            "original_width": width,
            "original_height": height,
            "image_rotation": 0,
        }
        return [target | kind | {"value": _percent(box, width, height)} for box in answer.boxes]
    if task is TaskType.NER:
        return [target | {"type": "labels", "value": _span(s, item.text or "")} for s in answer.spans]
    if answer.label is None:
        return []
    return [target | {"type": "choices", "value": {"choices": [answer.label]}}]


def _percent(box: Box, width: int, height: int) -> dict[str, object]:
    return {
        "x": box.x * 100 / width,
        "y": box.y * 100 / height,
        "width": box.w * 100 / width,
        "height": box.h * 100 / height,
        "rotation": 0,
        "rectanglelabels": [box.label],
    }


def _span(span: Span, text: str) -> dict[str, object]:
    return {"start": span.start, "end": span.end, "text": text[span.start : span.end], "labels": [span.label]}


def _config(data: Dataset) -> str:
    """A Label Studio labeling interface whose names match the exported results."""
    view = ET.Element("View")
    modality = data.task_type.modality
    ET.SubElement(view, modality.title(), name=modality, value=f"${modality}")
    tag = {
        TaskType.BOUNDING_BOXES: ("RectangleLabels", "Label"),
        TaskType.NER: ("Labels", "Label"),
    }.get(data.task_type, ("Choices", "Choice"))
    control = ET.SubElement(view, tag[0], name="label", toName=modality)
    for name in data.label_set.names:
        ET.SubElement(control, tag[1], value=name)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"
