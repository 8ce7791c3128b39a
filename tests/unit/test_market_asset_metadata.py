"""Asset metadata the market publishes and reads: what the catalogue indexes, and the attacks on
it (a blob that lies about its CID, malformed fields), plus terms in words and prices as typed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.market.asset_metadata import (
    AssetMetadata,
    AssetMetadataError,
    ContentInfo,
    FileEntry,
    load_metadata,
    parse_asset_metadata,
    store_metadata,
)
from app.market.catalog.metadata import fetch_one
from app.market.terms import OfferTerms, TermsError, describe, parse_price
from app.storage.local import LocalStore

SHA = "ab" * 32
PLAIN_CID = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"


def sample() -> AssetMetadata:
    return AssetMetadata(
        name="Digits classifier", kind="model", card="# Digits\n\nA small CNN.", tags=("digits", "onnx"),
        task_type="image_classification", files=(FileEntry("digits.onnx", 1234, SHA, PLAIN_CID),),
        content=ContentInfo("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", 1234, SHA),
        parents=(3,), extra={"models": ["asset:31337:3"]},
    )  # fmt: skip


def test_published_metadata_reads_back_and_indexes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    cid = store_metadata(store, sample())
    assert load_metadata(store, cid) == sample()
    indexed = fetch_one(store, cid)  # the catalogue's own reader: what search sees
    assert (indexed.name, indexed.tags, indexed.task_type) == ("Digits classifier", ("digits", "onnx"),
                                                               "image_classification")  # fmt: skip


def test_attack_metadata_that_lies_about_its_cid_is_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    cid = store_metadata(store, sample())
    (content,) = [p for p in (tmp_path / "blobs").rglob("content") if cid in str(p)]
    forged = sample().to_json().replace(b"Digits classifier", b"Digits classifiER")
    os.chmod(content, 0o644)
    content.write_bytes(forged)  # same size, other bytes: a gateway or a disk that lies
    with pytest.raises(AssetMetadataError, match="does not match its CID"):
        load_metadata(store, cid)


def test_missing_and_malformed_metadata_say_why(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    with pytest.raises(AssetMetadataError, match="not in storage"):
        load_metadata(store, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
    bad = [
        (b"[1, 2]", "not a JSON object"),
        (b'{"name": "x", "kind": "spaceship"}', "kind 'spaceship'"),
        (b'{"name": "x", "kind": "model", "tags": "a,b"}', "tags must be a list"),
        (b'{"name": "x", "kind": "model", "files": [{"name": "a", "size": -1, "sha256": "00"}]}', "size"),
        (b'{"name": "x", "kind": "model", "content": {"cid": "b", "size": 1, "sha256": "zz"}}', "SHA-256"),
        (b'{"name": "x", "kind": "model", "parents": [-4]}', "parents"),
        (
            b'{"name": "x", "kind": "model", "files": [{"name": "a", "size": 1, "sha256": "'
            + b"ab" * 32
            + b'", "cid": "Qm-not-a-cid"}]}',
            "names a CID that is not one",
        ),
    ]
    for data, why in bad:
        with pytest.raises(AssetMetadataError, match=why):
            parse_asset_metadata(data)
        cid = str(store.put([data]))
        with pytest.raises(AssetMetadataError, match=why):
            load_metadata(store, cid)


def test_metadata_the_catalogue_would_refuse_is_not_stored(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    with pytest.raises(AssetMetadataError, match="needs a name"):
        store_metadata(store, AssetMetadata(name="  ", kind="model"))
    with pytest.raises(AssetMetadataError, match="would not index"):
        store_metadata(store, AssetMetadata(name="x", kind="model", tags=("t" * 65,)))
    assert not list((tmp_path / "blobs").rglob("content"))


def test_terms_in_words_and_prices_as_typed() -> None:
    assert describe(OfferTerms(15 * 10**17)).split("; ") == [
        "1.5 SAHARA", "perpetual", "commercial use allowed", "derivatives allowed", "not transferable",
        "unlimited licenses",
    ]  # fmt: skip
    words = describe(OfferTerms(0, 30 * 86400, 5, False, False, True))
    assert words.split("; ") == [
        "free", "runs 30 days after delivery", "no commercial use", "no derivatives", "transferable",
        "at most 5 licenses",
    ]  # fmt: skip
    assert parse_price("2.5") == 25 * 10**17 and parse_price("1,000 SAHARA") == 1000 * 10**18
    for bad in ("-1", "abc", "1e40", "0.0000000000000000001", "nan"):
        with pytest.raises(TermsError):
            parse_price(bad)
    with pytest.raises(TermsError, match="between 0"):
        OfferTerms(2**96).check()


def test_market_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys\nfrom app.cli import build_parser\nbuild_parser().parse_args(['market', 'search'])\n"
        "heavy = ('web3', 'eth_account', 'onnxruntime', 'PIL', 'sqlalchemy', 'numpy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", probe], env=os.environ | {"PYTHONPATH": str(root)}, cwd=root,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_card_template_indexes_for_every_kind() -> None:
    from app.market.asset_metadata import card_template

    for kind in ("dataset", "model", "agent"):
        card = card_template(kind, "Digits")
        assert card.startswith("# Digits\n\n## ")
        assert parse_asset_metadata(AssetMetadata("Digits", kind, card).to_json()).card == card
