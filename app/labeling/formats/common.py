"""What the format modules share: the result and error types, image probing, finding files.

Helpers here raise ``ValueError`` with a reason a person can read; importers turn it into an
``ImportProblem`` for the file and line at hand, so a bad input is reported, never raised.
"""

from __future__ import annotations

import math
import os
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO, NamedTuple
from urllib.parse import unquote, urlparse

from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from app import safe_json
from app.labeling.schema import Annotation, Item, TaskType

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"})
# Pillow's names for the formats behind those suffixes (MPO: a JPEG with extra frames, as phones write).
PILLOW_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "BMP": ".bmp", "GIF": ".gif", "WEBP": ".webp"}
# Folders that only hold images in common layouts; an item id leaves them out ("images/a.png" -> "a.png").
IMAGE_FOLDERS = frozenset({"images", "JPEGImages"})
# What Pillow raises on hostile bytes besides OSError: its plugins parse with struct and indexing.
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, TypeError)


class FormatError(ValueError):
    """The path cannot be imported at all (missing, unreadable, unknown format), or not exported as asked."""


class ImageInfo(NamedTuple):
    width: int
    height: int
    suffix: str  # the usual file suffix of its format: ".png", ".jpg", ...


class ImportProblem(NamedTuple):
    """Something skipped or changed on import. ``line`` is None when it concerns a whole file or entry."""

    file: str
    line: int | None
    message: str


@dataclass
class ImportResult:
    task_type: TaskType | None  # what the file implies, None when nothing says
    items: list[Item]  # image items carry ``source`` = absolute local path, width/height when known
    annotations: dict[str, Annotation]  # labels already in the file, by item id (gold or pre-labels)
    class_names: list[str]  # in file order
    problems: list[ImportProblem]


def probe_image(image: Path | BinaryIO) -> ImageInfo:
    """Size and kind from the image header, after Pillow's cheap integrity check (no decoding).

    ``verify()`` walks the file's structure (PNG chunk checksums, JPEG markers), which catches
    truncated files without decoding pixels. Raises ``ValueError`` saying why the image is unusable.
    """
    if isinstance(image, Path):
        regular_file(image)
        try:
            with image.open("rb") as fh:
                return probe_image(fh)
        except FileNotFoundError as err:
            raise ValueError("file not found") from err
        except OSError as err:  # a folder, no permission, a name the OS rejects
            raise ValueError(f"cannot be read ({err.strerror or err})") from err
    try:
        with Image.open(image) as im:
            size, kind = im.size, im.format
            im.verify()
    except UnidentifiedImageError as err:
        raise ValueError("not an image") from err
    except Image.DecompressionBombError as err:
        raise ValueError(f"too many pixels ({err})") from err
    except _PILLOW_ERRORS as err:
        raise ValueError(f"truncated or corrupt ({err})") from err
    if kind not in PILLOW_FORMATS:
        raise ValueError(f"unsupported image format {kind} (use PNG, JPEG, BMP, GIF or WebP)")
    return ImageInfo(*size, PILLOW_FORMATS[kind])


def load_json(path: Path) -> object:
    """The one JSON document in ``path``; raises ``ValueError`` saying why it is not one."""
    try:  # bytes: json detects UTF-8/16/32 and a byte-order mark itself
        return safe_json.load_path(path)
    except safe_json.JsonDepthError:
        raise
    except ValueError as err:
        raise ValueError(f"not valid JSON ({err})") from err


def local_image(base: Path, ref: str) -> Path:
    """The local file an image reference names: absolute, ``file://``, or relative to ``base``."""
    if ref.startswith("file://"):
        ref = unquote(urlparse(ref).path)
    elif "://" in ref:
        raise ValueError(f"{ref!r} is remote: download the images and refer to the local files")
    return Path(os.path.normpath(base / ref))  # an absolute ref replaces base


def regular_file(path: Path) -> None:
    """Raise ``ValueError`` unless ``path`` (links followed) is a regular file.

    Only ``stat`` looks at it: opening a FIFO blocks until someone writes to it, and a device or
    socket is no image either, so an import never opens anything but a regular file.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as err:
        raise ValueError("file not found") from err
    except (OSError, ValueError) as err:  # no permission, a name the OS rejects, a link loop
        raise ValueError(f"cannot be read ({getattr(err, 'strerror', None) or err})") from err
    if not stat.S_ISREG(mode):
        raise ValueError(f"not a regular file ({_kind(mode)}): never opened")


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))
    kinds += ((stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def confined(path: Path, root: Path) -> Path:
    """``path`` with every link resolved, when that is a regular file inside ``root`` (resolved too).

    An import publishes only what lies in the folder the user chose: a ``../``, an absolute path
    or a link leading elsewhere is refused with ``ValueError`` saying so, whatever names it.
    """
    try:
        real, base = path.resolve(), root.resolve()
    except (OSError, RuntimeError) as err:  # RuntimeError: a link loop
        raise ValueError(f"cannot be resolved ({err})") from err
    if not real.is_relative_to(base):
        raise ValueError(f"it lies outside the imported folder ({real}): refused")
    regular_file(real)
    return real


def names_a_local_path(item_id: str) -> bool:
    """Whether an id in a file is a local path (absolute, ``~``, ``file:``, ``..``): never to publish."""
    text = item_id.replace("\\", "/")
    return (
        text.startswith(("/", "~", "file:"))
        or bool(PureWindowsPath(item_id).drive)
        or ".." in text.split("/")
    )


def item_id_for(image: Path, root: Path) -> str:
    """A file's item id: its path below ``root``, without a leading image-only folder."""
    parts = image.relative_to(root).parts
    if len(parts) > 1 and parts[0] in IMAGE_FOLDERS:
        parts = parts[1:]
    return PurePosixPath(*parts).as_posix()


def is_file(path: Path) -> bool:
    """``path.is_file()``, but False for a name the OS rejects (too long, a NUL) instead of an error."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def exists(path: Path) -> bool:
    """``path.exists()`` (any kind of file: a FIFO is then refused with its reason, not "not found"),
    but False for a name the OS rejects instead of an error."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def files_below(
    root: Path, suffixes: frozenset[str], skipped: Callable[[Path, str], None] | None = None
) -> list[Path]:
    """Regular files below ``root`` with one of ``suffixes``, in a stable order, skipping hidden files
    and folders. ``skipped`` hears of each other file with such a suffix (a FIFO, a device, a broken
    link) and why; none is opened.

    ``os.walk`` does not follow links to folders, so a link loop cannot make an import endless.
    """
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in suffixes:
                continue
            try:
                regular_file(Path(folder, name))
            except ValueError as err:
                if skipped is not None:
                    skipped(Path(folder, name), f"skipped: {err}")
                continue
            found.append(Path(folder, name))
    return found


def is_number(value: object) -> bool:
    """A finite JSON number (``True`` is an int to Python, never a coordinate to us)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def describe(err: ValidationError) -> str:
    """Pydantic's complaint in one short line: ``w: Input should be greater than 0``."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in err.errors(include_url=False)[:3]
    )


# The one part of an answer each task uses (``Annotation.label``, ``.boxes`` or ``.spans``).
ANSWER_PART = {
    TaskType.IMAGE_CLASSIFICATION: "label",
    TaskType.TEXT_CLASSIFICATION: "label",
    TaskType.BOUNDING_BOXES: "boxes",
    TaskType.NER: "spans",
}
