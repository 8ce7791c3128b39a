"""Importing labeling data from common formats and exporting campaign results to them.

``import_path`` reads a folder of images, CSV, JSON Lines, COCO, YOLO, Pascal VOC or a Label
Studio export into one shape (items, existing annotations, class names) plus a list of problems:
bad content is skipped and reported, never raised, so a requester sees every line that did not
make it. ``export`` writes a task's items and answers as COCO, YOLO, VOC, JSON Lines, CSV or
Label Studio, with the images when given their bytes. Each format is one module with a ``read``
and/or a ``write``; this module picks the module and guesses the format when not told.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.labeling.formats import coco, csvfile, folder, jsonl, labelstudio, voc, yolo
from app.labeling.formats.collector import Collector
from app.labeling.formats.common import FormatError, ImportProblem, ImportResult, regular_file
from app.labeling.formats.output import Dataset
from app.labeling.schema import Annotation, Item, LabelSet, TaskType

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "FormatError",
    "ImportProblem",
    "ImportResult",
    "detect",
    "export",
    "import_path",
]

Reader = Callable[[Path, Collector], None]
Writer = Callable[[Dataset, Path, Callable[[Item], bytes] | None], list[Path]]

_READERS: dict[str, Reader] = {
    "folder": folder.read,
    "csv": csvfile.read,
    "jsonl": jsonl.read,
    "coco": coco.read,
    "yolo": yolo.read,
    "voc": voc.read,
    "labelstudio": labelstudio.read,
}
_WRITERS: dict[str, Writer] = {
    "coco": coco.write,
    "yolo": yolo.write,
    "voc": voc.write,
    "jsonl": jsonl.write,
    "csv": csvfile.write,
    "labelstudio": labelstudio.write,
}
FORMATS = tuple(_READERS)
EXPORT_FORMATS = tuple(_WRITERS)
_FOLDER_FORMATS = frozenset({"folder", "yolo"})  # the others read one file (VOC: a folder or one .xml)
_BY_SUFFIX = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xml": "voc"}


def detect(path: Path) -> str:
    """The format ``path`` looks like, from its layout or suffix and first character (JSON).

    A folder is YOLO when it has class files or a ``labels/`` folder, VOC when it has
    ``Annotations/`` or XML files, else a plain image folder. A ``.json`` file is Label Studio
    when it holds a list (of tasks) and COCO when it holds an object.
    """
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
        if names & {*yolo.CLASS_FILES, "labels"}:
            return "yolo"
        if "Annotations" in names or any(n.lower().endswith(".xml") for n in names):
            return "voc"
        return "folder"
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".json":
        with path.open("rb") as fh:
            start = fh.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
        if start.startswith(b"["):
            return "labelstudio"
        if start.startswith(b"{"):
            return "coco"
        raise FormatError(f"{path.name} is neither a Label Studio export (a list) nor COCO (an object)")
    raise FormatError(f"cannot tell the format of {path.name}: choose one of {', '.join(FORMATS)}")


def import_path(
    path: Path,
    fmt: str | None = None,
    *,
    task_type: TaskType | None = None,
    classes: list[str] | None = None,
    images_root: Path | None = None,
) -> ImportResult:
    """Read ``path`` as ``fmt`` (guessed when None) into items, annotations, class names, problems.

    ``task_type``: the task being set up; it fixes the modality and which part of an annotation
    is kept (otherwise the file implies them). ``classes``: the expected class names; labels not
    among them are dropped and listed, one problem per name. ``images_root``: the folder the
    file's image paths live under, when not the file's own (Label Studio's ``/data/local-files/?d=``
    paths are relative to its document root, ``/data/upload/`` ones to its media folder); images
    are only taken from inside it. Raises ``FormatError`` only when the
    path cannot be read at all or the format is unknown or does not fit the path.
    """
    path = Path(path).expanduser().absolute()
    if not path.exists():
        raise FormatError(f"{path} does not exist")
    if not path.is_dir():
        try:
            regular_file(path)  # a FIFO would block the read forever
        except ValueError as err:
            raise FormatError(f"{path} cannot be imported: {err}") from err
    try:
        fmt = fmt or detect(path)
        reader = _READERS.get(fmt)
        if reader is None:
            raise FormatError(f"unknown import format {fmt!r}: choose one of {', '.join(FORMATS)}")
        wants_folder = fmt in _FOLDER_FORMATS
        if fmt != "voc" and path.is_dir() != wants_folder:  # VOC reads either
            raise FormatError(f"a {fmt} import reads {'a folder' if wants_folder else 'a file'}: {path}")
        root = None
        if images_root is not None:
            root = Path(images_root).expanduser().absolute()
            if not root.is_dir():
                raise FormatError(f"the images folder {root} is not a folder")
        out = Collector(path, task_type=task_type, classes=classes, root=root)
        reader(path, out)
    except OSError as err:
        raise FormatError(f"cannot read {path}: {err.strerror or err}") from err
    return out.result()


def export(
    fmt: str,
    dest: Path,
    manifest_like: tuple[TaskType, LabelSet, list[Item]],
    annotations: dict[str, Annotation],
    *,
    images: Callable[[Item], bytes] | None = None,
) -> list[Path]:
    """Write items and their annotations to the folder ``dest`` as ``fmt``; returns the files written.

    ``images`` returns an item's image bytes: each is written under ``dest`` and referred to
    there; without it the export refers to each item's local ``source`` (YOLO copies it).
    Raises ``FormatError`` for an unknown format, one that cannot hold the task, or annotations
    with classes outside the label set.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise FormatError(f"unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}")
    task_type, label_set, items = manifest_like
    data = Dataset(task_type, label_set, items, annotations)
    data.check_labels()
    dest.mkdir(parents=True, exist_ok=True)
    return writer(data, dest, images)
