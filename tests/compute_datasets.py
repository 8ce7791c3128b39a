"""Training datasets for compute tests, written by the app's own labeling export (COCO with images,
zipped as labeling/publish.py zips it): real digits, labelled with their true class."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from app.labeling.digits import digit_png, load_digits
from app.labeling.formats import export
from app.labeling.schema import Annotation, Item, LabelClass, LabelSet, TaskType


def digits_zip(folder: Path, count: int, *, start: int = 0) -> bytes:
    """``count`` digits from ``start`` exported as an image classification dataset, zipped."""
    pixels, labels = load_digits()
    label_set = LabelSet(classes=[LabelClass(name=str(d)) for d in range(10)])
    items = [Item(id=f"digit-{n}", source=f"digit-{n}.png") for n in range(start, start + count)]
    answers = {i.id: Annotation(item_id=i.id, label=str(int(labels[start + n]))) for n, i in enumerate(items)}
    dest = folder / "export"
    export(
        "coco", dest, (TaskType.IMAGE_CLASSIFICATION, label_set, items), answers,
        images=lambda item: digit_png(pixels[int(item.id.split("-")[1])], scale=2),
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in dest.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(dest).as_posix())
    return buffer.getvalue()


def rewritten(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The zip with its annotations.json passed through ``change`` (a dict to a dict)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            body = source.read(name)
            if name == "annotations.json":
                body = json.dumps(change(json.loads(body))).encode()
            archive.writestr(name, body)
    return buffer.getvalue()
