"""Make and sign the release manifest the app checks for updates (app/updates.py).

    python scripts/sign_manifest.py keygen --out ~/sahara-release.key
        a new Ed25519 key pair: the private key (PEM, mode 0600) at --out, kept OUTSIDE the
        repository (a CI secret, a hardware token, an offline machine); the public key is printed
        as base64, to commit as resources/release-keys/<name>.pub so builds trust it
    python scripts/sign_manifest.py sign --key ~/sahara-release.key --version 0.2.0 \\
            --notes "What changed" --artifact linux-x86_64=https://.../sahara_0.2.0_amd64.deb=FILE ...
        writes the signed manifest (--out, default manifest.json); each --artifact names the
        platform key, the download URL and the local file whose SHA-256 goes in the manifest.
        The private key may also come from the SAHARA_RELEASE_KEY environment variable (PEM text),
        which is how the release workflow passes its secret.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def keygen(out: Path) -> int:
    if out.exists():
        print(f"{out} exists; not overwriting a key", file=sys.stderr)
        return 1
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    print(base64.b64encode(public).decode())
    return 0


def load_key(path: Path | None) -> Ed25519PrivateKey:
    pem = path.read_bytes() if path else os.environ.get("SAHARA_RELEASE_KEY", "").encode()
    if not pem:
        raise SystemExit("no private key: pass --key FILE or set SAHARA_RELEASE_KEY")
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit("the release key must be an Ed25519 key (see keygen)")
    return key


def sign_payload(key: Ed25519PrivateKey, manifest: dict) -> dict:
    payload = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    return {
        "payload": base64.b64encode(payload).decode(),
        "signature": base64.b64encode(key.sign(payload)).decode(),
    }


def artifact(spec: str) -> tuple[str, dict]:
    platform_key, _, rest = spec.partition("=")
    url, _, file = rest.rpartition("=")
    if not (platform_key and url.startswith("https://") and file):
        raise SystemExit(f"--artifact {spec!r}: expected PLATFORM=https://URL=LOCAL_FILE")
    digest = hashlib.sha256(Path(file).read_bytes()).hexdigest()
    return platform_key, {"url": url, "sha256": digest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("keygen", help="make a new release key pair")
    gen.add_argument("--out", type=Path, required=True, help="where the PRIVATE key goes (not the repo)")
    sign = sub.add_parser("sign", help="write a signed manifest")
    sign.add_argument("--key", type=Path, help="private key PEM (default: $SAHARA_RELEASE_KEY)")
    sign.add_argument("--version", required=True)
    sign.add_argument("--notes", default="")
    sign.add_argument("--artifact", action="append", default=[], help="PLATFORM=https://URL=LOCAL_FILE")
    sign.add_argument("--out", type=Path, default=Path("manifest.json"))
    args = parser.parse_args(argv)
    if args.command == "keygen":
        return keygen(args.out)
    manifest = {
        "schema": 1,
        "version": args.version,
        "notes": args.notes,
        "artifacts": dict(artifact(spec) for spec in args.artifact),
    }
    args.out.write_text(json.dumps(sign_payload(load_key(args.key), manifest), indent=2) + "\n")
    print(f"signed manifest for {args.version} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
