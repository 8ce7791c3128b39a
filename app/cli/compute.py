"""``sahara compute``: post jobs to the network's workers and get their results (the session every
action opens is ``compute_session``, shared with ``sahara worker``).

``sahara compute submit MODEL INPUTS --price P`` posts an ONNX inference job (INPUTS is one
``.npy`` batch) and prints its id; ``submit --task train DATASET --price P`` posts a training job
of the built-in image classifier over DATASET (the zip the labeling export writes for an image
classification campaign; ``--epochs``, ``--image-size``... set the recipe); ``status JOB`` prints
where it stands; ``fetch JOB -o DIR`` decrypts the result, checks it against the hash on chain and
writes one ``.npy`` per output (a training job: ``model.onnx`` and ``metrics.json``, once the
model's held-out accuracy was re-measured); ``challenge JOB --reason TEXT`` disputes a result
inside its window (the bond is posted by permit);
``refund JOB`` reclaims the payment of a job that expired untaken or whose provider missed its
deadline (the provider's collateral comes too). Exit codes: 0 done, 1 a problem the message names.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.compute_session import Session, run_session, say, wei
from app.cli.wallet import CliError, account_options


def _requester(s: Session) -> Any:
    from app.compute.requester import Requester

    rt = s.runtime
    assert rt.client is not None and rt.outbox is not None
    key = rt.wallet.encryption_key().public_key
    return Requester(rt.client, rt.outbox, s.deployment, s.store, rt.wallet.signer(), key)


def _recipe(args: argparse.Namespace) -> Any:
    from app.compute.training import Recipe, RecipeError, parse_recipe

    recipe = Recipe(
        epochs=args.epochs, seed=args.seed, image_size=args.image_size, channels=args.channels,
        batch_size=args.batch_size, learning_rate=args.learning_rate, dataset_asset=args.dataset_asset,
    )  # fmt: skip
    try:
        return parse_recipe(recipe.encode())  # the bounds every worker checks, said here first
    except RecipeError as exc:
        raise CliError(str(exc)) from exc


def job_request(args: argparse.Namespace) -> Any:
    """The ``JobRequest`` the arguments describe, or ``CliError`` in words (before any password)."""
    wanted = 1 if args.task == "train" else 2
    if len(args.files) != wanted:
        what = "a training job takes DATASET (a labeling export zip)"
        raise CliError(what if args.task == "train" else "an inference job takes MODEL and INPUTS")
    if args.task == "train" and args.replicas != 1:
        raise CliError("a training job runs on one worker and is checked by challenge: --replicas 1")
    model = None if args.task == "train" else Path(args.files[0])
    inputs = Path(args.files[-1])
    payment = wei(args.price, "--price")
    recipe = _recipe(args) if model is None else None
    collateral = wei(args.collateral, "--collateral") if args.collateral else 0
    for path in (model or inputs, inputs):
        if not path.is_file():
            raise CliError(f"{path}: no such file")
    from app.compute.requester import JobRequest  # eth-account and numpy: only for a request that can go

    return JobRequest(
        model, inputs, payment, recipe=recipe, collateral=collateral, replicas=args.replicas,
        min_vram_mib=args.min_vram, open_s=args.open_for, run_s=args.run_for, window_s=args.window,
        sealed=args.sealed,
    )  # fmt: skip


async def _submit(args: argparse.Namespace, s: Session) -> None:
    job_id = await _requester(s).submit(job_request(args))
    say(f"job {job_id} posted")
    if args.sealed:
        say(SEALED_WORDS.format(job=job_id))
    print(job_id)


SEALED_WORDS = (
    "job {job}'s inputs are sealed: only a worker that accepts it gets their key, from this computer. "
    "Keep the app or `sahara compute deliver` running until a worker has it; if no key reaches a "
    "worker at least one window before the deadline, the job is refunded at its deadline."
)


async def _deliver(args: argparse.Namespace, s: Session) -> None:
    import asyncio

    from app.workers.input_keys import InputKeyDelivery

    rt = s.runtime
    assert rt.outbox is not None
    rt.wallet.signer()  # unlocked now, or the password prompt failed already
    delivery = InputKeyDelivery(rt.outbox, s.deployment, s.store, rt.wallet, interval_s=args.poll)
    while True:
        report = await delivery.run_once()
        for job_id, provider in report.delivered:
            say(f"job {job_id}: input key sent to {provider}")
        if report.stopped:
            raise CliError(report.stopped)
        if args.once or not report.watching:
            if not report.watching:
                say("no sealed job of this account waits for a key")
            return
        await asyncio.sleep(args.poll)


async def _status(args: argparse.Namespace, s: Session) -> None:
    from app.compute.jobs import TASKS
    from app.compute.requester import Requester

    requester: Requester = _requester(s)
    job = await requester.job(args.job)
    runs = [r for r in await requester.market.runs(args.job) if int(r.provider, 16)]
    print(
        f"job\t{job.job_id}\nstatus\t{job.status.name.lower()}\npayment\t{job.payment}\nreplicas\t{job.replicas}"
    )
    print(f"task\t{TASKS.get(job.task, job.task)}")
    keyed = await requester.market.call("inputKeyDeliveredAt", args.job) if job.sealed else (0, 0)
    if job.sealed:
        print("inputs\tsealed")
    for slot, run in enumerate(runs):
        key = ("\tinput key sent" if keyed[slot] else "\tinput key not sent") if job.sealed else ""
        print(f"provider\t{run.provider}\t{run.status.name.lower()}{key}")
    if any(job.result_hash):
        print(f"result\t0x{job.result_hash.hex()}")
    if job.problem:
        print(f"problem\t{job.problem}")


async def _fetch(args: argparse.Namespace, s: Session) -> None:
    key = s.runtime.wallet.encryption_key().private_key
    for path in await _requester(s).fetch(args.job, key, Path(args.output)):
        print(path)


async def _refund(args: argparse.Namespace, s: Session) -> None:
    from app.compute.jobs import MARKET, JobStatus
    from app.wallet.calls import transact

    requester = _requester(s)
    job = await requester.job(args.job)
    rt = s.runtime
    assert rt.outbox is not None
    signer = rt.wallet.signer()
    step = {JobStatus.OPEN: "expireJob", JobStatus.RUNNING: "claimTimeout", JobStatus.AGREED: "claimTimeout"}
    if job.status in step:
        await transact(rt.outbox, signer, s.deployment, MARKET, step[job.status], args.job,
                       intent=f"compute-refund:{args.job}")  # fmt: skip
    owed = int(await requester.market.call("balances", signer.address))
    if owed == 0:
        raise CliError(f"nothing to refund: job {args.job} is {job.status.name.lower()} and nothing is owed")
    await transact(rt.outbox, signer, s.deployment, MARKET, "withdraw", intent=f"compute-withdraw:{args.job}")
    print(owed)


async def _challenge(args: argparse.Namespace, s: Session) -> None:
    key = s.runtime.wallet.encryption_key().private_key
    print(await _requester(s).challenge(args.job, key, args.reason))


ACTIONS = {
    "submit": _submit, "status": _status, "fetch": _fetch, "refund": _refund, "challenge": _challenge,
    "deliver": _deliver,
}  # fmt: skip


def run_compute(args: argparse.Namespace) -> int:
    if args.action == "submit":
        try:
            job_request(args)
        except CliError as exc:
            print(f"compute: {exc}", file=sys.stderr)
            return 1
    return run_session(args, ACTIONS[args.action], "compute")


def add_compute_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    compute = sub.add_parser("compute", help="run ONNX models on the network's workers")
    actions = compute.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    submit = actions.add_parser("submit", parents=[account_options()], help="post a job; prints its id")
    submit.add_argument(
        "files", nargs="+", metavar="FILE",
        help="inference: MODEL (.onnx, standard operators only) and INPUTS (one .npy batch); "
        "training: DATASET (the zip the labeling export writes for image classification)",
    )  # fmt: skip
    submit.add_argument("--task", choices=["inference", "train"], default="inference")
    recipe = submit.add_argument_group("training recipe (image classifier)")
    recipe.add_argument("--epochs", type=int, default=10)
    recipe.add_argument("--seed", type=int, default=0)
    recipe.add_argument(
        "--image-size", type=int, default=32, metavar="PX", help="images are resized to PX×PX"
    )
    recipe.add_argument("--channels", type=int, choices=[1, 3], default=3, help="1 grey, 3 colour")
    recipe.add_argument("--batch-size", type=int, default=64)
    recipe.add_argument("--learning-rate", type=float, default=0.005)
    recipe.add_argument("--dataset-asset", type=int, default=0, metavar="ID",
                        help="the dataset's asset id, so the model can name it as its parent")  # fmt: skip
    submit.add_argument("--price", required=True, metavar="SAHARA", help="payment per replica")
    submit.add_argument("--collateral", metavar="SAHARA", help="provider collateral (default: the price)")
    submit.add_argument("--replicas", type=int, choices=[1, 2], default=1, help="2: redundant execution")
    submit.add_argument("--min-vram", type=int, default=0, metavar="MIB")
    submit.add_argument(
        "--open-for", type=int, default=3600, metavar="S", help="how long it waits for a worker"
    )
    submit.add_argument(
        "--run-for", type=int, default=3600, metavar="S", help="time for the result after that"
    )
    submit.add_argument(
        "--window", type=int, default=600, metavar="S", help="challenge window (at least 600)"
    )
    submit.add_argument(
        "--sealed", action="store_true",
        help="encrypt the inputs: only workers that accept get their key, sent by `compute deliver` "
        "(or the app) from this computer; with no key sent in time the job is refunded at its deadline",
    )  # fmt: skip
    deliver = actions.add_parser(
        "deliver", parents=[account_options()],
        help="send the key to a sealed job's inputs to each worker that accepted it (runs until no "
        "sealed job of this account waits)",
    )  # fmt: skip
    deliver.add_argument("--once", action="store_true", help="one pass, then exit")
    deliver.add_argument("--poll", type=float, default=5.0, metavar="S", help="seconds between passes")
    for name, text in (("status", "where a job stands"), ("refund", "reclaim a job that timed out")):
        action = actions.add_parser(name, parents=[account_options()], help=text)
        action.add_argument("job", type=int, metavar="JOB")
    challenge = actions.add_parser(
        "challenge", parents=[account_options()], help="dispute a job's result (bond)"
    )
    challenge.add_argument("job", type=int, metavar="JOB")
    challenge.add_argument("--reason", required=True, help="what is wrong with the result, in words")
    fetch = actions.add_parser("fetch", parents=[account_options()], help="decrypt and verify a job's result")
    fetch.add_argument("job", type=int, metavar="JOB")
    fetch.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for one .npy per output")
    compute.set_defaults(func=run_compute)
