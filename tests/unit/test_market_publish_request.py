"""What ``publishing.check_request`` refuses before the chain is asked anything, in words."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.market.publishing import Contributors, PublishError, PublishRequest, _zip, check_request
from app.market.terms import OfferTerms


def test_bad_requests_are_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "m.onnx").write_bytes(b"model")
    (tmp_path / "m.onnx").write_bytes(b"other")
    good = PublishRequest(kind="model", name="M", files=(tmp_path / "m.onnx",))
    check_request(good)
    bad = [
        (dict(kind="robot"), "kind must be one of dataset, model, agent"),
        (dict(files=()), "at least one file"),
        (dict(files=(tmp_path / "missing.onnx",)), "is not a file"),
        (dict(files=(tmp_path / "m.onnx", tmp_path / "a" / "m.onnx")), "same name"),
        (dict(parents=tuple(range(1, 18))), "at most 16 parents"),
        (dict(parents=(3, 3)), "each once"),
        (dict(derivative_royalty_bps=10_001), "between 0 % and 100 %"),
        (dict(contributors=Contributors(campaign=("0x" + "11" * 20, 1), weights={"x": 1})), "not both"),
        (dict(offers=(OfferTerms(-1),)), "price must be between"),
    ]
    for change, why in bad:
        with pytest.raises((PublishError, ValueError), match=why):
            check_request(dataclasses.replace(good, **change))


def test_several_files_zip_to_the_same_bytes_every_time(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_text(name)
    files = (tmp_path / "b.txt", tmp_path / "a.txt")
    first = _zip(files, tmp_path / "one.zip").read_bytes()
    (tmp_path / "a.txt").touch()  # a newer timestamp must not change the content's CID
    assert _zip(files, tmp_path / "two.zip").read_bytes() == first
