"""Pascal VOC: one XML file per image, with the image's size and a box per object.

Read from ``Annotations/`` (the VOC layout) or from XML files anywhere in the folder (LabelImg
writes them beside the images); a single .xml file imports alone. The image is found by <path>
(absolute, or relative to the folder), else by <filename> beside the XML, in ``JPEGImages/``, in
``images/`` or in the folder itself. Corners are pixel coordinates: ``w = xmax - xmin``.

The XML is someone else's: any DOCTYPE is refused before ElementTree parses it, which rules out
entity expansion ("billion laughs") and external entities without defusedxml.

Export writes ``Annotations/<image>.xml`` per item and keeps the item id in an ``<item_id>``
element (VOC readers skip elements they do not know) so a re-import keys on the same ids.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from xml.parsers import expat

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import FormatError, files_below, is_file, item_id_for, probe_image
from app.labeling.formats.output import Dataset, ImageFiles, Placed, write_text
from app.labeling.schema import Annotation, Box, Item, TaskType

MAX_XML_BYTES = 8 << 20  # a VOC file is a few kB; anything this big is not one
_CORNERS = ("xmin", "ymin", "xmax", "ymax")


class UnsafeXml(ValueError):
    pass


def parse_xml(data: bytes) -> ET.Element:
    """Parse untrusted XML, refusing DOCTYPE declarations: with no DTD, no entity can expand.

    A plain expat pass with a handler that raises sees the DOCTYPE before any entity is declared;
    only a document without one reaches ElementTree.
    """

    def refuse(*_: object) -> None:
        raise UnsafeXml("DOCTYPE and ENTITY declarations are refused (entity expansion)")

    guard = expat.ParserCreate()
    guard.StartDoctypeDeclHandler = refuse
    guard.EntityDeclHandler = refuse
    guard.Parse(data, True)
    return ET.fromstring(data)


def read(path: Path, out: Collector) -> None:
    out.default_task = TaskType.BOUNDING_BOXES
    for file in _xml_files(path, out):
        try:
            if file.stat().st_size > MAX_XML_BYTES:
                out.problem(file, None, f"skipped: larger than {MAX_XML_BYTES >> 20} MB")
                continue
            annotation = parse_xml(file.read_bytes())
        except OSError as err:
            out.problem(file, None, f"skipped: cannot be read ({err})")
            continue
        except (ValueError, SyntaxError, expat.ExpatError) as err:  # ET.ParseError is a SyntaxError
            out.problem(file, None, f"skipped: {err}")
            continue
        _add(out, file, annotation)


def _xml_files(path: Path, out: Collector) -> list[Path]:
    if path.is_file():
        return [path]
    folder = path / "Annotations" if (path / "Annotations").is_dir() else path
    return files_below(folder, frozenset({".xml"}), out.skipped)


def _add(out: Collector, file: Path, annotation: ET.Element) -> None:
    if annotation.tag != "annotation":
        out.problem(file, None, f"skipped: not a Pascal VOC annotation (root element <{annotation.tag}>)")
        return
    filename = (annotation.findtext("filename") or "").strip()
    image = _find_image(out.root, file, (annotation.findtext("path") or "").strip(), filename)
    if image is None:
        out.problem(file, None, f"skipped: its image {filename!r} is not found")
        return
    width, height = _int(annotation.findtext("size/width")), _int(annotation.findtext("size/height"))
    if not (width and height):
        try:
            width, height, _ = probe_image(image)
        except ValueError as err:
            out.problem(file, None, f"skipped: its image {image.name!r}: {err}")
            return
    try:
        fallback_id = item_id_for(image, out.root)
    except ValueError:  # an absolute <path> outside the folder: the collector refuses it
        fallback_id = image.as_posix()
    given = (annotation.findtext("item_id") or "").strip()
    boxes = [_box(out, file, n, obj) for n, obj in enumerate(annotation.findall("object"), 1)]
    out.add(
        file,
        None,
        item_id=given or fallback_id,
        id_from_path=not given,
        source=image,
        width=width,
        height=height,
        boxes=[b for b in boxes if b is not None],
    )


def _find_image(root: Path, file: Path, path: str, filename: str) -> Path | None:
    candidates = [root / path] if path else []  # an absolute path replaces root
    if filename:
        candidates += [file.parent / filename, root / "JPEGImages" / filename, root / "images" / filename]
        candidates.append(root / filename)
    return next((c for c in candidates if is_file(c)), None)


def _box(out: Collector, file: Path, number: int, obj: ET.Element) -> Box | None:
    name = (obj.findtext("name") or "").strip()
    try:
        xmin, ymin, xmax, ymax = (float(obj.findtext(f"bndbox/{c}") or "") for c in _CORNERS)
    except ValueError:
        out.problem(
            file, None, f"object {number} ({name!r}) skipped: <bndbox> needs numeric {', '.join(_CORNERS)}"
        )
        return None
    return out.box(file, None, xmin, ymin, xmax - xmin, ymax - ymin, name)


def _int(text: str | None) -> int:
    try:
        return max(int(float(text or "")), 0)
    except (ValueError, OverflowError):
        return 0


def write(data: Dataset, dest: Path, images: Callable[[Item], bytes] | None) -> list[Path]:
    if data.task_type is not TaskType.BOUNDING_BOXES:
        raise FormatError(
            "Pascal VOC holds bounding boxes: export this task as coco, jsonl, csv or labelstudio"
        )
    files = ImageFiles(dest, images)
    written = []
    for item in data.items:
        placed = files.place(item)
        xml = _annotation(item, placed, data.annotations.get(item.id))
        written.append(write_text(dest / "Annotations" / placed.name.with_suffix(".xml"), xml))
    return [*files.written, *written]


def _annotation(item: Item, placed: Placed, answer: Annotation | None) -> str:
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = Path(placed.ref).parent.name
    ET.SubElement(root, "filename").text = Path(placed.ref).name
    ET.SubElement(root, "path").text = placed.ref
    ET.SubElement(root, "item_id").text = item.id
    ET.SubElement(ET.SubElement(root, "source"), "database").text = "Sahara Desktop"
    size = ET.SubElement(root, "size")
    for tag, value in (("width", placed.width), ("height", placed.height), ("depth", 3)):
        ET.SubElement(size, tag).text = str(value)
    ET.SubElement(root, "segmented").text = "0"
    for box in answer.boxes if answer else ():
        obj = ET.SubElement(root, "object")
        for tag, text in (
            ("name", box.label),
            ("pose", "Unspecified"),
            ("truncated", "0"),
            ("difficult", "0"),
        ):
            ET.SubElement(obj, tag).text = text
        corners = ET.SubElement(obj, "bndbox")
        for tag, value in zip(_CORNERS, (box.x, box.y, box.x + box.w, box.y + box.h), strict=True):
            ET.SubElement(corners, tag).text = _number(value)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=False) + "\n"


def _number(value: float) -> str:
    """Whole pixels as integers (what most VOC readers parse), fractions exactly (repr round-trips)."""
    return str(int(value)) if value.is_integer() else repr(value)
