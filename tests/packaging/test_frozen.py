"""The frozen (PyInstaller) build works on its own: ``sahara --version``, ``self-test`` and ``doctor``.

Needs ``make package`` first. Without a build the tests skip locally, but fail under CI (``CI`` set)
or when ``SAHARA_REQUIRE_FROZEN`` is set, so a pipeline cannot pass by forgetting to build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "sahara"
# On Windows sahara.exe is windowed (no console output); sahara-cli.exe is the same app as a console program.
EXE = DIST / ("sahara-cli.exe" if sys.platform == "win32" else "sahara")
ANVIL = DIST / ("anvil.exe" if sys.platform == "win32" else "anvil")

pytestmark = pytest.mark.slow


def frozen_exe() -> Path:
    """The built executable; skips, or fails under CI / SAHARA_REQUIRE_FROZEN, when there is none.
    A plain call rather than a fixture, so a missing build reports as FAILED, not as a setup ERROR."""
    if not EXE.is_file():
        message = f"no frozen build at {EXE}; run make package"
        if os.environ.get("CI") or os.environ.get("SAHARA_REQUIRE_FROZEN"):
            pytest.fail(message)
        pytest.skip(message)
    return EXE


def run_frozen(exe: Path, home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    # The frozen app must not lean on this checkout: no anvil override, no source tree on the path.
    for name in ("SAHARA_ANVIL", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    return subprocess.run(
        [str(exe), *args], cwd=home, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_version(tmp_path: Path) -> None:
    result = run_frozen(frozen_exe(), tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("sahara "), result.stdout


def test_self_test(tmp_path: Path) -> None:
    result = run_frozen(frozen_exe(), tmp_path, "self-test")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "self-test: ok" in result.stdout.splitlines(), result.stdout


def test_doctor(tmp_path: Path) -> None:
    """Every check passes in the bundle; in particular onnxruntime (and numpy under it) imports and
    lists its providers, which self-test does not exercise."""
    result = run_frozen(frozen_exe(), tmp_path, "doctor")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    onnx = [line for line in result.stdout.splitlines() if "onnxruntime" in line]
    assert onnx and onnx[0].startswith("OK"), result.stdout
    anvil = [line for line in result.stdout.splitlines() if " anvil " in f" {line} "]
    assert anvil and str(ANVIL) in anvil[0], f"the bundled anvil should be the one found:\n{result.stdout}"


def test_anvil_beside_executable() -> None:
    frozen_exe()
    assert ANVIL.is_file(), "anvil must sit beside the executable, where app.chain.devnet looks for it"
    assert os.access(ANVIL, os.X_OK)


def test_bundle_has_no_torch() -> None:
    frozen_exe()
    internal = DIST / "_internal"
    assert internal.is_dir()
    assert not (internal / "torch").exists(), "torch must not be bundled (see packaging/README.md)"
    assert not list(internal.glob("libtorch*")), "torch libraries must not be bundled"


def test_encrypted_blob_round_trip(tmp_path: Path) -> None:
    """Storage and ECIES (coincurve's native backend) work inside the bundle."""
    from app.wallet.hd import encryption_key_from_mnemonic

    key = encryption_key_from_mnemonic("test test test test test test test test test test test junk", 0)
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(300_000))
    exe, home = frozen_exe(), tmp_path / "home"
    home.mkdir()
    put = run_frozen(exe, home, "blob", "put", str(source), "--encrypt-to", "0x" + key.public_key.hex())
    assert put.returncode == 0, put.stderr
    cid = put.stdout.strip().splitlines()[-1]
    verify = run_frozen(exe, home, "blob", "verify", cid)
    assert verify.returncode == 0, verify.stderr


def test_agent_file_validates(tmp_path: Path) -> None:
    """The studio's node registry (imported dynamically) and Jinja2 are in the bundle."""
    example = Path(__file__).resolve().parents[2] / "examples" / "agents" / "question_router.sahara-agent"
    result = run_frozen(frozen_exe(), tmp_path, "agent", "validate", str(example))
    assert result.returncode == 0, result.stdout + result.stderr


def test_update_check_verifies_with_the_shipped_key(tmp_path: Path) -> None:
    """The bundle carries resources/release-keys and cryptography's Ed25519: a manifest signed by
    another key is refused for its signature (not for a missing key or a missing module)."""
    import base64
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from local_http import Handler, serving

    payload = json.dumps({"schema": 1, "version": "99.0.0", "artifacts": {}}).encode()
    signature = Ed25519PrivateKey.generate().sign(payload)
    body = json.dumps(
        {"payload": base64.b64encode(payload).decode(), "signature": base64.b64encode(signature).decode()}
    )

    class Manifest(Handler):
        def do_GET(self) -> None:
            self.answer(200, body.encode())

    with serving(Manifest) as base:
        result = run_frozen(frozen_exe(), tmp_path, "update", "check", "--url", f"{base}/manifest.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "does not match a Sahara release key" in result.stderr, result.stderr
