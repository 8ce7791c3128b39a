"""Training jobs from built-in recipes: the recipe a job names, and the result it delivers.

A training job never carries code. Its ``modelCid`` names a small JSON recipe (``parse_recipe``
accepts only the built-in recipe names, known keys and bounded values) and its ``inputCid`` the
dataset: the zip the app's labeling export writes for an image task (COCO with its images, see
dataset.py). The worker trains in the sandbox child (trainer.py, torch), exports to ONNX and
delivers one canonical container (``encode_model_result``): the ONNX model and a metrics JSON that
names the recipe, the classes, the input layout, the dataset's CID and the held-out accuracy that
ONNX Runtime measured on the exported model. That is what publishing the model needs (bytes,
metrics, the dataset it derives from) and what a requester or arbiter re-measures to check it.

Verification: training jobs use the challenge path (replicas = 1), not two replicas. Training is
reproducible (fixed seed, ``torch.use_deterministic_algorithms``, one CPU thread, CPU kernels pinned
to AVX2, an order-only split: see trainer.py), but two honest workers need not produce the same
bytes: one may train on CUDA, another torch version computes and exports differently (the file
names the version). What anyone can check is the claim itself: the model loads, is safe, and
scores the accuracy it states on the held-out items of a dataset the requester has
(``verify_model_result``).
"""

from __future__ import annotations

import importlib.util
import json
import struct
from dataclasses import asdict, dataclass
from typing import Any

from app import safe_json

TASK_TRAINING = 1
IMAGE_CLASSIFIER = "image-classifier"
RECIPES = (IMAGE_CLASSIFIER,)
MAGIC = b"SAHARA-MODEL\x01"
MAX_RECIPE_BYTES = 4096
ACCURACY_SLACK = 0.01  # what a re-measure may differ by (ties between logits on another build)


class RecipeError(ValueError):
    """The recipe is not one this app runs, or a value is out of its bounds; the message says which."""


@dataclass(frozen=True)
class Recipe:
    """The image classifier recipe: a small CNN over ``channels``×``image_size``² inputs in [0, 1]."""

    recipe: str = IMAGE_CLASSIFIER
    epochs: int = 10
    seed: int = 0
    image_size: int = 32
    channels: int = 3
    batch_size: int = 64
    learning_rate: float = 0.005
    dataset_asset: int = 0  # the dataset's asset id on the registry, when published (0: not given)

    def encode(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


_BOUNDS: dict[str, tuple[float, float]] = {
    "epochs": (1, 200),
    "seed": (0, 2**31 - 1),
    "image_size": (8, 128),
    "channels": (1, 3),
    "batch_size": (1, 1024),
    "learning_rate": (1e-6, 1.0),
    "dataset_asset": (0, 2**63 - 1),
}


def parse_recipe(data: bytes) -> Recipe:
    """The recipe in ``data``, or ``RecipeError`` saying what is wrong with it."""
    if len(data) > MAX_RECIPE_BYTES:
        raise RecipeError(f"the recipe is {len(data)} bytes (at most {MAX_RECIPE_BYTES})")
    try:
        value = safe_json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise RecipeError(f"the recipe is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise RecipeError("the recipe is not a JSON object")
    if value.get("recipe") not in RECIPES:
        raise RecipeError(
            f"unknown recipe {value.get('recipe')!r}: this app trains only {', '.join(RECIPES)}"
        )
    unknown = set(value) - set(_BOUNDS) - {"recipe"}
    if unknown:
        raise RecipeError(f"the recipe has unknown settings: {', '.join(sorted(unknown))}")
    for name, (low, high) in _BOUNDS.items():
        if name not in value:
            continue
        number = value[name]
        kind = float if name == "learning_rate" else int
        if isinstance(number, bool) or not isinstance(number, (int, float) if kind is float else int):
            raise RecipeError(f"the recipe's {name} must be a number")
        if not low <= number <= high:
            raise RecipeError(f"the recipe's {name} must be between {low:g} and {high:g}, not {number}")
    if value.get("channels", 3) not in (1, 3):
        raise RecipeError("the recipe's channels must be 1 (grey) or 3 (colour)")
    return Recipe(**{k: v for k, v in value.items() if k != "recipe"}, recipe=value["recipe"])


def training_available() -> bool:
    """Whether this install can run training jobs: torch importable (the frozen app has none)."""
    return importlib.util.find_spec("torch") is not None


def encode_model_result(model: bytes, metrics: dict[str, Any]) -> bytes:
    """The canonical training result: same model and metrics, same bytes (its keccak goes on chain)."""
    meta = json.dumps(metrics, sort_keys=True, separators=(",", ":")).encode()
    return b"".join([MAGIC, struct.pack(">Q", len(model)), model, struct.pack(">Q", len(meta)), meta])


def decode_model_result(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """``(onnx bytes, metrics)`` of a training result; ``RecipeError`` for anything malformed."""
    try:
        if not data.startswith(MAGIC):
            raise RecipeError("the result is not a Sahara training result")
        pos = len(MAGIC)
        (size,) = struct.unpack_from(">Q", data, pos)
        model = data[pos + 8 : pos + 8 + size]
        pos += 8 + size
        (size,) = struct.unpack_from(">Q", data, pos)
        meta = data[pos + 8 : pos + 8 + size]
        if len(meta) != size or pos + 8 + size != len(data):
            raise RecipeError("the training result is truncated or has trailing bytes")
        metrics = safe_json.loads(meta.decode("utf-8"))
    except (struct.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecipeError(f"the training result is malformed: {exc}") from exc
    if not isinstance(metrics, dict):
        raise RecipeError("the training result's metrics are not a JSON object")
    return model, metrics


def verify_model_result(result: bytes, dataset_zip: bytes, dataset_cid: str) -> tuple[bytes, dict[str, Any]]:
    """Check a delivered training result against the dataset it claims to come from: a safe ONNX
    model, metrics naming this dataset, and the held-out accuracy it states, re-measured here with
    ONNX Runtime. ``RecipeError`` says what does not hold (grounds for a challenge)."""
    from app.compute.dataset import holdout_accuracy, read_dataset
    from app.compute.onnx_check import UnsafeModel, check_model

    model, metrics = decode_model_result(result)
    try:
        check_model(model)
    except UnsafeModel as exc:
        raise RecipeError(f"the trained model is refused: {exc}") from exc
    if metrics.get("dataset_cid") != dataset_cid:
        raise RecipeError("the result's metrics name another dataset")
    recipe = parse_recipe(json.dumps(metrics.get("recipe")).encode())
    dataset = read_dataset(dataset_zip, recipe.image_size, recipe.channels)
    if metrics.get("classes") != dataset.classes:
        raise RecipeError("the model's classes are not the dataset's")
    measured = holdout_accuracy(model, dataset)
    claimed = metrics.get("holdout_accuracy")
    if not isinstance(claimed, (int, float)) or abs(measured - claimed) > ACCURACY_SLACK:
        raise RecipeError(
            f"the model scores {measured:.3f} on the held-out items, not the {claimed} it claims"
        )
    return model, metrics
