"""Sample data for the labeling format tests: real small images and one dataset per task type."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from app.labeling.schema import Annotation, Box, Item, LabelSet, Span, TaskType

CLASSES = ["cat", "dog", "hot dog"]
TEXTS = [
    'She said "hi", then left.\nNew line, comma',
    "Ünïcödé Ada Lovelace met Charles Babbage in London",
    "no entities here",
]


def png(width: int, height: int, color: str = "white", kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, kind)
    return buffer.getvalue()


def write_png(path: Path, width: int = 32, height: int = 24, color: str = "white") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png(width, height, color))
    return path


def image_items(folder: Path) -> list[Item]:
    """Four images of different sizes (one a JPEG) with ids as a folder import would give them."""
    items = []
    for n, (name, size) in enumerate((("a.png", (64, 48)), ("b.jpg", (50, 80)), ("sub/c.png", (33, 17)))):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            png(*size, color=("red", "green", "blue")[n], kind="JPEG" if name.endswith("jpg") else "PNG")
        )
        items.append(Item(id=name, source=str(path), width=size[0], height=size[1]))
    path = write_png(folder / "d.png", 40, 40)
    return [*items, Item(id="d.png", source=str(path), width=40, height=40)]


def dataset(
    task: TaskType, folder: Path
) -> tuple[tuple[TaskType, LabelSet, list[Item]], dict[str, Annotation]]:
    """Items, label set and answers for ``task``; the last item is left unlabeled."""
    labels = LabelSet.from_names(CLASSES)
    if task.modality == "text":
        items = [Item(id=f"t{n}", text=text) for n, text in enumerate(TEXTS)]
    else:
        items = image_items(folder)
    answers = {
        TaskType.IMAGE_CLASSIFICATION: [
            Annotation(item_id="a.png", label="cat"),
            Annotation(item_id="b.jpg", label="hot dog"),
            Annotation(item_id="sub/c.png", label="cat"),
        ],
        TaskType.BOUNDING_BOXES: [
            Annotation(
                item_id="a.png",
                boxes=[
                    Box(x=1.25, y=2, w=10.5, h=20.125, label="cat"),
                    Box(x=0, y=0, w=64, h=48, label="hot dog"),
                ],
            ),
            Annotation(item_id="b.jpg", boxes=[Box(x=49, y=79, w=1, h=1, label="dog")]),
            Annotation(item_id="sub/c.png", boxes=[Box(x=3.3, y=4.4, w=5.5, h=6.6, label="cat")]),
        ],
        TaskType.TEXT_CLASSIFICATION: [
            Annotation(item_id="t0", label="dog"),
            Annotation(item_id="t1", label="hot dog"),
        ],
        TaskType.NER: [
            Annotation(
                item_id="t0", spans=[Span(start=0, end=3, label="cat"), Span(start=10, end=12, label="dog")]
            ),
            Annotation(
                item_id="t1",
                spans=[Span(start=8, end=20, label="hot dog"), Span(start=44, end=50, label="cat")],
            ),
        ],
    }[task]
    return (task, labels, items), {a.item_id: a for a in answers}
