"""The shipped contract artifacts match contracts/src, and deployment manifests round-trip."""

from __future__ import annotations

import json

import pytest

from app.chain.contracts import (
    CONTRACTS,
    ArtifactError,
    Deployment,
    artifacts_dir,
    load_artifact,
    load_deployment,
    save_deployment,
    sources_hash,
)
from app.resources import REPO_ROOT


def test_artifacts_are_fresh_against_the_sources() -> None:
    expected = sources_hash(REPO_ROOT / "contracts" / "src")
    manifest = json.loads((artifacts_dir() / "manifest.json").read_text())
    assert manifest["sourcesHash"] == expected, "resources/contracts is stale: run `make contracts`"
    for name in CONTRACTS:
        artifact = load_artifact(name)
        assert artifact.sources_hash == expected, f"{name}.json is stale: run `make contracts`"
        assert artifact.abi and artifact.bytecode


def test_a_missing_artifact_is_a_clear_error() -> None:
    with pytest.raises(ArtifactError, match="make contracts"):
        load_artifact("NoSuchContract")


def test_deployment_manifest_round_trip(tmp_path) -> None:
    assert load_deployment(tmp_path, "devnet") is None
    deployment = Deployment("devnet", 31337, 12, "abc", {"SaharaToken": "0x" + "11" * 20})
    save_deployment(tmp_path, deployment)
    assert load_deployment(tmp_path, "devnet") == deployment
    with pytest.raises(ArtifactError, match="not deployed"):
        deployment.address("TaskBoard")
    (tmp_path / "deployments" / "devnet.json").write_text("{broken")
    with pytest.raises(ArtifactError, match="malformed"):
        load_deployment(tmp_path, "devnet")
