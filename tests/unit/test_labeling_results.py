"""Batch results: canonical JSON, the Merkle root the labeler commits to, and validation on opening."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from app.chain.merkle import process_proof
from app.labeling.results import (
    ResultError,
    answer_leaf,
    answer_proof,
    canonical_json,
    open_result,
    ordered_answers,
    result_root,
    seal,
)
from app.labeling.schema import Annotation, BatchResult, Box, Item, LabelSet
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import encryption_key_from_mnemonic

REQUESTER = encryption_key_from_mnemonic(DEV_MNEMONIC, 0)
LABELER = encryption_key_from_mnemonic(DEV_MNEMONIC, 1)
OUTSIDER = encryption_key_from_mnemonic(DEV_MNEMONIC, 2)
LABELER_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
LABELS = LabelSet.from_names(["cat", "dog"])
ITEMS = [Item(id=f"img{i}", image_cid="x") for i in range(3)]


def answers() -> list[Annotation]:
    return [
        Annotation(item_id="img0", label="cat"),
        Annotation(item_id="img1", boxes=[Box(x=1, y=2, w=3, h=4, label="dog")]),
        Annotation(item_id="img2"),
    ]


def result(**changes: object) -> BatchResult:
    fields = {"campaign_id": 7, "batch": 2, "labeler": LABELER_ADDRESS, "annotations": answers()} | changes
    return BatchResult(**fields)  # type: ignore[arg-type]


def opened(blob: bytes, key: bytes = REQUESTER.private_key, **changes: object) -> BatchResult:
    kwargs = {
        "campaign_id": 7, "batch": 2, "labeler": LABELER_ADDRESS.lower(), "items": ITEMS, "label_set": LABELS,
    } | changes  # fmt: skip
    return open_result(blob, key, **kwargs)  # type: ignore[arg-type]


def test_canonical_json_is_stable_and_sorted() -> None:
    a = Annotation(item_id="x", label="cat")
    assert canonical_json(a) == b'{"boxes":[],"item_id":"x","label":"cat","spans":[]}'
    assert canonical_json(Annotation.model_validate_json(canonical_json(a))) == canonical_json(a)


def test_leaf_is_abi_encoded_index_and_answer_digest() -> None:
    a = Annotation(item_id="x", label="cat")
    assert answer_leaf(20, a) == keccak((20).to_bytes(32, "big") + keccak(canonical_json(a)))


def test_root_binds_answers_to_item_positions_and_proofs_verify() -> None:
    root = result_root(20, answers())
    assert len(root) == 32
    assert result_root(20, answers()) == root
    assert result_root(21, answers()) != root  # same answers for other items
    changed = [Annotation(item_id="img0", label="dog"), *answers()[1:]]
    assert result_root(20, changed) != root
    for position, annotation in enumerate(answers()):
        proof = answer_proof(20, answers(), position)
        assert process_proof(answer_leaf(20 + position, annotation), proof) == root
    assert result_root(0, answers()[:1]) == answer_leaf(0, answers()[0])  # one item: the leaf is the root


def test_sealed_result_opens_for_requester_and_labeler_only() -> None:
    blob = seal(result(), [REQUESTER.public_key, LABELER.public_key])
    assert b"cat" not in blob
    assert opened(blob) == result()
    assert opened(blob, LABELER.private_key) == result()
    with pytest.raises(ResultError, match="could not be decrypted"):
        opened(blob, OUTSIDER.private_key)


def test_root_checked_against_the_committed_one() -> None:
    blob = seal(result(), [REQUESTER.public_key])
    root = result_root(40, answers())
    assert opened(blob, first_item=40, expected_root=root) == result()
    with pytest.raises(ResultError, match="do not match the result root"):
        opened(blob, first_item=40, expected_root=b"\1" * 32)


@pytest.mark.parametrize(
    ("sealed", "changes", "message"),
    [
        (result(campaign_id=8), {}, "campaign 8 batch 2, not campaign 7 batch 2"),
        (result(batch=3), {}, "batch 3"),
        (result(labeler="0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"), {}, "names labeler"),
        (result(annotations=answers()[:2]), {}, r"missing \['img2'\]"),
        (result(annotations=[*answers(), Annotation(item_id="zzz")]), {}, r"unexpected \['zzz'\]"),
        (result(annotations=[Annotation(item_id="img0", label="cow"), *answers()[1:]]), {}, "cow"),
    ],
)
def test_invalid_results_are_refused_with_the_reason(
    sealed: BatchResult, changes: dict, message: str
) -> None:
    with pytest.raises(ResultError, match=message):
        opened(seal(sealed, [REQUESTER.public_key]), **changes)


def test_garbage_inside_a_valid_envelope_is_refused() -> None:
    from app.storage import envelope

    blob = b"".join(envelope.encrypt([b'{"version": 1, "campaign_id": "x"}'], [REQUESTER.public_key]))
    with pytest.raises(ResultError, match="not a valid batch result"):
        opened(blob)


def test_ordered_answers_fill_gaps_and_refuse_strangers() -> None:
    ordered = ordered_answers(ITEMS, [Annotation(item_id="img2", label="dog")])
    assert [a.item_id for a in ordered] == ["img0", "img1", "img2"]
    assert ordered[0].empty and ordered[2].label == "dog"
    with pytest.raises(ResultError, match="not in this batch"):
        ordered_answers(ITEMS, [Annotation(item_id="other")])
    with pytest.raises(ResultError, match="answered twice"):
        ordered_answers(ITEMS, [Annotation(item_id="img0"), Annotation(item_id="img0", label="cat")])
