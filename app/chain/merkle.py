"""Contributor splits as Merkle trees the contracts verify: who gets which share of an asset's royalties.

An asset pays thousands of labelers without storing them on chain: ``AssetRegistry`` keeps only a
Merkle root over ``(account, weight)`` leaves and the total weight; each contributor later claims from
``RoyaltyVault`` with its weight and a proof. The tree here is OpenZeppelin's ``StandardMerkleTree``
for the leaf encoding ``["address", "uint256"]``, exactly:

- leaf = ``keccak256(keccak256(abi.encode(account, weight)))`` (``registry.leafHash``; the double hash
  keeps a 64-byte inner node from passing for a leaf);
- pairs are hashed sorted, ``keccak256(min(a, b) || max(a, b))``, as OZ's ``MerkleProof`` verifies;
- leaves are sorted by hash and laid out as a complete binary tree in one array (OZ's layout), so the
  root depends on the set of contributors, not on the order the app listed them, and the same list
  gives the same root and proofs in OZ's JavaScript library (``StandardMerkleTree.of``/``load``).

Inputs are validated before anything is hashed, because a published root is immutable: a typo'd
address or a duplicate would lock royalties away for good. ``dump``/``load`` use OZ's "standard-v1"
JSON, which is what a dataset publishes next to its root so that every labeler can find its proof.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils import is_checksum_address, is_hex_address, keccak, to_checksum_address

MAX_TOTAL_WEIGHT = 2**64 - 1  # AssetRegistry.register and RoyaltyVault's Pool.totalWeight (uint64)
LEAF_ENCODING = ("address", "uint256")


class MerkleError(ValueError):
    """The contributor list cannot become a valid on-chain split; the message names the problem."""


def leaf_hash(account: str, weight: int) -> bytes:
    """The leaf ``registry.leafHash(account, weight)`` computes."""
    encoded = bytes.fromhex(to_checksum_address(account)[2:]).rjust(32, b"\0") + weight.to_bytes(32, "big")
    return keccak(keccak(encoded))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin's commutative pair hash (``Hashes.commutativeKeccak256``)."""
    return keccak(a + b) if a < b else keccak(b + a)


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> bytes:
    """The root a proof leads to, walking up from ``leaf`` as ``MerkleProof.processProof`` does."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


def verify(root: bytes, account: str, weight: int, proof: Iterable[bytes]) -> bool:
    """True when ``RoyaltyVault.claim(asset, account, weight, proof)`` would accept the proof."""
    return process_proof(leaf_hash(account, weight), proof) == root


def _checksummed(account: object) -> str:
    """The EIP-55 form of a hex address; a mixed-case address must already be valid EIP-55."""
    digits = account[2:] if isinstance(account, str) and account.startswith(("0x", "0X")) else ""
    mixed_case = digits != digits.lower() and digits != digits.upper()
    if not is_hex_address(account) or (mixed_case and not is_checksum_address(account)):
        raise MerkleError(
            f"{account!r} is not an address (0x and 40 hex digits; mixed case must be a valid "
            "EIP-55 checksum, which catches typos)."
        )
    return to_checksum_address(account)


def _validated(contributors: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    entries: list[tuple[str, int]] = []
    seen: set[str] = set()
    total = 0
    for account, weight in contributors:
        checksummed = _checksummed(account)
        if checksummed in seen:
            raise MerkleError(f"{checksummed} is listed twice; give each contributor one combined weight.")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
            raise MerkleError(f"The weight of {checksummed} must be a whole number above 0, not {weight!r}.")
        seen.add(checksummed)
        total += weight
        entries.append((checksummed, weight))
    if not entries:
        raise MerkleError("A contributor split needs at least one contributor.")
    if total > MAX_TOTAL_WEIGHT:
        raise MerkleError(f"The weights add up to {total}, above the contracts' limit of 2^64-1.")
    return entries


def layout(leaves: list[bytes]) -> list[bytes]:
    """OZ ``makeMerkleTree``: leaves at the end of the array in reverse, each node i over 2i+1, 2i+2."""
    tree = [b""] * (2 * len(leaves) - 1)
    for i, leaf in enumerate(leaves):
        tree[len(tree) - 1 - i] = leaf
    for i in range(len(tree) - 1 - len(leaves), -1, -1):
        tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
    return tree


@dataclass(frozen=True)
class ContributorTree:
    """A validated split: its root and total weight go to ``AssetRegistry.register``."""

    entries: tuple[tuple[str, int], ...]  # (checksummed account, weight), in the order given
    tree: tuple[bytes, ...]  # OZ's array layout; tree[0] is the root
    _positions: dict[str, int] = field(repr=False, compare=False)  # account -> index in ``tree``

    @property
    def root(self) -> bytes:
        return self.tree[0]

    @property
    def total_weight(self) -> int:
        return sum(weight for _, weight in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def weight(self, account: str) -> int:
        return self._weights[self._key(account)]

    @functools.cached_property
    def _weights(self) -> dict[str, int]:
        return dict(self.entries)

    def proof(self, account: str) -> list[bytes]:
        """Sibling hashes from the account's leaf up to the root (what ``claim`` takes)."""
        index = self._positions[self._key(account)]
        proof = []
        while index > 0:
            proof.append(self.tree[index + 1 if index % 2 else index - 1])
            index = (index - 1) // 2
        return proof

    def _key(self, account: str) -> str:
        key = to_checksum_address(account) if is_hex_address(account) else account
        if key not in self._positions:
            raise KeyError(f"{account} is not a contributor of this split")
        return key

    def dump(self) -> dict[str, Any]:
        """OZ's "standard-v1" JSON (``StandardMerkleTree.load`` reads it); weights as decimal strings."""
        return {
            "format": "standard-v1",
            "leafEncoding": list(LEAF_ENCODING),
            "tree": ["0x" + node.hex() for node in self.tree],
            "values": [
                {"value": [account, str(weight)], "treeIndex": self._positions[account]}
                for account, weight in self.entries
            ],
        }

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> ContributorTree:
        """Rebuild from a dump, refusing one whose tree does not match its values (e.g. tampered)."""
        if data.get("format") != "standard-v1" or list(data.get("leafEncoding", ())) != list(LEAF_ENCODING):
            raise MerkleError("Not a standard-v1 tree of (address, uint256) leaves.")
        try:
            values = [(str(v["value"][0]), int(v["value"][1])) for v in data["values"]]
            stored = [bytes.fromhex(str(node).removeprefix("0x")) for node in data["tree"]]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise MerkleError(f"Malformed contributor tree: {exc}") from exc
        rebuilt = build_tree(values)
        if list(rebuilt.tree) != stored:
            raise MerkleError("The stored tree does not match its contributors; refusing it.")
        return rebuilt


def build_tree(contributors: Mapping[str, int] | Iterable[tuple[str, int]]) -> ContributorTree:
    """Validate ``(account, weight)`` pairs (or a mapping) and build their tree."""
    pairs = contributors.items() if isinstance(contributors, Mapping) else contributors
    entries = _validated(pairs)
    hashed = sorted((leaf_hash(account, weight), account) for account, weight in entries)
    tree = layout([leaf for leaf, _ in hashed])
    positions = {account: len(tree) - 1 - i for i, (_, account) in enumerate(hashed)}
    return ContributorTree(tuple(entries), tuple(tree), positions)
