"""Web3 Secret Storage v3 (scrypt + AES-128-CTR + Keccak MAC) for any secret, not only a key.

The wallet must keep a BIP-39 phrase, not just a 32-byte key, so eth-keyfile (which derives an
address from what it encrypts) does not fit. This module writes the same ``crypto`` section format;
a 32-byte key encrypted here decrypts with eth-keyfile and the other way round (tested).

The standard MAC covers the key *and* the ciphertext, so a changed ciphertext reads exactly like a
wrong password, and used to count as a failed attempt. A ``passcheck`` beside it (a hash of the
derived key alone; other tools ignore the extra field) tells the two apart: the password is right
but the MAC fails means the file was altered or damaged (``KeystoreTampered``). A file written
before the field existed cannot tell, and says "wrong password" as before until it is rewritten.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

# go-ethereum's "standard" scrypt cost: about a second and 256 MB per unlock, on purpose.
STANDARD_N = 1 << 18
SCRYPT_R = 8
SCRYPT_P = 1


class KeystoreCorrupt(ValueError):
    """The keystore data is malformed; it is reported and never overwritten."""


class KeystoreTampered(KeystoreCorrupt):
    """The password is right but the encrypted secret does not match its MAC: altered or damaged."""


class WrongPassword(ValueError):
    """The password does not open the keystore."""


PASSCHECK_TAG = b"sahara-passcheck-v1"


def _passcheck(derived: bytes) -> bytes:
    """A check of the password alone: keyed by the same scrypt output as the MAC, so it tells an
    attacker nothing the MAC does not, but it does not cover the ciphertext."""
    return _keccak(PASSCHECK_TAG + derived[16:32])


def _derive(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=128 * r * (n + p + 2) + 1024
    )


def _keccak(data: bytes) -> bytes:
    from Crypto.Hash import keccak  # not eth_utils: that import alone takes a second (py_ecc)

    return keccak.new(data=data, digest_bits=256).digest()


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    from Crypto.Cipher import AES
    from Crypto.Util import Counter

    counter = Counter.new(128, initial_value=int.from_bytes(iv, "big"))
    return AES.new(key, AES.MODE_CTR, counter=counter).encrypt(data)


def encrypt(secret: bytes, password: str, *, n: int = STANDARD_N) -> dict[str, Any]:
    salt, iv = os.urandom(32), os.urandom(16)
    derived = _derive(password, salt, n, SCRYPT_R, SCRYPT_P, 32)
    ciphertext = _aes_ctr(derived[:16], iv, secret)
    return {
        "cipher": "aes-128-ctr",
        "cipherparams": {"iv": iv.hex()},
        "ciphertext": ciphertext.hex(),
        "kdf": "scrypt",
        "kdfparams": {"dklen": 32, "n": n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()},
        "mac": _keccak(derived[16:32] + ciphertext).hex(),
        "passcheck": _passcheck(derived).hex(),
    }


def decrypt(crypto: dict[str, Any], password: str) -> bytes:
    try:
        if crypto["cipher"] != "aes-128-ctr" or crypto["kdf"] != "scrypt":
            raise KeystoreCorrupt(f"unsupported cipher/kdf {crypto['cipher']}/{crypto['kdf']}")
        params = crypto["kdfparams"]
        n, r, p, dklen = int(params["n"]), int(params["r"]), int(params["p"]), int(params["dklen"])
        salt = bytes.fromhex(params["salt"])
        iv = bytes.fromhex(crypto["cipherparams"]["iv"])
        ciphertext = bytes.fromhex(crypto["ciphertext"])
        mac = bytes.fromhex(crypto["mac"])
        passcheck = bytes.fromhex(crypto["passcheck"]) if "passcheck" in crypto else None
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, KeystoreCorrupt):
            raise
        raise KeystoreCorrupt(f"the keystore's crypto section is malformed ({exc!r})") from exc
    if dklen < 32 or n < 2 or n & (n - 1) or n > 1 << 20 or len(iv) != 16:
        raise KeystoreCorrupt("the keystore's scrypt parameters are out of range")
    derived = _derive(password, salt, n, r, p, dklen)
    if passcheck is not None and not hmac.compare_digest(_passcheck(derived), passcheck):
        raise WrongPassword("wrong password")
    if not hmac.compare_digest(_keccak(derived[16:32] + ciphertext), mac):
        if passcheck is not None:
            raise KeystoreTampered("the password is right, but the encrypted secret was altered or damaged")
        raise WrongPassword("wrong password")
    return _aes_ctr(derived[:16], iv, ciphertext)
