"""Contract artifacts (ABI + bytecode) and deployment manifests.

Artifacts are built from ``contracts/src`` by ``make contracts`` into ``resources/contracts`` and
shipped with the app; ``manifest.json`` there records the sha256 of every source so a test can
tell when the artifacts are stale. A deployment manifest (addresses, chain id, block) is written per
network into the data folder; pages and services get contract objects from here, never by
assembling ABIs themselves.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.fileio import atomic_write_text
from app.resources import resources_dir

CONTRACTS = (
    "SaharaToken",
    "Faucet",
    "AssetRegistry",
    "RoyaltyVault",
    "LicenseMarket",
    "TaskBoard",
    "ComputeMarket",
    "SaharaTimelock",
)
TIMELOCK = "SaharaTimelock"  # holds the admin roles on every network but the devnet


class ArtifactError(RuntimeError):
    """An artifact is missing or malformed: the app was built without ``make contracts``."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    sources_hash: str


def artifacts_dir() -> Path:
    return resources_dir() / "contracts"


@functools.cache
def load_artifact(name: str) -> Artifact:
    path = artifacts_dir() / f"{name}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        bytecode = bytes.fromhex(str(raw["bytecode"]).removeprefix("0x"))
        abi = raw["abi"]
        if not isinstance(abi, list) or not bytecode:
            raise ValueError("empty ABI or bytecode")
        return Artifact(name, abi, bytecode, str(raw["sourcesHash"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(
            f"contract artifact {path} is missing or malformed ({exc}); run `make contracts`"
        ) from exc


def sources_hash(src_dir: Path) -> str:
    """The digest contracts/tools/export-artifacts.mjs records: sha256 over "path\tsha256\n" lines of
    every file under ``src_dir``, sorted by POSIX path."""
    files = sorted((p.relative_to(src_dir).as_posix(), p) for p in src_dir.rglob("*") if p.is_file())
    lines = "".join(f"{rel}\t{hashlib.sha256(path.read_bytes()).hexdigest()}\n" for rel, path in files)
    return hashlib.sha256(lines.encode()).hexdigest()


@dataclass
class Deployment:
    """Where our contracts live on one network."""

    network: str
    chain_id: int
    block: int
    sources_hash: str
    addresses: dict[str, str] = field(default_factory=dict)
    deployed_at: float = field(default_factory=time.time)

    def address(self, name: str) -> str:
        try:
            return self.addresses[name]
        except KeyError:
            raise ArtifactError(f"{name} is not deployed on {self.network}") from None


def deployment_file(data_dir: Path, network: str) -> Path:
    return data_dir / "deployments" / f"{network}.json"


def load_deployment(data_dir: Path, network: str) -> Deployment | None:
    path = deployment_file(data_dir, network)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Deployment(
            network=str(raw["network"]),
            chain_id=int(raw["chain_id"]),
            block=int(raw["block"]),
            sources_hash=str(raw["sources_hash"]),
            addresses={str(k): str(v) for k, v in dict(raw["addresses"]).items()},
            deployed_at=float(raw["deployed_at"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"deployment manifest {path} is malformed: {exc}") from exc


def save_deployment(data_dir: Path, deployment: Deployment) -> Path:
    path = deployment_file(data_dir, deployment.network)
    atomic_write_text(path, json.dumps(asdict(deployment), indent=2), mode=0o644)
    return path
