"""The provider's rules without a chain: which jobs it refuses, the commit-reveal salt surviving a
failed (or killed) commitment, and what it reads from chain being checked."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from eth_abi import encode
from eth_utils import keccak

from app.compute.jobs import Job, JobStatus, _problem, spec_hash
from app.compute.ledger import Ledger
from app.compute.provider import ComputeProvider, ProviderConfig, refusal
from app.compute.tensors import TensorError, decode_outputs, encode_outputs, result_hash
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.events import Events
from app.wallet.hd import encryption_key_from_private_key

ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
REQUESTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
MODEL = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
KEY = encryption_key_from_private_key(b"\x01" * 32).public_key
CONFIG = ProviderConfig(kinds=1, vram_mib=0, min_price=10, stake=100)


def job(**changes: object) -> Job:
    base = Job(
        job_id=7, requester=REQUESTER, payment=10, collateral=10, expires_at=1_000, deadline=5_000,
        window=600, min_vram_mib=0, kinds=1, replicas=2, task=0, status=JobStatus.RUNNING, result_at=0,
        rule_by=0, result_hash=b"\0" * 32, spec_hash=spec_hash(0, MODEL, MODEL, KEY), model_cid=MODEL,
        input_cid=MODEL, encryption_key=KEY,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "free", "reason"),
    [
        ({"payment": 9}, 100, "below the floor of 10"),
        ({"kinds": 2}, 100, "provider kind"),
        ({"min_vram_mib": 8192}, 100, "8192 MiB of VRAM"),
        ({"requester": ME}, 100, "own job"),
        ({"expires_at": 500}, 100, "too little time"),
        ({"collateral": 50}, 40, "more than the free stake"),
        ({"problem": "its JobPosted event does not match the spec hash on chain"}, 100, "spec hash"),
    ],
)
def test_jobs_the_worker_must_not_take_are_refused_in_words(changes: dict, free: int, reason: str) -> None:
    assert refusal(job(), CONFIG, ME, now=600, free_stake=100) is None
    assert reason in (refusal(job(**changes), CONFIG, ME, now=600, free_stake=free) or "")


def test_a_worker_without_torch_takes_no_training_job() -> None:
    training = job(task=1, spec_hash=spec_hash(1, MODEL, MODEL, KEY))
    assert refusal(training, replace(CONFIG, training=True), ME, now=600, free_stake=100) is None
    why = refusal(training, replace(CONFIG, training=False), ME, now=600, free_stake=100)
    assert why is not None and "does not train" in why
    assert refusal(job(), replace(CONFIG, training=False), ME, now=600, free_stake=100) is None


def test_a_spec_that_does_not_match_its_hash_or_names_bad_cids_is_a_problem() -> None:
    good = spec_hash(0, MODEL, MODEL, KEY)
    assert _problem(0, MODEL, MODEL, KEY, good) is None
    assert "spec hash" in (_problem(0, MODEL, "bafkreiother", KEY, good) or "")  # swapped inputs
    assert "invalid CID" in (
        _problem(0, "../../etc", MODEL, KEY, spec_hash(0, "../../etc", MODEL, KEY)) or ""
    )
    assert _problem(1, MODEL, MODEL, KEY, spec_hash(1, MODEL, MODEL, KEY)) is None  # training
    assert "unknown task (2)" in (_problem(2, MODEL, MODEL, KEY, spec_hash(2, MODEL, MODEL, KEY)) or "")
    assert "encryption key" in (
        _problem(0, MODEL, MODEL, b"\1" * 5, spec_hash(0, MODEL, MODEL, b"\1" * 5)) or ""
    )


def test_the_result_container_is_canonical_and_refuses_tampering() -> None:
    outputs = [("probabilities", np.arange(6, dtype=np.float32).reshape(2, 3))]
    data = encode_outputs(outputs)
    assert encode_outputs(outputs) == data and result_hash(data) == keccak(data)
    ((name, array),) = decode_outputs(data)
    assert name == "probabilities" and np.array_equal(array, outputs[0][1])
    for bad in (data[:-3], data + b"x", b"SAHARA-RESULT\x01\xff\xff\xff\xff"):
        with pytest.raises(TensorError):
            decode_outputs(bad)


def test_the_commit_salt_is_saved_before_the_commitment_and_reused_after_a_failure(tmp_path: Path) -> None:
    upgrade(tmp_path / "sahara.db")
    ledger = Ledger(session_factory(make_engine(tmp_path / "sahara.db")), 31337, "0x" + "11" * 20, ME)
    provider = ComputeProvider.__new__(ComputeProvider)
    provider.ledger, provider.address, provider.events, provider._paused = (
        ledger,
        ME,
        Events("changed"),
        False,
    )
    sent: list[tuple] = []

    async def send(function: str, *args: object, intent: str) -> None:
        sent.append((function, *args))
        if len(sent) == 1:
            raise OSError("the node went away")  # or the worker was killed here

    provider._send = send  # type: ignore[method-assign]
    digest = "0x" + "ab" * 32
    record = ledger.save(7, "sealed", result_hash=digest, envelope_cid=MODEL)
    with pytest.raises(OSError):
        asyncio.run(provider._deliver(job(), record))
    saved = ledger.get(7)
    assert saved is not None and saved.stage == "sealed" and saved.salt is not None
    asyncio.run(provider._deliver(job(), saved))
    assert ledger.get(7).stage == "committed"  # type: ignore[union-attr]
    expected = keccak(encode(["uint256", "address", "bytes32", "bytes32"],
                             [7, ME, bytes.fromhex(digest[2:]), bytes.fromhex(saved.salt[2:])]))  # fmt: skip
    assert sent == [("commitResult", 7, expected)] * 2  # the same commitment both times


def test_the_owners_vram_cap_refuses_bigger_jobs_and_caps_the_sandbox(tmp_path: Path) -> None:
    from app.chain.client import ChainClient
    from app.chain.contracts import Deployment
    from app.compute.runner import Limits
    from app.wallet.faucet import DEV_MNEMONIC
    from app.wallet.hd import signing_account

    upgrade(tmp_path / "sahara.db")
    capped = replace(CONFIG, kinds=3, vram_mib=6144)
    deployment = Deployment("devnet", 31337, 0, "", {"ComputeMarket": "0x" + "11" * 20})
    sessions = session_factory(make_engine(tmp_path / "sahara.db"))
    provider = ComputeProvider(
        ChainClient("http://127.0.0.1:9"), None, deployment, None, sessions,  # type: ignore[arg-type]
        signing_account(DEV_MNEMONIC, 1), capped, tmp_path / "scratch",
    )  # fmt: skip
    assert provider.runner.limits.vram_mib == 6144  # the CUDA provider's gpu_mem_limit, torch's fraction
    assert "needs 8192 MiB of VRAM" in (refusal(job(min_vram_mib=8192, kinds=2), capped, ME, 600, 100) or "")
    assert refusal(job(min_vram_mib=6144, kinds=2), capped, ME, 600, 100) is None
    own = replace(capped, limits=Limits(vram_mib=2048))
    assert ComputeProvider(
        ChainClient("http://127.0.0.1:9"), None, deployment, None, sessions,  # type: ignore[arg-type]
        signing_account(DEV_MNEMONIC, 1), own, tmp_path / "scratch",
    ).runner.limits.vram_mib == 2048  # fmt: skip
