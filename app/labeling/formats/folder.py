"""A folder of images; when every image sits in a subfolder, its top-level subfolder is its class.

``cats/a.png`` and ``dogs/b.png`` import as two images labeled "cats" and "dogs" (deeper folders
inside a class folder are only organisation); ``a.png`` beside them would make it a plain folder
of unlabeled images, whose item ids are the paths below the folder.

Item ids are published with the campaign, so in a classified folder they must not carry the class
folder (``7/0042.png`` would show the labeler the answer). There an image's id is a digest of its
bytes plus its suffix (``3f2a…9c.png``): neutral, the same on every re-import of the folder (gold
answers and exports key on it), and telling a labeler nothing the image does not show. Two images
with the same bytes get the same id, and the second is reported as a duplicate. The items are also
ordered by that id, not by folder: batches are runs of items, and a batch of one class would tell
its labeler the answer too.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import IMAGE_SUFFIXES, files_below, probe_image

NEUTRAL_ID_HEX = 20  # 80 bits of SHA-256: no accidental collision in any real folder


def neutral_id(image: Path) -> str:
    """An id from the image's bytes and suffix, with nothing of its path in it."""
    with image.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return digest[:NEUTRAL_ID_HEX] + image.suffix.lower()


def _probe(image: Path, path: Path, classified: bool) -> tuple[str, int, int] | str:
    """(item id, width, height), or why the image is skipped."""
    try:
        width, height, _ = probe_image(image)
        return (neutral_id(image) if classified else image.relative_to(path).as_posix()), width, height
    except ValueError as err:
        return f"skipped: {err}"
    except OSError as err:  # read between the probe and the digest: gone, or no permission
        return f"skipped: cannot be read ({err.strerror or err})"


def read(path: Path, out: Collector) -> None:
    images = files_below(path, IMAGE_SUFFIXES, out.skipped)
    classified = bool(images) and all(len(p.relative_to(path).parts) > 1 for p in images)
    found = []
    # Probing and hashing wait on the disk and release the GIL in reads and sha2-256: a few threads
    # overlap them (10,000 images one by one spent most of their time waiting).
    with ThreadPoolExecutor(max(2, min(8, 2 * (os.cpu_count() or 1))), "folder-probe") as pool:
        probed = pool.map(lambda image: _probe(image, path, classified), images)
        for image, outcome in zip(images, probed, strict=True):
            if isinstance(outcome, str):
                out.problem(image, None, outcome)
                continue
            item_id, width, height = outcome
            found.append(
                (item_id, image, width, height, image.relative_to(path).parts[0] if classified else None)
            )
    if classified:  # classes in folder order, whatever order the items take
        for label in dict.fromkeys(entry[4] for entry in found):
            out.declare(label)
        found.sort()
    for item_id, image, width, height, label in found:
        out.add(image, None, item_id=item_id, source=image, width=width, height=height, label=label)
