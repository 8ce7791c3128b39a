"""A labeler's batch result on its way to the requester: canonical JSON, encrypted, Merkle-committed.

``submitBatch`` takes the CID of the encrypted result and a ``resultRoot``. The root commits the
labeler to every answer without revealing any: later (a dispute, a dataset's provenance) one
answer and its proof can be shown and checked against the root on chain. The tree:

- the digest of an answer is ``keccak256(canonical JSON of the Annotation)``; canonical means
  pydantic's JSON model dump with keys sorted and no whitespace (``canonical_json``), so the same
  answer always has the same digest;
- leaf ``i`` is ``keccak256(abi.encode(uint256 itemIndex, bytes32 digest))`` where ``itemIndex`` is
  the item's position in the campaign (``batchRange``'s ``firstItem`` + its position in the batch),
  so an answer cannot be moved to another item;
- leaves stay in batch order and are laid out and paired as OpenZeppelin's Merkle trees are
  (``app.chain.merkle.layout``, commutative ``keccak256(min || max)``), so ``MerkleProof.verify``
  checks a proof. Leaves and inner nodes are both hashes of 64 bytes: a verifier must check that
  the index is one of the batch's items (< itemCount), which no inner node's left half passes for.

The result is encrypted (app/storage/envelope.py) to the requester's public key from the manifest
and to the labeler's own key, so the labeler can read back what they sent. Whoever opens a result
validates it (``open_result``) before trusting a byte: it must parse, name the campaign, batch and
labeler it was submitted for, answer exactly the batch's items, and use only the campaign's labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from eth_utils import keccak, to_checksum_address
from pydantic import ValidationError

from app.chain.merkle import layout
from app.labeling.schema import Annotation, BatchResult, Item, LabelSet
from app.storage import envelope
from app.storage.errors import DecryptionError


class ResultError(ValueError):
    """A batch result that cannot be accepted as what it claims to be; the message says why."""


def canonical_json(value: Annotation | BatchResult) -> bytes:
    """Sorted keys, no whitespace, UTF-8: one byte string per value, whoever serialises it."""
    return json.dumps(
        value.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def answer_leaf(item_index: int, annotation: Annotation) -> bytes:
    """``keccak256(abi.encode(uint256 itemIndex, keccak256(canonical annotation JSON)))``."""
    return keccak(item_index.to_bytes(32, "big") + keccak(canonical_json(annotation)))


def result_tree(first_item: int, annotations: Sequence[Annotation]) -> list[bytes]:
    """The tree (OZ array layout, ``[0]`` the root) over answers for items ``first_item, …``."""
    if not annotations:
        raise ResultError("A batch result needs at least one answer.")
    return layout([answer_leaf(first_item + i, a) for i, a in enumerate(annotations)])


def result_root(first_item: int, annotations: Sequence[Annotation]) -> bytes:
    """The ``resultRoot`` that ``submitBatch`` records for these answers."""
    return result_tree(first_item, annotations)[0]


def answer_proof(first_item: int, annotations: Sequence[Annotation], position: int) -> list[bytes]:
    """Sibling hashes from the answer at ``position`` of the batch up to the root."""
    tree = result_tree(first_item, annotations)
    index = len(tree) - 1 - position  # layout puts leaf i at the end, reversed
    proof = []
    while index > 0:
        proof.append(tree[index + 1 if index % 2 else index - 1])
        index = (index - 1) // 2
    return proof


def seal(result: BatchResult, recipients: Iterable[bytes]) -> bytes:
    """The encrypted result blob (canonical JSON inside), readable by each of ``recipients``."""
    return b"".join(envelope.encrypt([canonical_json(result)], list(recipients)))


def ordered_answers(items: Sequence[Item], annotations: Iterable[Annotation]) -> list[Annotation]:
    """``annotations`` in batch order, one per item; an item with no answer gets an empty one.

    Refuses answers for items outside the batch or two answers for one item: either would mean the
    caller mixed up batches, and a submitted result cannot be corrected.
    """
    wanted = [item.id for item in items]
    by_id: dict[str, Annotation] = {}
    for annotation in annotations:
        if annotation.item_id not in wanted:
            raise ResultError(f"Item {annotation.item_id!r} is not in this batch.")
        if annotation.item_id in by_id:
            raise ResultError(f"Item {annotation.item_id!r} is answered twice.")
        by_id[annotation.item_id] = annotation
    return [by_id.get(item_id) or Annotation(item_id=item_id) for item_id in wanted]


def open_result(
    blob: bytes,
    private_key: bytes,
    *,
    campaign_id: int,
    batch: int,
    labeler: str,
    items: Sequence[Item],
    label_set: LabelSet,
    first_item: int | None = None,
    expected_root: bytes | None = None,
) -> BatchResult:
    """Decrypt and validate a result blob; ``ResultError`` names the first thing wrong.

    With ``first_item`` and ``expected_root`` (from ``BatchSubmitted``) the answers must also hash
    to the root the labeler committed to on chain.
    """
    try:
        plain = b"".join(envelope.decrypt([blob], private_key))
    except DecryptionError as exc:
        raise ResultError(f"The result could not be decrypted: {exc}") from exc
    try:
        result = BatchResult.model_validate_json(plain)
    except ValidationError as exc:
        raise ResultError(f"The result is not a valid batch result: {exc.errors()[0]['msg']}") from exc
    if result.campaign_id != campaign_id or result.batch != batch:
        raise ResultError(
            f"The result is for campaign {result.campaign_id} batch {result.batch}, "
            f"not campaign {campaign_id} batch {batch}."
        )
    if _address(result.labeler) != _address(labeler):
        raise ResultError(f"The result names labeler {result.labeler}, but {labeler} submitted it.")
    ids = [a.item_id for a in result.annotations]
    wanted = [item.id for item in items]
    if sorted(ids) != sorted(wanted):
        missing = sorted(set(wanted) - set(ids))
        extra = sorted(set(ids) - set(wanted))
        raise ResultError(
            f"The result does not answer exactly the batch's items (missing {missing[:5]}, "
            f"unexpected {extra[:5]}, {len(ids)} answers for {len(wanted)} items)."
        )
    allowed = set(label_set.names)
    for annotation in result.annotations:
        unknown = annotation.labels_used() - allowed
        if unknown:
            raise ResultError(
                f"Item {annotation.item_id!r} uses labels {sorted(unknown)} not in the label set."
            )
    if expected_root is not None:
        if first_item is None:
            raise ValueError("checking the root needs the batch's first item")
        if result_root(first_item, ordered_answers(items, result.annotations)) != expected_root:
            raise ResultError("The answers do not match the result root the labeler committed to on chain.")
    return result


def _address(value: str) -> str:
    try:
        return to_checksum_address(value)
    except ValueError:
        raise ResultError(f"{value!r} is not an address.") from None
