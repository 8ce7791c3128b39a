"""``sahara worker``: rent this computer's GPU/CPU to the network (``sahara compute``, which posts
jobs and gets their results, is ``app.cli.compute``).

``sahara worker`` registers the account as a provider (with ``--stake``), then takes the jobs it
can run at ``--min-price`` or more, until Ctrl+C; killed at any moment, it resumes where it was on
the next start. It runs as the app's worker does (``app.workers.compute_worker.ComputeWorker``):
under the owner's rules from the settings (idle, full screen, battery, GPU temperature, schedule),
unless ``--ignore-rules`` (a headless server: nobody sits at it, and its owner rents it full time).
``sahara worker pause`` / ``resume`` flip the flag file the app and the running worker both watch:
a paused worker kills its running job (it is re-run on resume) and takes no new one.
"""

from __future__ import annotations

import argparse

from app.cli.compute_session import Session, run_session, say, wei
from app.cli.wallet import account_options


async def _work(args: argparse.Namespace, s: Session) -> None:
    from app.cli.worker_run import cli_worker, drive
    from app.compute.hardware import offered_kinds
    from app.compute.provider import ComputeProvider, ProviderConfig
    from app.compute.runner import Limits

    kinds, vram = offered_kinds()
    if args.cpu_only:
        kinds = 1
    extra = {"training": False} if args.no_training else {}
    config = ProviderConfig(
        kinds=kinds,
        vram_mib=vram if args.vram is None else args.vram,
        min_price=wei(args.min_price, "--min-price"),
        stake=wei(args.stake, "--stake"),
        limits=Limits(cpu_s=args.cpu_limit, memory_mib=args.memory_limit, wall_s=args.wall_limit),
        poll_s=args.poll,
        **extra,
    )
    rt = s.runtime
    assert rt.client is not None and rt.outbox is not None and rt.sessions is not None
    provider = ComputeProvider(
        rt.client, rt.outbox, s.deployment, s.store, rt.sessions, rt.wallet.signer(), config,
        args.paths.cache / "compute-scratch", rt.wallet.encryption_key(),
    )  # fmt: skip
    provider.events.connect("changed", lambda job, stage: say(f"job {job}: {stage}"))
    await drive(cli_worker(args, provider, rt.settings.compute), once=args.once)


def run_worker(args: argparse.Namespace) -> int:
    if args.action in ("pause", "resume"):
        from app.workers.compute_worker import pause_flag

        flag = pause_flag(args.paths.data)
        flag.parent.mkdir(parents=True, exist_ok=True)
        if args.action == "pause":
            flag.touch()
        else:
            flag.unlink(missing_ok=True)
        print(f"worker {args.action}d")
        return 0
    return run_session(args, _work, "worker")


def add_worker_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    worker = sub.add_parser(
        "worker", parents=[account_options()], help="rent this computer to the network (compute jobs)"
    )
    worker.add_argument("action", nargs="?", default="run", choices=["run", "pause", "resume"])
    worker.add_argument("--min-price", default="0.01", metavar="SAHARA", help="take no job paying less")
    worker.add_argument("--stake", default="100", metavar="SAHARA", help="stake posted when registering")
    worker.add_argument("--vram", type=int, metavar="MIB", help="VRAM to offer (default: the largest GPU's)")
    worker.add_argument("--cpu-only", action="store_true", help="offer the CPU only")
    worker.add_argument("--no-training", action="store_true", help="take inference jobs only")
    worker.add_argument("--cpu-limit", type=int, default=3600, metavar="S", help="CPU seconds per job")
    worker.add_argument(
        "--memory-limit", type=int, default=4096, metavar="MIB", help="memory per job (CPU jobs)"
    )
    worker.add_argument(
        "--wall-limit", type=float, default=3600.0, metavar="S", help="wall-clock seconds per job"
    )
    worker.add_argument("--poll", type=float, default=5.0, metavar="S", help="seconds between rounds")
    worker.add_argument("--once", action="store_true", help="one round, then exit")
    worker.add_argument(
        "--ignore-rules", action="store_true",
        help="work whatever the owner's rules in the app's settings say (idle, full screen, battery, "
        "GPU temperature, schedule): for a headless server that nobody uses and that is rented full "
        "time; `sahara worker pause` still pauses it",
    )  # fmt: skip
    worker.set_defaults(func=run_worker)
