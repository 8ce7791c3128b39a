"""The handwritten digits the app ships: the demo campaign's images and the pre-labeler's data.

``resources/datasets/digits.csv.gz`` is scikit-learn's copy of the UCI optical digits, verbatim
(64 pixel values 0..16 and the class per row). It is read here with numpy so the
frozen app, which carries no scikit-learn, has the same real images.
"""

from __future__ import annotations

import gzip
import io

import numpy as np

from app.resources import resources_dir

CLASSES = [str(k) for k in range(10)]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)``: float pixels (N, 8, 8) in 0..16 and int labels (N,)."""
    with gzip.open(resources_dir() / "datasets" / "digits.csv.gz", "rt") as fh:
        rows = np.loadtxt(fh, delimiter=",", dtype=np.float32, ndmin=2)
    return rows[:, :64].reshape(-1, 8, 8), rows[:, 64].astype(np.int64)


def digit_png(pixels: np.ndarray, scale: int = 8) -> bytes:
    """An 8×8 digit as a greyscale PNG ``scale`` times larger, dark ink on white like a scan
    (white = pixel 0, black = pixel 16), upscaled without smoothing so each pixel stays a square."""
    from PIL import Image

    ink = np.clip(np.asarray(pixels, dtype=np.float32) / 16.0, 0.0, 1.0)
    grey = np.round(255.0 * (1.0 - ink)).astype(np.uint8)
    image = Image.fromarray(grey).resize((8 * scale, 8 * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
