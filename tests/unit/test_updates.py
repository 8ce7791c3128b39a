"""The update check believes only manifests a shipped release key signed, and never offers a downgrade.

Each guard is attacked: tampered payload, foreign key, no signature, a replayed older release, a
download that is not https or has no hash, a plain-http manifest URL off loopback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import updates
from app.updates import UpdateError, check, fetch, parse_version, release_keys, verify_manifest

ROOT = Path(__file__).resolve().parents[2]
SIGN = ROOT / "scripts" / "sign_manifest.py"
KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def manifest(version: str = "9.0.0", **artifact: str) -> dict:
    entry = {"url": "https://example.org/sahara_9.0.0_amd64.deb", "sha256": "ab" * 32, **artifact}
    return {"schema": 1, "version": version, "notes": "Faster start.", "artifacts": {"linux-x86_64": entry}}


def signed(body: dict, key: Ed25519PrivateKey = KEY) -> bytes:
    payload = json.dumps(body).encode()
    return json.dumps(
        {
            "payload": base64.b64encode(payload).decode(),
            "signature": base64.b64encode(key.sign(payload)).decode(),
        }
    ).encode()


def test_a_signed_newer_release_is_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "platform_key", lambda: "linux-x86_64")
    result = check(signed(manifest()), [PUBLIC], current="0.1.0")
    assert result.newer and result.release.version == "9.0.0"
    assert result.release.url == "https://example.org/sahara_9.0.0_amd64.deb"
    assert "9.0.0 is available (you have 0.1.0)" in result.describe()


def test_tampered_payload_is_refused() -> None:
    envelope = json.loads(signed(manifest()))
    body = manifest()
    body["artifacts"]["linux-x86_64"]["url"] = "https://evil.example/sahara.deb"
    envelope["payload"] = base64.b64encode(json.dumps(body).encode()).decode()  # old signature kept
    with pytest.raises(UpdateError, match="altered or signed by someone else"):
        verify_manifest(json.dumps(envelope).encode(), [PUBLIC])


def test_flipped_signature_bit_is_refused() -> None:
    envelope = json.loads(signed(manifest()))
    raw = bytearray(base64.b64decode(envelope["signature"]))
    raw[0] ^= 1
    envelope["signature"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(UpdateError, match="does not match"):
        verify_manifest(json.dumps(envelope).encode(), [PUBLIC])


def test_manifest_signed_with_another_key_is_refused() -> None:
    with pytest.raises(UpdateError, match="does not match a Sahara release key"):
        verify_manifest(signed(manifest(), Ed25519PrivateKey.generate()), [PUBLIC])


@pytest.mark.parametrize(
    "envelope",
    [
        {"payload": base64.b64encode(json.dumps(manifest()).encode()).decode()},
        {"payload": base64.b64encode(json.dumps(manifest()).encode()).decode(), "signature": ""},
    ],
)
def test_unsigned_manifest_is_refused(envelope: dict) -> None:
    with pytest.raises(UpdateError, match="not signed"):
        verify_manifest(json.dumps(envelope).encode(), [PUBLIC])


def test_a_bare_manifest_without_envelope_is_refused() -> None:
    with pytest.raises(UpdateError, match="no signed payload"):
        verify_manifest(json.dumps(manifest()).encode(), [PUBLIC])


def test_not_json_and_not_base64_are_refused() -> None:
    with pytest.raises(UpdateError, match="not JSON"):
        verify_manifest(b"<html>", [PUBLIC])
    with pytest.raises(UpdateError, match="not base64"):
        verify_manifest(json.dumps({"payload": "!!", "signature": "??"}).encode(), [PUBLIC])


def test_without_a_shipped_key_nothing_is_trusted() -> None:
    with pytest.raises(UpdateError, match="ships no release key"):
        verify_manifest(signed(manifest()), [])


@pytest.mark.parametrize("offered", ["0.1.0", "0.0.9", "0.1"])
def test_downgrade_or_same_version_is_not_offered(offered: str) -> None:
    result = check(signed(manifest(offered)), [PUBLIC], current="0.1.0")
    assert not result.newer
    assert "up to date" in result.describe()


def test_version_comparison_is_numeric() -> None:
    assert parse_version("0.10.0") > parse_version("0.9.9")
    for bad in ("1.0.0-rc1", "", "v1.0", "1..2", "1.2.3.4.5"):
        with pytest.raises(UpdateError):
            parse_version(bad)


def test_download_must_be_https_with_a_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "platform_key", lambda: "linux-x86_64")
    with pytest.raises(UpdateError, match="https"):
        check(signed(manifest(url="http://example.org/sahara.deb")), [PUBLIC], current="0.1.0")
    with pytest.raises(UpdateError, match="SHA-256"):
        check(signed(manifest(sha256="nothex")), [PUBLIC], current="0.1.0")


def test_plain_http_is_refused_off_loopback() -> None:
    for url in ("http://example.org/manifest.json", "http://10.0.0.5/m.json", "file:///etc/passwd"):
        with pytest.raises(UpdateError):
            fetch(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/manifest.json",
        "https://192.168.1.1/manifest.json",
        "https://169.254.169.254/latest/meta-data",  # the cloud metadata service
        "https://[fd00::1]/manifest.json",
        "https://0.0.0.0/manifest.json",
    ],
)
def test_private_addresses_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(UpdateError, match="private network address"):
        fetch(url)


def test_the_shipped_release_key_loads() -> None:
    keys = release_keys()
    assert keys and all(len(key) == 32 for key in keys)


def test_a_corrupt_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.pub").write_text(base64.b64encode(b"short").decode())
    with pytest.raises(UpdateError, match="not an Ed25519 public key"):
        release_keys(tmp_path)


def test_sign_script_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """keygen writes a 0600 private key and prints the public one; sign hashes the local file."""
    key_file = tmp_path / "release.key"
    gen = subprocess.run(
        [sys.executable, str(SIGN), "keygen", "--out", str(key_file)], capture_output=True, text=True
    )
    assert gen.returncode == 0, gen.stderr
    assert key_file.stat().st_mode & 0o777 == 0o600
    public = base64.b64decode(gen.stdout.strip())
    deb = tmp_path / "sahara.deb"
    deb.write_bytes(b"installer bytes")
    out = tmp_path / "manifest.json"
    spec = f"linux-x86_64=https://example.org/sahara.deb={deb}"
    args = ["sign", "--key", str(key_file), "--version", "2.0.0", "--artifact", spec, "--out", str(out)]
    result = subprocess.run([sys.executable, str(SIGN), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    monkeypatch.setattr(updates, "platform_key", lambda: "linux-x86_64")
    checked = check(out.read_bytes(), [public], current="1.0.0")
    assert checked.newer and checked.release.sha256 == hashlib.sha256(b"installer bytes").hexdigest()
    again = subprocess.run(
        [sys.executable, str(SIGN), "keygen", "--out", str(key_file)], capture_output=True, text=True
    )
    assert again.returncode == 1, "keygen must never overwrite a key"
