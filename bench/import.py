"""Import benchmark: a folder of 10,000 PNGs, and a Label Studio export of them, into the blob store.

    .venv/bin/python bench/import.py                  # 10,000 images, baseline on 1,000
    .venv/bin/python bench/import.py --check          # exit 1 if a goal is missed

The images are scikit-learn's handwritten digits (the copy the app ships, resources/datasets),
upscaled 8× to 64×64 greyscale PNGs in one folder per class, each made unique by a few pixels of
its top row (a store keeps identical bytes once, which would flatter it). The Label Studio export
names the same files as ``/data/local-files/?d=<class>/<file>.png`` with a ``choices`` answer each.

What is timed is the app's whole path from files to stored items, as ``label create`` and the
wizard run it before funding: ``import_path`` (probe and neutral id of every image) and
``upload_images`` (check, hash and store in parallel, durable in one batch). The baseline,
measured in the same run on the first ``--baseline`` images into its own store, is the path
before issue 16: each image checked by Pillow and put with ``LocalStore.put_file`` one at a time
(durable on its own). Each store is a fresh folder on the same disk. Prints:

    import_images_per_s: N                (folder import + upload; goal >= 500)
    import_labelstudio_items_per_s: N     (Label Studio JSON import + upload; goal >= 500)
    import_baseline_images_per_s: N       (one image at a time, the old path)
    import_ratio_vs_baseline: R
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from app.labeling.digits import digit_png, load_digits
from app.labeling.formats import import_path
from app.labeling.upload import check_image, upload_images
from app.storage.local import LocalStore

GOAL_PER_S = 500


def make_pngs(folder: Path, count: int) -> list[Path]:
    """``count`` unique 64×64 digit PNGs under ``folder/<class>/``."""
    images, labels = load_digits()
    paths = []
    for n in range(count):
        pixels = images[n % len(images)].copy()
        pixels[0, :] = 0
        for k in range(8):  # the index, bit by bit, in the (usually blank) top row
            pixels[0, k] = 16.0 * ((n >> k) & 1) if k < 4 else 8.0 * ((n >> (k + 4)) & 1)
        pixels[7, :4] = [((n >> (4 + j)) & 1) * 16.0 for j in range(4)]
        path = folder / str(labels[n % len(labels)]) / f"{n:05d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(digit_png(pixels))
        paths.append(path)
    return paths


def labelstudio_export(folder: Path, paths: list[Path]) -> Path:
    tasks = []
    for n, path in enumerate(paths, 1):
        ref = path.relative_to(folder).as_posix()
        result = {"from_name": "label", "to_name": "image", "type": "choices",
                  "value": {"choices": [path.parent.name]}}  # fmt: skip
        tasks.append(
            {"id": n, "data": {"image": f"/data/local-files/?d={ref}"}, "annotations": [{"result": [result]}]}
        )
    out = folder / "export.json"
    out.write_text(json.dumps(tasks))
    return out


def timed_import(source: Path, fmt: str, store: LocalStore) -> tuple[float, int]:
    start = time.perf_counter()
    result = import_path(source, fmt)
    items, problems = upload_images(result.items, store, tick=lambda d, t: None, stop=threading.Event())
    seconds = time.perf_counter() - start
    if problems or len(items) != len(result.items):
        sys.exit(f"the import lost items: {problems[:3]}")
    return seconds, len(items)


def baseline(paths: list[Path], store: LocalStore) -> float:
    start = time.perf_counter()
    for path in paths:
        check_image(path)
        store.put_file(path)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1_000, help="images the old path stores")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sahara-bench-import-"))
    try:
        pictures = work / "digits"
        paths = make_pngs(pictures, args.images)
        export = labelstudio_export(pictures, paths)
        old_s = baseline(paths[: args.baseline], LocalStore(work / "store-old"))
        folder_s, folder_n = timed_import(pictures, "folder", LocalStore(work / "store-folder"))
        ls_s, ls_n = timed_import(export, "labelstudio", LocalStore(work / "store-ls"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    old_rate = args.baseline / old_s
    rate, ls_rate = folder_n / folder_s, ls_n / ls_s
    print(f"import_images_per_s: {rate:.0f}   ({folder_n} images in {folder_s:.2f} s)")
    print(f"import_labelstudio_items_per_s: {ls_rate:.0f}   ({ls_n} items in {ls_s:.2f} s)")
    print(f"import_baseline_images_per_s: {old_rate:.0f}   ({args.baseline} one by one, {old_s:.2f} s)")
    print(f"import_ratio_vs_baseline: {rate / old_rate:.1f}")
    return 1 if args.check and min(rate, ls_rate) < GOAL_PER_S else 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
