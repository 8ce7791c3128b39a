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
from pathlib import Path

from app.labeling.formats.collector import Collector
from app.labeling.formats.common import IMAGE_SUFFIXES, files_below, probe_image

NEUTRAL_ID_HEX = 20  # 80 bits of SHA-256: no accidental collision in any real folder


def neutral_id(image: Path) -> str:
    """An id from the image's bytes and suffix, with nothing of its path in it."""
    with image.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return digest[:NEUTRAL_ID_HEX] + image.suffix.lower()


def read(path: Path, out: Collector) -> None:
    images = files_below(path, IMAGE_SUFFIXES, out.skipped)
    classified = bool(images) and all(len(p.relative_to(path).parts) > 1 for p in images)
    found = []
    for image in images:
        try:
            width, height, _ = probe_image(image)
            relative = image.relative_to(path)
            item_id = neutral_id(image) if classified else relative.as_posix()
        except ValueError as err:
            out.problem(image, None, f"skipped: {err}")
            continue
        except OSError as err:  # read between the probe and the digest: gone, or no permission
            out.problem(image, None, f"skipped: cannot be read ({err.strerror or err})")
            continue
        found.append((item_id, image, width, height, relative.parts[0] if classified else None))
    if classified:  # classes in folder order, whatever order the items take
        for label in dict.fromkeys(entry[4] for entry in found):
            out.declare(label)
        found.sort()
    for item_id, image, width, height, label in found:
        out.add(image, None, item_id=item_id, source=image, width=width, height=height, label=label)
