"""The dataset a training job learns from: the zip the app's labeling export writes for an image
classification task (``annotations.json`` in COCO with an image-level ``category_id`` and no
``bbox``, the images under ``images/``; see app/labeling/formats/coco.py and labeling/publish.py).

The zip comes from a stranger, so it is read in memory and never extracted: an image's
``file_name`` is only ever looked up as a member of this zip (never opened as a path or a URL), the
members' declared sizes are bounded before anything is inflated, and Pillow's decompression-bomb
limit stays on. ``check_dataset`` reads only the JSON (the worker's check before accepting: images
are decoded in the sandbox child, not in the worker); ``read_dataset`` decodes the images too.

Items are ordered by image id; every fifth (positions 4, 9, ...) is held out for the accuracy the
result states: a split anyone can redo from the zip alone, with no random numbers.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np

from app import safe_json

ANNOTATIONS = "annotations.json"
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_ITEMS = 200_000
MIN_ITEMS = 10
HOLDOUT_EVERY = 5


class DatasetError(ValueError):
    """The dataset cannot be trained on; the message says why in words."""


@dataclass(frozen=True)
class Labelled:
    """What the JSON says: class names (by category id) and (image id, member name, class) triples."""

    classes: list[str]
    items: list[tuple[int, str, int]]


@dataclass(frozen=True)
class Dataset:
    classes: list[str]
    images: np.ndarray  # float32 [N, C, S, S] in [0, 1]
    labels: np.ndarray  # int64 [N]

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """Boolean masks ``(train, holdout)``."""
        holdout = np.arange(len(self.labels)) % HOLDOUT_EVERY == HOLDOUT_EVERY - 1
        return ~holdout, holdout


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DatasetError(f"the dataset is not a zip archive: {exc}") from exc
    infos = archive.infolist()
    if len(infos) > MAX_ITEMS + 16:
        raise DatasetError(f"the dataset has {len(infos)} files (at most {MAX_ITEMS})")
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES or any(
        i.file_size > MAX_MEMBER_BYTES for i in infos
    ):
        raise DatasetError("the dataset's files are too large once unpacked")
    return archive


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        data = archive.read(name)
    except KeyError as exc:
        raise DatasetError(f"the dataset names {name!r}, which is not in the zip") from exc
    except (zipfile.BadZipFile, ValueError, OSError) as exc:  # also a bad CRC or an encrypted member
        raise DatasetError(f"{name!r} cannot be read from the zip: {exc}") from exc
    if len(data) > MAX_MEMBER_BYTES:
        raise DatasetError(f"{name!r} is too large once unpacked")
    return data


def _labelled(archive: zipfile.ZipFile) -> Labelled:
    try:
        doc = safe_json.loads(_member(archive, ANNOTATIONS).decode("utf-8"))
        categories = sorted((int(c["id"]), str(c["name"])) for c in doc["categories"])
        images = {int(i["id"]): str(i["file_name"]) for i in doc["images"]}
        labels: dict[int, list[int]] = {}
        for entry in doc["annotations"]:
            if "bbox" in entry:
                raise DatasetError("the dataset has boxes: the image classifier needs one label per image")
            labels.setdefault(int(entry["image_id"]), []).append(int(entry["category_id"]))
    except DatasetError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise DatasetError(
            f"the dataset's {ANNOTATIONS} is not an image classification export: {exc}"
        ) from exc
    index = {cid: n for n, (cid, _) in enumerate(categories)}
    items = []
    for image_id in sorted(labels):
        if image_id not in images:
            raise DatasetError(f"an annotation names image {image_id}, which the dataset does not list")
        if len(labels[image_id]) != 1 or labels[image_id][0] not in index:
            raise DatasetError(f"image {image_id} has {len(labels[image_id])} labels or an unknown class")
        items.append((image_id, images[image_id], index[labels[image_id][0]]))
    if len(items) < MIN_ITEMS:
        raise DatasetError(f"the dataset has {len(items)} labelled images (a classifier needs {MIN_ITEMS})")
    if len(items) > MAX_ITEMS:
        raise DatasetError(f"the dataset has {len(items)} labelled images (at most {MAX_ITEMS})")
    if len({c for *_, c in items}) < 2:
        raise DatasetError("every labelled image has the same class: there is nothing to learn")
    return Labelled([name for _, name in categories], items)


def check_dataset(data: bytes) -> Labelled:
    """Read the labels and check every labelled image is in the zip, without decoding any image."""
    archive = _open(data)
    labelled = _labelled(archive)
    names = set(archive.namelist())
    for _, name, _ in labelled.items:
        if name not in names:
            raise DatasetError(f"the dataset names {name!r}, which is not in the zip")
    return labelled


def read_dataset(data: bytes, size: int, channels: int) -> Dataset:
    """The labelled images decoded, resized to ``size``² and scaled to [0, 1]."""
    from PIL import Image, UnidentifiedImageError

    archive = _open(data)
    labelled = _labelled(archive)
    mode = "L" if channels == 1 else "RGB"
    images = np.empty((len(labelled.items), channels, size, size), dtype=np.float32)
    for n, (_, name, _) in enumerate(labelled.items):
        try:
            with Image.open(io.BytesIO(_member(archive, name))) as image:
                pixels = np.asarray(image.convert(mode).resize((size, size), Image.Resampling.BILINEAR))
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
            raise DatasetError(f"{name!r} is not a readable image: {exc}") from exc
        images[n] = pixels.reshape(size, size, channels).transpose(2, 0, 1) / np.float32(255.0)
    labels = np.array([c for *_, c in labelled.items], dtype=np.int64)
    return Dataset(labelled.classes, images, labels)


def holdout_accuracy(model: bytes, dataset: Dataset) -> float:
    """The share of held-out items the ONNX model classifies right, measured with ONNX Runtime."""
    import onnxruntime

    _, holdout = dataset.split()
    if not holdout.any():
        return 0.0
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {session.get_inputs()[0].name: dataset.images[holdout]})
    return float(np.mean(np.argmax(logits, axis=1) == dataset.labels[holdout]))
