"""A folder of images; when every image sits in a subfolder, its top-level subfolder is its class.

``cats/a.png`` and ``dogs/b.png`` import as two images labeled "cats" and "dogs" (deeper folders
inside a class folder are only organisation); ``a.png`` beside them would make it a plain folder
of unlabeled images. Item ids are the paths below the folder, so a re-import finds the same items.
"""

from __future__ import annotations

from pathlib import Path

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import IMAGE_SUFFIXES, files_below, probe_image


def read(path: Path, out: Collector) -> None:
    images = files_below(path, IMAGE_SUFFIXES, out.skipped)
    classified = bool(images) and all(len(p.relative_to(path).parts) > 1 for p in images)
    for image in images:
        try:
            width, height, _ = probe_image(image)
        except ValueError as err:
            out.problem(image, None, f"skipped: {err}")
            continue
        relative = image.relative_to(path)
        out.add(
            image,
            None,
            item_id=relative.as_posix(),
            source=image,
            width=width,
            height=height,
            label=relative.parts[0] if classified else None,
        )
