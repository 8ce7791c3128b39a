"""`sahara blob` as people and scripts use it: real processes, a throwaway SAHARA_HOME."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from storage_contract import helia_node, pseudo_random

from app.storage.layout import compute_cid
from app.wallet.hd import encryption_key_from_mnemonic

PHRASE = "test test test test test test test test test test test junk"


def sahara(
    home: Path, *args: str, stdin: str = "", limit_file_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # Python ignores SIGXFSZ, so writes past the limit fail with EFBIG
        if limit_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "SAHARA_HOME": str(home)},
        timeout=120,
        preexec_fn=limit,
    )


def _blob_files(home: Path) -> list[Path]:
    root = home / "data" / "blobs"
    return [p for sub in ("objects", "tmp") for p in (root / sub).rglob("*") if p.is_file()]


def test_put_get_verify(home: Path, tmp_path: Path) -> None:
    data = pseudo_random(2 * 1024 * 1024 + 99)
    source = tmp_path / "dataset.bin"
    source.write_bytes(data)
    put = sahara(home, "blob", "put", str(source))
    assert put.returncode == 0, put.stderr
    assert put.stdout == f"{compute_cid([data])}\n"
    cid = put.stdout.strip()
    out = tmp_path / "copy.bin"
    got = sahara(home, "blob", "get", cid, "-o", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == data and got.stdout == ""
    verified = sahara(home, "blob", "verify", cid)
    assert verified.returncode == 0 and f"{len(data)} bytes match" in verified.stderr


def test_tampering_is_reported_and_quarantined(home: Path, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    source = files / "labels.json"
    source.write_bytes(b'{"label": 7}')
    cid = sahara(home, "blob", "put", str(source)).stdout.strip()
    content = next((home / "data" / "blobs" / "objects").rglob("content"))
    content.write_bytes(b'{"label": 1}')
    got = sahara(home, "blob", "get", cid, "-o", str(files / "out.json"))
    assert got.returncode == 3 and "is corrupt" in got.stderr and "quarantine" in got.stderr
    assert list(files.iterdir()) == [source]  # no output file, no temp file
    verified = sahara(home, "blob", "verify", cid)
    assert verified.returncode == 1 and "not in this store" in verified.stderr


def test_encrypt_to_a_key_and_decrypt_with_the_wallet(home: Path, tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text("correct horse battery\n")
    imported = sahara(home, "wallet", "import", "--password-file", str(password), stdin=PHRASE + "\n")
    assert imported.returncode == 0, imported.stderr
    me = encryption_key_from_mnemonic(PHRASE, 0).public_key.hex()
    data = pseudo_random(1024 * 1024 + 5)
    source = tmp_path / "model.onnx"
    source.write_bytes(data)
    put = sahara(home, "blob", "put", str(source), "--encrypt-to", "0x" + me)
    assert put.returncode == 0, put.stderr
    cid = put.stdout.strip()
    raw = tmp_path / "sealed.bin"
    assert sahara(home, "blob", "get", cid, "-o", str(raw)).returncode == 0
    assert raw.read_bytes()[:4] == b"SAHE" and data[:64] not in raw.read_bytes()
    out = tmp_path / "model-again.onnx"
    got = sahara(home, "blob", "get", cid, "-o", str(out), "--decrypt", "--password-file", str(password))
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == data
    other = sahara(
        home,
        "blob",
        "get",
        cid,
        "-o",
        str(out),
        "--decrypt",
        "--account",
        "3",
        "--password-file",
        str(password),
    )
    assert other.returncode == 1 and "no account 3" in other.stderr


def test_bad_input_gets_clear_messages(home: Path, tmp_path: Path) -> None:
    missing = sahara(home, "blob", "put", str(tmp_path / "nope.bin"))
    assert missing.returncode == 1 and "nope.bin: no such file" in missing.stderr
    source = tmp_path / "a.txt"
    source.write_text("a")
    bad_key = sahara(home, "blob", "put", str(source), "--encrypt-to", "0x1234")
    assert bad_key.returncode == 1 and "--encrypt-to: a public key is 64 bytes" in bad_key.stderr
    off_curve = sahara(home, "blob", "put", str(source), "--encrypt-to", "00" * 64)
    assert off_curve.returncode == 1 and "not a point on the secp256k1 curve" in off_curve.stderr
    bad_cid = sahara(home, "blob", "get", "QmNotACidV1", "-o", str(tmp_path / "x"))
    assert bad_cid.returncode == 1 and "is not a CIDv1 in base32" in bad_cid.stderr
    no_folder = sahara(home, "blob", "get", str(compute_cid([b"a"])), "-o", str(tmp_path / "no" / "x"))
    assert no_folder.returncode == 1 and "not a file path in an existing folder" in no_folder.stderr
    absent = sahara(home, "blob", "get", str(compute_cid([b"b"])), "-o", str(tmp_path / "x"))
    assert absent.returncode == 1 and "is not in this store" in absent.stderr
    read_only = sahara(home, "blob", "put", str(source), "--gateway", "http://127.0.0.1:9")
    assert read_only.returncode == 1 and "a gateway can only read" in read_only.stderr
    bad_url = sahara(home, "blob", "verify", str(compute_cid([b"a"])), "--ipfs-api", "localhost:5001")
    assert bad_url.returncode == 1 and "is not an http:// or https:// URL" in bad_url.stderr
    assert "Traceback" not in "".join(
        r.stderr for r in (missing, bad_key, bad_cid, absent, read_only, bad_url)
    )


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_leaves_nothing_partial(home: Path, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    source = files / "big.bin"
    source.write_bytes(pseudo_random(6 * 1024 * 1024))
    assert sahara(home, "blob", "gc").returncode == 0  # creates the store before the limit applies
    full = sahara(home, "blob", "put", str(source), limit_file_bytes=3 * 1024 * 1024)
    assert (
        full.returncode == 1
        and "not enough disk space" in full.stderr
        and "nothing was stored" in full.stderr
    )
    assert full.stdout == "" and _blob_files(home) == []
    cid = sahara(home, "blob", "put", str(source)).stdout.strip()
    out_full = sahara(
        home, "blob", "get", cid, "-o", str(files / "out.bin"), limit_file_bytes=3 * 1024 * 1024
    )
    assert out_full.returncode == 1 and "not enough disk space" in out_full.stderr
    assert [p.name for p in files.iterdir()] == ["big.bin"]


def test_pin_unpin_gc(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(b"keep me")
    cid = sahara(home, "blob", "put", "--no-pin", str(source)).stdout.strip()
    assert sahara(home, "blob", "pin", cid).returncode == 0
    assert "removed 0" in sahara(home, "blob", "gc").stderr
    assert sahara(home, "blob", "unpin", cid).returncode == 0
    assert "removed 1" in sahara(home, "blob", "gc").stderr
    assert sahara(home, "blob", "verify", cid).returncode == 1


def test_on_an_ipfs_node_and_through_its_gateway(home: Path, tmp_path: Path) -> None:
    data = pseudo_random(1024 * 1024 + 1)
    source = tmp_path / "a.bin"
    source.write_bytes(data)
    with helia_node() as node:
        put = sahara(home, "blob", "put", str(source), "--ipfs-api", node["api"])
        assert put.returncode == 0, put.stderr
        assert put.stdout.strip() == str(compute_cid([data]))
        out = tmp_path / "b.bin"
        got = sahara(home, "blob", "get", put.stdout.strip(), "-o", str(out), "--gateway", node["gateway"])
        assert got.returncode == 0, got.stderr
        assert out.read_bytes() == data
    assert _blob_files(home) == []  # nothing went to the local store
