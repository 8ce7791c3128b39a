"""Training jobs from the built-in recipe: recipes and datasets attacked, the image classifier
trained in the sandbox on a real labeling export, reproducible, and its claims checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.compute.dataset import DatasetError, check_dataset, read_dataset
from app.compute.onnx_check import check_model
from app.compute.runner import JobRefused, Limits, SandboxRunner
from app.compute.training import (
    Recipe,
    RecipeError,
    decode_model_result,
    encode_model_result,
    parse_recipe,
    verify_model_result,
)

torch = pytest.importorskip("torch", reason="training needs torch")
datasets = pytest.importorskip("compute_datasets")
CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
RECIPE = Recipe(epochs=12, image_size=16, channels=1, seed=5)


def runner(tmp_path: Path) -> SandboxRunner:
    return SandboxRunner(tmp_path / "scratch", Limits(cpu_s=300, memory_mib=4096, wall_s=300))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"recipe": "shell", "epochs": 1}, "unknown recipe 'shell'"),
        ({"recipe": "image-classifier", "code": "import os"}, "unknown settings: code"),
        ({"recipe": "image-classifier", "epochs": 10**9}, "epochs must be between 1 and 200"),
        ({"recipe": "image-classifier", "epochs": True}, "epochs must be a number"),
        ({"recipe": "image-classifier", "channels": 2}, "channels must be 1"),
        ({"recipe": "image-classifier", "learning_rate": "fast"}, "learning_rate must be a number"),
        (["image-classifier"], "not a JSON object"),
    ],
)
def test_a_recipe_outside_the_built_in_ones_is_refused(body: object, words: str) -> None:
    with pytest.raises(RecipeError, match=words):
        parse_recipe(json.dumps(body).encode())
    with pytest.raises(RecipeError, match="not JSON"):
        parse_recipe(b"\xff{")
    assert parse_recipe(RECIPE.encode()) == RECIPE


def test_datasets_that_cannot_be_trained_on_are_refused_in_words(tmp_path: Path) -> None:
    good = datasets.digits_zip(tmp_path, 20)
    assert len(check_dataset(good).items) == 20
    boxes = datasets.rewritten(
        good, lambda d: {**d, "annotations": [{**a, "bbox": [0, 0, 1, 1]} for a in d["annotations"]]}
    )
    with pytest.raises(DatasetError, match="boxes"):
        check_dataset(boxes)
    one_class = datasets.rewritten(
        good, lambda d: {**d, "annotations": [{**a, "category_id": 1} for a in d["annotations"]]}
    )
    with pytest.raises(DatasetError, match="nothing to learn"):
        check_dataset(one_class)
    with pytest.raises(DatasetError, match="not a zip"):
        check_dataset(b"PK\x03\x04 not really")
    outside = datasets.rewritten(
        good,
        lambda d: {**d, "images": [{**i, "file_name": "../../wallet/keystore.json"} for i in d["images"]]},
    )
    with pytest.raises(DatasetError, match="not in the zip"):
        check_dataset(outside)  # a name is only ever a member of the zip, never a path


def test_the_image_classifier_trains_in_the_sandbox_reproducibly_and_its_claims_are_checked(
    tmp_path: Path,
) -> None:
    data = datasets.digits_zip(tmp_path, 150)
    sandbox = runner(tmp_path)
    result = sandbox.run(RECIPE.encode(), data, task=1, input_cid=CID)
    model, metrics = decode_model_result(result)
    check_model(model)
    assert metrics["dataset_cid"] == CID and metrics["classes"] == [str(d) for d in range(10)]
    assert (metrics["train_items"], metrics["holdout_items"]) == (120, 30)
    assert metrics["holdout_accuracy"] > 0.5  # ten classes: chance is 0.1
    assert metrics["recipe"] == json.loads(RECIPE.encode())
    assert verify_model_result(result, data, CID) == (model, metrics)
    assert sandbox.run(RECIPE.encode(), data, task=1, input_cid=CID) == result  # same bytes again

    inflated = encode_model_result(model, {**metrics, "holdout_accuracy": 1.0})
    with pytest.raises(RecipeError, match=r"not the 1\.0 it claims"):
        verify_model_result(inflated, data, CID)
    with pytest.raises(RecipeError, match="another dataset"):
        verify_model_result(result, data, "bafkreiother")
    models = pytest.importorskip("compute_models")
    with pytest.raises(RecipeError, match="custom operator"):
        verify_model_result(encode_model_result(models.custom_op(), metrics), data, CID)
    with pytest.raises(RecipeError, match="truncated"):
        decode_model_result(result[:-3])
    _arbiter_rules_on_the_claims(tmp_path, data, result, inflated)
    images = read_dataset(data, 16, 1).images
    assert images.shape == (150, 1, 16, 16) and images.min() >= 0.0 and images.max() <= 1.0


def test_a_bad_recipe_or_dataset_is_refused_by_the_sandbox_too(tmp_path: Path) -> None:
    data = datasets.digits_zip(tmp_path, 20)
    with pytest.raises(JobRefused, match="unknown recipe"):
        runner(tmp_path).run(b'{"recipe": "os.system"}', data, task=1, input_cid=CID)
    broken = datasets.rewritten(
        data, lambda d: {**d, "images": [{**i, "file_name": "annotations.json"} for i in d["images"]]}
    )
    with pytest.raises(JobRefused, match="not a readable image"):
        runner(tmp_path).run(RECIPE.encode(), broken, task=1, input_cid=CID)


def _arbiter_rules_on_the_claims(tmp_path: Path, data: bytes, honest: bytes, inflated: bytes) -> None:
    """A challenged training result: the arbiter upholds the honest one and rules against the
    inflated one (the held-out accuracy it states is not what the model scores)."""
    from app.compute.arbiter import Arbiter
    from app.compute.jobs import Job, JobStatus
    from app.storage.local import LocalStore

    store = LocalStore(tmp_path / "blobs")
    dataset_cid, recipe_cid = str(store.put([data])), str(store.put([RECIPE.encode()]))
    arbiter = Arbiter.__new__(Arbiter)
    arbiter.store, arbiter.runner = store, runner(tmp_path)
    job = Job(1, "0x" + "22" * 20, 1, 1, 0, 0, 600, 0, 1, 1, 1, JobStatus.CHALLENGED, 0, 0, b"", b"",
              model_cid=recipe_cid, input_cid=dataset_cid)  # fmt: skip
    rulings = []
    for result in (honest, inflated):
        model, metrics = decode_model_result(result)
        rulings.append(
            arbiter._check(job, encode_model_result(model, {**metrics, "dataset_cid": dataset_cid}), data)
        )
    assert rulings[0].provider_wins and not rulings[1].provider_wins
    assert "does not hold up" in rulings[1].note and "held-out" in rulings[1].note
