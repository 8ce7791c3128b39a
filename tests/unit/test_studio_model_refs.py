"""ONNX models by reference (file, app resource, blob CID, marketplace asset) and the models list an
exported agent carries, against real ONNX Runtime and a real local blob store."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from test_studio_onnx import onnx_graph, write_linear_model

from app.paths import AppPaths
from app.storage import open_store
from app.studio.document import (
    GraphFileError,
    export_agent,
    load_graph,
    missing_models,
    model_references,
    parse_graph,
    read_agent,
)
from app.studio.executor import Executor, GraphInvalid
from app.studio.graph import Graph
from app.studio.model_refs import ModelRefError, parse_ref
from app.studio.validate import validate


def run(config: dict, value: object, kind: str = "tensor") -> tuple[dict | None, str | None]:
    graph = onnx_graph(config, value)
    graph.nodes[0].config["type"] = kind
    result = asyncio.run(Executor().run(graph))
    trace = next(t for t in result.traces if t.node_id == "m")
    return (trace.outputs or None), trace.error


def problems(config: dict) -> list[str]:
    return [i.message for i in validate(onnx_graph(config, [[1, 0, 0, 0]]))]


@pytest.fixture
def stored_model(paths: AppPaths, tmp_path: Path) -> str:
    """The linear model put in this profile's local blob store; returns its CID."""
    model = write_linear_model(tmp_path / "to-store.onnx")
    return str(open_store(paths).put_file(model))


def test_references_are_parsed_or_refused_with_a_reason() -> None:
    assert parse_ref("/m/a.onnx").kind == "file"
    assert parse_ref("C:\\models\\a.onnx").kind == "file"
    assert parse_ref("resource:models/digits.onnx").value == "models/digits.onnx"
    assert parse_ref("asset:31337:42").value == "31337:42"
    for bad in ("resource:../secret.onnx", "resource:/etc/passwd", "cid:Qm123", "asset:main:x", "asset:1:"):
        with pytest.raises(ModelRefError):
            parse_ref(bad)


def test_an_asset_reference_needs_its_licensed_copy_in_the_cache(home: Path) -> None:
    assert problems({"path": "asset:31337:7"}) == [
        "asset 7 of chain 31337 is not downloaded; get it with: sahara market fetch 7"
    ]
    assert problems({"path": "asset:nope"}) == [
        "'asset:nope': an asset reference is asset:<chain id>:<asset id>"
    ]


def _cache(paths: AppPaths, model: Path, asset: int, *, expires_at: int, sha256: str = "") -> Path:
    """What ``sahara market fetch`` leaves: the decrypted content and the license record."""
    folder = paths.cache / "market" / "31337" / str(asset)
    folder.mkdir(parents=True)
    (folder / "content").write_bytes(model.read_bytes())
    digest = sha256 or hashlib.sha256(model.read_bytes()).hexdigest()
    record = {"license_id": 4, "asset_id": asset, "expires_at": expires_at, "sha256": digest}
    (folder / "license.json").write_text(json.dumps(record))
    return folder / "content"


def test_a_licensed_asset_runs_from_the_cache_hash_checked(paths: AppPaths, tmp_path: Path) -> None:
    model = write_linear_model(tmp_path / "bought.onnx")
    content = _cache(paths, model, 7, expires_at=2**40 - 1)
    config = {"path": "asset:31337:7", "labels": ["a", "b", "c"]}
    assert problems(config) == []
    outputs, error = run(config, [[0, 2, 1, 0]])
    assert error is None and outputs["label"] == "b"

    # Attack: the cached file is swapped for another model: refused, not run.
    content.write_bytes(content.read_bytes() + b"\0")
    (problem,) = problems(config)
    assert problem.startswith("the cached copy of asset 7 was altered (SHA-256 ")
    with pytest.raises(GraphInvalid, match="was altered"):  # the run refuses it before loading it
        run(config, [[0, 2, 1, 0]])


def test_an_expired_license_stops_the_cached_asset(paths: AppPaths, tmp_path: Path) -> None:
    model = write_linear_model(tmp_path / "bought.onnx")
    _cache(paths, model, 8, expires_at=1_000)
    assert problems({"path": "asset:31337:8"}) == [
        "the license of asset 8 (license 4) has expired; buy a new one"
    ]


def test_a_model_by_cid_runs_from_the_local_store(stored_model: str) -> None:
    config = {"path": f"cid:{stored_model}", "labels": ["a", "b", "c"]}
    assert problems(config) == []
    outputs, error = run(config, [[0, 2, 1, 0]])
    assert error is None and (outputs["label"], outputs["class_index"]) == ("b", 1)


def test_a_cid_not_in_the_store_or_malformed_is_a_clear_problem(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    cid = str(open_store(AppPaths(other, other, other, other)).put(iter([b"not here"])))
    assert problems({"path": f"cid:{cid}"}) == [
        f"model {cid} is not in the local blob store (add it with: sahara blob put FILE)"
    ]
    (message,) = problems({"path": "cid:bafynot"})
    assert "is not a CIDv1 in base32" in message


def test_a_tampered_blob_is_refused_by_its_hash(paths: AppPaths, tmp_path: Path) -> None:
    model = write_linear_model(tmp_path / "tampered.onnx")
    data = bytearray(model.read_bytes())
    data[-1] ^= 0x01  # a different model: a CID no other test has loaded
    model.write_bytes(bytes(data))
    cid = str(open_store(paths).put_file(model))
    (content,) = [p for p in (paths.data / "blobs" / "objects").rglob("*") if p.is_file() and cid in str(p)]
    stored = bytearray(content.read_bytes())
    stored[10] ^= 0xFF
    content.write_bytes(bytes(stored))
    outputs, error = run({"path": f"cid:{cid}"}, [[1, 0, 0, 0]])
    assert outputs is None and f"blob {cid} is corrupt" in error


def test_a_resource_reference_resolves_under_the_app_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = tmp_path / "resources"
    (resources / "models").mkdir(parents=True)
    write_linear_model(resources / "models" / "lin.onnx")
    monkeypatch.setattr("app.resources.resources_dir", lambda: resources)
    outputs, error = run({"path": "resource:models/lin.onnx"}, [[0, 0, 3, 0]])
    assert error is None and outputs["class_index"] == 2
    assert problems({"path": "resource:models/none.onnx"}) == [
        f"model file not found in the app's resources: {resources / 'models' / 'none.onnx'}"
    ]


def _png_url(pixels: list[list[int]]) -> str:
    image = Image.new("L", (len(pixels[0]), len(pixels)))
    image.putdata([v for row in pixels for v in row])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_an_image_data_url_is_decoded_to_grey_levels(tmp_path: Path) -> None:
    model = write_linear_model(tmp_path / "lin.onnx")
    config = {"path": str(model), "shape": [1, 4]}
    outputs, error = run(config, _png_url([[0, 255], [0, 0]]), "image")
    assert error is None and outputs["scores"] == pytest.approx([0.0, 1.5, -0.5])
    # dark ink on light paper reads the same: a light border means it is inverted first
    outputs, error = run(config, _png_url([[255, 0], [255, 255]]), "image")
    assert error is None and outputs["scores"] == pytest.approx([0.0, 1.5, -0.5])
    outputs, error = run({**config, "bright_ink": False}, _png_url([[255, 0], [255, 255]]), "image")
    assert outputs["scores"] == pytest.approx([2.0, 1.5, -0.5]), "as is, when asked"
    outputs, error = run(config, "data:text/plain;base64,aGk=", "image")
    assert outputs is None and "must be a data:image/" in error
    outputs, error = run(config, "data:image/png;base64,AAAA", "image")
    assert outputs is None and error.startswith("cannot read the image")


def _agent(model: Path, cid: str) -> Graph:
    inner = onnx_graph({"path": f"cid:{cid}"}, [[1, 0, 0, 0]])
    return Graph.model_validate(
        {
            "name": "uses models",
            "nodes": [
                *onnx_graph({"path": str(model)}, [[1, 0, 0, 0]]).model_dump()["nodes"],
                {"id": "twin", "type": "onnx_model", "config": {"path": str(model), "task": "embedding"}},
                {"id": "later", "type": "onnx_model", "config": {"path": "asset:31337:9"}},
                {"id": "sub", "type": "subgraph", "config": {"graph": inner.model_dump()}},
            ],
        }
    )


def test_an_export_lists_the_models_and_an_import_tells_what_is_missing(
    stored_model: str, tmp_path: Path
) -> None:
    model = write_linear_model(tmp_path / "linear.onnx")
    graph = _agent(model, stored_model)
    assert model_references(graph) == [str(model), "asset:31337:9", f"cid:{stored_model}"]
    path = tmp_path / "out.sahara-agent"
    export_agent(path, graph)
    raw = json.loads(path.read_text())
    assert list(raw)[:4] == ["schema_version", "name", "description", "models"]
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert raw["models"] == [
        {
            "ref": str(model),
            "kind": "file",
            "name": "linear.onnx",
            "sha256": digest,
            "size": model.stat().st_size,
        },
        {"ref": "asset:31337:9", "kind": "asset", "asset": "31337:9"},
        {"ref": f"cid:{stored_model}", "kind": "cid", "cid": stored_model},
    ]
    again, models = read_agent(path)
    assert again == graph and models == raw["models"]
    assert load_graph(path) == graph, "a graph reader sets the list aside"
    assert missing_models(models) == [
        "asset:31337:9: asset 9 of chain 31337 is not downloaded; get it with: sahara market fetch 9"
    ]
    model.write_bytes(model.read_bytes() + b"\0")
    (changed, _asset) = missing_models(models)
    assert changed.startswith(f"{model}: the file here differs from the exported one (SHA-256 ")
    model.unlink()
    assert missing_models(models)[0] == f"{model}: model file not found: {model}"


def test_a_models_list_that_is_not_a_list_of_objects_is_a_clear_error() -> None:
    with pytest.raises(GraphFileError, match="models: must be a list of objects"):
        parse_graph({"schema_version": 1, "models": "digits.onnx"})
    assert parse_graph({"schema_version": 1, "models": []}) == Graph()
