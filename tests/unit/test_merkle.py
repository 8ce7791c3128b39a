"""Contributor Merkle trees: byte-for-byte OpenZeppelin StandardMerkleTree, and strict input checks.

The vectors below are published outputs of ``@openzeppelin/merkle-tree`` (``StandardMerkleTree.of``
with leaf encoding ``["address", "uint256"]``). That the contracts agree with these leaves and proofs
is checked on a real chain in tests/integration/test_contract_paths.py (``registry.leafHash``,
``verifyContributor`` and a real ``RoyaltyVault.claim``, which runs OZ's MerkleProof).
"""

from __future__ import annotations

import math
import random

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak

from app.chain.merkle import (
    MAX_TOTAL_WEIGHT,
    ContributorTree,
    MerkleError,
    build_tree,
    hash_pair,
    layout,
    leaf_hash,
    process_proof,
    verify,
)

A1 = "0x1111111111111111111111111111111111111111"
A2 = "0x2222222222222222222222222222222222222222"
CHECKSUMMED = "0x80d628ff4AC2aFf620C3474663F1e559234bbE0c"


def h(hex_string: str) -> bytes:
    return bytes.fromhex(hex_string.removeprefix("0x"))


def addresses(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [Account.from_key(rng.randbytes(32)).address for _ in range(n)]


def test_openzeppelin_readme_vector() -> None:
    tree = build_tree([(A1, 5 * 10**18), (A2, 25 * 10**17)])
    assert tree.root == h("0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77")
    assert leaf_hash(A1, 5 * 10**18) == h(
        "0xeb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283"
    )
    assert tree.proof(A1) == [h("0xb92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc")]
    assert tree.proof(A2) == [leaf_hash(A1, 5 * 10**18)]
    assert tree.total_weight == 75 * 10**17


def test_openzeppelin_layout_of_three_leaves() -> None:
    # A dump written by StandardMerkleTree for [(addr, 0), (addr, 1), (addr, 2)]: the array layout
    # (sorted leaves at the end, reversed) for a leaf count that is not a power of two.
    expected = [
        "0x0fecce441c7468f17e3fe4a5f211b77a15b27c9ab3d33317df385dfbe5487034",
        "0x636ab2686ee3036244cf3d6b5574e051e4b20a3577b008975dbcca6dde2897d2",
        "0xd90245da324d7908326a3d56a9659741551a4603c397bf4dd373976bd85660e7",
        "0x36fb17c97ec80bb961ff0adff1af4a2a34847ecc40653c162e327117a76e3ec9",
        "0x1867c4ebd455913e429523a5c2d4b3a79f58068b5a25af911956245ed03a659d",
    ]
    leaves = [leaf_hash(CHECKSUMMED, weight) for weight in range(3)]
    assert layout(sorted(leaves)) == [h(node) for node in expected]
    assert [expected.index("0x" + leaf.hex()) for leaf in leaves] == [4, 3, 2]  # OZ's treeIndex values


def test_leaf_is_the_double_hashed_abi_encoding() -> None:
    weight = 123_456_789
    assert leaf_hash(CHECKSUMMED, weight) == keccak(
        keccak(encode(["address", "uint256"], [CHECKSUMMED, weight]))
    )
    assert leaf_hash(CHECKSUMMED.lower(), weight) == leaf_hash(CHECKSUMMED, weight)


def test_pairs_are_hashed_sorted() -> None:
    a, b = keccak(b"a"), keccak(b"b")
    assert hash_pair(a, b) == hash_pair(b, a) == keccak(min(a, b) + max(a, b))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33, 100])
def test_every_proof_verifies_and_wrong_weights_do_not(n: int) -> None:
    rng = random.Random(n)
    weights = {account: rng.randint(1, 10**9) for account in addresses(n, seed=n)}
    tree = build_tree(weights)
    assert len(tree) == n and tree.total_weight == sum(weights.values())
    for account, weight in weights.items():
        proof = tree.proof(account)
        assert len(proof) <= math.ceil(math.log2(n)) if n > 1 else proof == []
        assert verify(tree.root, account, weight, proof)
        assert process_proof(leaf_hash(account, weight), proof) == tree.root
        assert not verify(tree.root, account, weight + 1, proof)
        assert tree.weight(account.lower()) == weight


def test_root_does_not_depend_on_the_order_given() -> None:
    pairs = [(a, i + 1) for i, a in enumerate(addresses(11, seed=1))]
    shuffled = pairs[:]
    random.Random(2).shuffle(shuffled)
    assert build_tree(pairs).root == build_tree(shuffled).root == build_tree(dict(pairs)).root
    assert build_tree(pairs).entries == tuple(pairs)  # the caller's order is kept for display


def test_lowercase_addresses_are_accepted_and_checksummed() -> None:
    tree = build_tree([(CHECKSUMMED.lower(), 1)])
    assert tree.entries == ((CHECKSUMMED, 1),)
    assert tree.root == leaf_hash(CHECKSUMMED, 1) and tree.proof(CHECKSUMMED) == []


@pytest.mark.parametrize(
    ("contributors", "message"),
    [
        ([], "at least one"),
        ([("0x1234", 1)], "not an address"),
        ([(CHECKSUMMED.replace("4AC2", "4ac2"), 1)], "checksum"),  # a mixed-case typo
        ([(bytes.fromhex(A1[2:]), 1)], "not an address"),
        ([(A1, 1), (A1.upper().replace("0X", "0x"), 2)], "listed twice"),
        ([(CHECKSUMMED, 1), (CHECKSUMMED.lower(), 1)], "listed twice"),
        ([(A1, 0)], "above 0"),
        ([(A1, -5)], "above 0"),
        ([(A1, True)], "whole number"),
        ([(A1, 1.5)], "whole number"),
        ([(A1, MAX_TOTAL_WEIGHT), (A2, 1)], r"limit of 2\^64-1"),
    ],
)
def test_invalid_contributors_are_refused(contributors: list, message: str) -> None:
    with pytest.raises(MerkleError, match=message):
        build_tree(contributors)


def test_total_weight_may_reach_the_limit() -> None:
    tree = build_tree([(A1, MAX_TOTAL_WEIGHT - 1), (A2, 1)])
    assert tree.total_weight == 2**64 - 1


def test_unknown_account_has_no_proof() -> None:
    with pytest.raises(KeyError, match="not a contributor"):
        build_tree([(A1, 1)]).proof(A2)


def test_dump_is_openzeppelins_format_and_loads_back() -> None:
    tree = build_tree([(A1, 5 * 10**18), (A2, 25 * 10**17)])
    dump = tree.dump()
    assert dump == {
        "format": "standard-v1",
        "leafEncoding": ["address", "uint256"],
        "tree": [
            "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77",
            "0xeb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
            "0xb92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc",
        ],
        "values": [
            {"value": [A1, "5000000000000000000"], "treeIndex": 1},
            {"value": [A2, "2500000000000000000"], "treeIndex": 2},
        ],
    }
    loaded = ContributorTree.load(dump)
    assert loaded == tree and loaded.proof(A2) == tree.proof(A2)


def test_a_tampered_dump_is_refused() -> None:
    dump = build_tree([(A1, 5), (A2, 3)]).dump()
    dump["values"][0]["value"][1] = "50"  # claim a bigger share than the published root holds
    with pytest.raises(MerkleError, match="does not match"):
        ContributorTree.load(dump)
    with pytest.raises(MerkleError, match="standard-v1"):
        ContributorTree.load({**dump, "leafEncoding": ["address"]})
    with pytest.raises(MerkleError, match="Malformed"):
        ContributorTree.load({**dump, "values": [{"value": [A1]}]})
