"""Update checks: a signed release manifest, verified with the release keys the app ships.

The manifest is JSON, ``{"payload": <base64 of the manifest JSON>, "signature": <base64 Ed25519
signature of those exact bytes>}``; ``scripts/sign_manifest.py`` makes it with a private key that
never enters the repository. The payload says::

    {"schema": 1, "version": "0.2.0", "notes": "...",
     "artifacts": {"linux-x86_64": {"url": "https://...", "sha256": "..."}, ...}}

Nothing is believed before the signature checks out against a key in ``resources/release-keys``:
an unsigned, tampered or foreign-key manifest is refused with a sentence that says so, and a
manifest offering this version or an older one (a replayed old release, a downgrade) offers
nothing. The check only reports; the user decides whether and when to download and install.
Checking is off until the user sets a manifest URL (Settings, or ``sahara update check --url``).
It is fetched over HTTPS from a public address; loopback is the one exception (tests, a local
mirror), and there plain HTTP is accepted too. A URL whose host is a private, link-local or reserved
address (a router's admin page, a cloud metadata service) is refused before anything is sent.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import platform
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from app.resources import resources_dir
from app.version import __version__

MAX_MANIFEST_BYTES = 256 * 1024
TIMEOUT_S = 15


class UpdateError(Exception):
    """The manifest could not be fetched, or was refused; the message says why in words."""


@dataclass(frozen=True)
class Release:
    version: str
    notes: str
    url: str | None  # the installer for this platform; None if the release has none for it
    sha256: str | None


@dataclass(frozen=True)
class CheckResult:
    current: str
    release: Release
    newer: bool

    def describe(self) -> str:
        if not self.newer:
            return f"Sahara {self.current} is up to date (the latest release is {self.release.version})."
        text = f"Sahara {self.release.version} is available (you have {self.current})."
        if self.release.url:
            text += f" Download: {self.release.url} (SHA-256 {self.release.sha256})"
        else:
            text += f" It has no installer for {platform_key()} yet."
        return text


def platform_key() -> str:
    """``linux-x86_64``, ``windows-amd64``, ``macos-arm64``...: the manifest's key for this system."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    return f"{system}-{platform.machine().lower()}"


def release_keys(folder: Path | None = None) -> list[bytes]:
    """The Ed25519 public keys (raw 32 bytes, base64 in ``*.pub`` files) a release may be signed with."""
    folder = folder or resources_dir() / "release-keys"
    keys = []
    for path in sorted(folder.glob("*.pub")) if folder.is_dir() else []:
        try:
            raw = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
        except (OSError, UnicodeDecodeError, binascii.Error) as exc:
            raise UpdateError(f"the release key {path.name} cannot be read ({exc})") from exc
        if len(raw) != 32:
            raise UpdateError(f"{path.name} is not an Ed25519 public key (32 bytes)")
        keys.append(raw)
    return keys


def parse_version(text: str) -> tuple[int, ...]:
    """``"1.2.10"`` -> ``(1, 2, 10)``; anything else (pre-release tags included) is refused."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and len(p) <= 6 for p in parts):
        raise UpdateError(f"the manifest's version {text!r} is not a release version like 1.2.3")
    return tuple(int(p) for p in parts)


def verify_manifest(data: bytes, keys: list[bytes]) -> dict:
    """The manifest's payload, if and only if one of ``keys`` signed it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not keys:
        raise UpdateError("this build ships no release key, so no update manifest can be trusted")
    try:
        envelope = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UpdateError(f"the update manifest is not JSON ({exc}); it was refused") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("payload"), str):
        raise UpdateError("the update manifest has no signed payload; it was refused")
    if not isinstance(envelope.get("signature"), str) or not envelope["signature"]:
        raise UpdateError("the update manifest is not signed; it was refused")
    try:
        payload = base64.b64decode(envelope["payload"], validate=True)
        signature = base64.b64decode(envelope["signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UpdateError("the update manifest's payload or signature is not base64; it was refused") from exc
    for key in keys:
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(signature, payload)
            break
        except InvalidSignature:
            continue
    else:
        raise UpdateError(
            "the update manifest's signature does not match a Sahara release key: it was altered or "
            "signed by someone else, and was refused"
        )
    try:
        manifest = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UpdateError(f"the signed manifest is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != 1:
        raise UpdateError("the signed manifest has an unknown schema; update the app by hand")
    return manifest


def release_from(manifest: dict, key: str | None = None) -> Release:
    version = manifest.get("version")
    if not isinstance(version, str):
        raise UpdateError("the signed manifest names no version")
    parse_version(version)
    artifacts = manifest.get("artifacts")
    artifact = artifacts.get(key or platform_key()) if isinstance(artifacts, dict) else None
    url = sha256 = None
    if isinstance(artifact, dict):
        url, sha256 = artifact.get("url"), artifact.get("sha256")
        if not (isinstance(url, str) and url.startswith("https://")):
            raise UpdateError("the signed manifest's download is not an https:// URL")
        if not (
            isinstance(sha256, str) and len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)
        ):
            raise UpdateError("the signed manifest's download has no SHA-256")
    notes = manifest.get("notes")
    return Release(version, notes if isinstance(notes, str) else "", url, sha256)


def check(data: bytes, keys: list[bytes], current: str = __version__) -> CheckResult:
    """Verify ``data`` and compare its release with ``current``; only a strictly newer one is offered."""
    release = release_from(verify_manifest(data, keys))
    return CheckResult(current, release, parse_version(release.version) > parse_version(current))


def check_url(url: str, keys: list[bytes] | None = None) -> CheckResult:
    """Fetch and check the manifest at ``url`` (blocking: call it off the GUI thread)."""
    return check(fetch(url), release_keys() if keys is None else keys)


def fetch(url: str) -> bytes:
    import urllib3

    parts = urlsplit(url)
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        raise UpdateError("the update manifest URL must be https:// (http:// is allowed for localhost only)")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UpdateError(f"{url!r} is not an https:// URL")
    _refuse_private(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    try:
        response = urllib3.request(
            "GET", url, timeout=TIMEOUT_S, preload_content=False, redirect=False, retries=False
        )
    except urllib3.exceptions.HTTPError as exc:
        raise UpdateError(f"the update manifest could not be fetched from {parts.hostname}: {exc}") from exc
    try:
        if response.status != 200:
            raise UpdateError(f"the update server answered HTTP {response.status} for {url}")
        data = response.read(MAX_MANIFEST_BYTES + 1, decode_content=True)
    finally:
        response.release_conn()
    if len(data) > MAX_MANIFEST_BYTES:
        raise UpdateError("the update manifest is larger than 256 KiB; it was refused")
    return data


def _refuse_private(host: str, port: int) -> None:
    """Every address ``host`` resolves to must be public, or all of them loopback."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise UpdateError(f"the update server {host} could not be found ({exc})") from exc
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    if all(address.is_loopback for address in addresses):
        return
    if any(not address.is_global for address in addresses):
        raise UpdateError(
            f"the update manifest URL points at a private network address ({host}); it was refused"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
