"""``sahara update check`` against a real manifest server on loopback (the only place http:// is allowed)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from local_http import Handler, serving


def run_update(home: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "update", "check", "--url", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def serve(body: bytes) -> type[Handler]:
    class Manifest(Handler):
        def do_GET(self) -> None:
            self.answer(200, body)

    return Manifest


def test_foreign_signature_is_refused_in_words(tmp_path: Path) -> None:
    """A manifest signed by a key the app does not ship: refused, exit 1, nothing offered."""
    payload = json.dumps({"schema": 1, "version": "99.0.0", "artifacts": {}}).encode()
    signature = Ed25519PrivateKey.generate().sign(payload)
    body = json.dumps(
        {"payload": base64.b64encode(payload).decode(), "signature": base64.b64encode(signature).decode()}
    )
    with serving(serve(body.encode())) as base:
        result = run_update(tmp_path, f"{base}/manifest.json")
    assert result.returncode == 1
    assert "does not match a Sahara release key" in result.stderr
    assert "99.0.0" not in result.stdout


def test_unsigned_manifest_is_refused(tmp_path: Path) -> None:
    with serving(serve(json.dumps({"schema": 1, "version": "99.0.0"}).encode())) as base:
        result = run_update(tmp_path, f"{base}/manifest.json")
    assert result.returncode == 1
    assert "no signed payload" in result.stderr


def test_server_error_and_no_url_are_said(tmp_path: Path) -> None:
    class Missing(Handler):
        def do_GET(self) -> None:
            self.answer(404, b"")

    with serving(Missing) as base:
        result = run_update(tmp_path, f"{base}/manifest.json")
    assert result.returncode == 1 and "HTTP 404" in result.stderr
    none = subprocess.run(
        [sys.executable, "-m", "app.cli", "update", "check"],
        env={**os.environ, "SAHARA_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert none.returncode == 2 and "no manifest URL is set" in none.stderr
