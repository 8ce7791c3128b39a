"""`graph codegen && graph build` of subgraph/ with the pinned graph-cli, offline: the mappings compile
to WebAssembly and the built subgraph carries the app's own ABIs. (No graph node runs here: what the
mappings store is checked by review and by the reader's tests against tests/graph_node.py.)"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.chain.contracts import load_artifact
from app.resources import REPO_ROOT

SUBGRAPH = REPO_ROOT / "subgraph"
GRAPH = SUBGRAPH / "node_modules" / ".bin" / "graph"
SOURCES = ("AssetRegistry", "LicenseMarket", "RoyaltyVault")

pytestmark = pytest.mark.slow


def graph(*args: str) -> None:
    done = subprocess.run([str(GRAPH), *args], cwd=SUBGRAPH, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"graph {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def test_the_subgraph_builds_to_wasm_with_the_shipped_abis(tmp_path: Path) -> None:
    if not GRAPH.exists():
        pytest.fail("graph-cli is missing: run `make setup` (npm ci --prefix subgraph)")
    out = tmp_path / "build"
    graph("codegen")  # into subgraph/generated (git-ignored), which the mappings import
    graph("build", "--output-dir", str(out))
    for name in SOURCES:
        wasm = (out / name / f"{name}.wasm").read_bytes()
        assert wasm[:4] == b"\0asm" and len(wasm) > 10_000, f"{name}.wasm is not a WebAssembly module"
        built = json.loads((out / name / f"{name}.json").read_text())
        assert built == load_artifact(name).abi, f"the built {name} ABI is not resources/contracts'"
    manifest = (out / "subgraph.yaml").read_text()
    assert manifest.count("kind: ethereum/contract") == 3
