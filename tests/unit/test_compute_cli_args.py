"""`sahara compute submit` without a chain: a training job's arguments, refused in words before any
password is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import build_parser
from app.cli.compute import job_request, run_compute
from app.cli.wallet import CliError
from app.compute.training import Recipe


def parse(*words: str):  # type: ignore[no-untyped-def]
    return build_parser().parse_args(["compute", "submit", *words])


def test_a_training_job_carries_its_recipe_and_dataset(tmp_path: Path) -> None:
    (tmp_path / "set.zip").write_bytes(b"PK")
    request = job_request(parse("--task", "train", str(tmp_path / "set.zip"), "--price", "2", "--epochs", "4",
                                "--image-size", "16", "--channels", "1", "--dataset-asset", "7"))  # fmt: skip
    assert request.model is None and request.inputs == tmp_path / "set.zip" and request.payment == 2 * 10**18
    assert request.recipe == Recipe(epochs=4, image_size=16, channels=1, dataset_asset=7)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (("--task", "train", "a.onnx", "b.npy"), "a training job takes DATASET"),
        (("model.onnx",), "an inference job takes MODEL and INPUTS"),
        (("--task", "train", "set.zip", "--replicas", "2"), "--replicas 1"),
        (("--task", "train", "set.zip", "--epochs", "0"), "epochs must be between 1 and 200"),
        (("--task", "train", "missing.zip"), "missing.zip: no such file"),
    ],
)
def test_bad_arguments_are_refused_in_words(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    words: tuple,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "set.zip").write_bytes(b"PK")
    args = parse(*words, "--price", "1")
    with pytest.raises(CliError, match=message):
        job_request(args)
    assert run_compute(args) == 1 and message in capsys.readouterr().err
