"""What the GPU worker earned, and getting it out: per job, per day, the balances on the market,
withdrawing pay and unbonding stake.

Earnings come from the worker's own record (``compute_run``): a job counts once the chain says its
run was paid (the provider writes ``paid`` only then) and on the day it reached that stage. The
money itself is on the ComputeMarket: pay waits in ``balances`` until ``withdraw`` (the provider
withdraws after each paid job; ``withdraw_pay`` sweeps whatever is left), and stake leaves in two
steps, ``requestUnbond`` (refused while a job is held) and, after the unbonding delay,
``withdrawStake``. Every transaction goes through the outbox like every other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.compute.jobs import MARKET
from app.db.models import ComputeRun
from app.wallet.calls import transact

if TYPE_CHECKING:
    from app.compute.provider import ComputeProvider


class PayoutError(RuntimeError):
    """A withdrawal that cannot be made now; the message says why in words."""


@dataclass(frozen=True)
class JobEarning:
    """One job the worker took: where it ended or stands, what it paid, when it last moved."""

    job_id: int
    stage: str
    payment: int  # wei
    error: str | None
    at: datetime  # local time of the last step

    @property
    def paid(self) -> bool:
        return self.stage == "paid"


@dataclass(frozen=True)
class Balances:
    """The provider's money on the market (wei) and when unbonding stake can leave (Unix time)."""

    withdrawable: int  # pay not withdrawn yet
    stake: int  # free stake
    locked: int  # collateral of held jobs
    unbonding: int
    unbonding_at: int
    open_runs: int


def history(provider: ComputeProvider) -> list[JobEarning]:
    """Every job this worker took on this market, newest first."""
    ledger = provider.ledger
    with ledger.sessions() as session:
        query = select(ComputeRun).filter_by(**ledger.key).order_by(ComputeRun.updated_at.desc())
        return [
            JobEarning(row.job_id, row.stage, int(row.payment), row.error, _local(row.updated_at))
            for row in session.scalars(query)
        ]


def _local(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite drops it
    return aware.astimezone()


def per_day(jobs: list[JobEarning], today: date, days: int = 14) -> list[tuple[date, int]]:
    """Paid wei per local day for the ``days`` days up to ``today`` (zero days included)."""
    totals = {today - timedelta(days=n): 0 for n in range(days)}
    for job in jobs:
        day = job.at.date()
        if job.paid and day in totals:
            totals[day] += job.payment
    return sorted(totals.items())


def earned_on(jobs: list[JobEarning], day: date) -> int:
    return sum(j.payment for j in jobs if j.paid and j.at.date() == day)


async def balances(provider: ComputeProvider) -> Balances:
    market, address = provider.market, provider.address
    spec = await market.call("getProvider", address)
    owed = int(await market.call("balances", address))
    return Balances(owed, int(spec[0]), int(spec[1]), int(spec[6]), int(spec[7]), int(spec[2]))


async def _send(provider: ComputeProvider, function: str, *args: object, intent: str) -> None:
    await transact(
        provider.outbox, provider.signer, provider.deployment, MARKET, function, *args,
        intent=f"compute:{provider.market.address}:{intent}", description=f"{MARKET}.{function}",
    )  # fmt: skip


async def withdraw_pay(provider: ComputeProvider) -> int:
    """Move the pay waiting on the market to the account; returns the wei moved."""
    owed = (await balances(provider)).withdrawable
    if owed == 0:
        raise PayoutError("There is no pay waiting on the market: it was already withdrawn to your account.")
    now = await provider.market.now()
    await _send(provider, "withdraw", intent=f"withdraw-pay:{now}")
    return owed


async def unbond_stake(provider: ComputeProvider, amount: int) -> int:
    """Start the unbonding of ``amount`` wei of free stake; returns when it can be withdrawn."""
    money = await balances(provider)
    if money.open_runs:
        raise PayoutError("Stake cannot leave while the worker holds a job: pause it and let the job finish.")
    if not 0 < amount <= money.stake:
        raise PayoutError(f"Choose an amount between 0 and the free stake ({money.stake} wei).")
    now = await provider.market.now()
    await _send(provider, "requestUnbond", amount, intent=f"unbond:{amount}:{now}")
    return (await balances(provider)).unbonding_at


async def withdraw_stake(provider: ComputeProvider) -> int:
    """Move unbonded stake to the account once its delay has passed; returns the wei moved."""
    money = await balances(provider)
    if money.unbonding == 0:
        raise PayoutError("No stake is unbonding: unbond some first.")
    now = await provider.market.now()
    if now < money.unbonding_at:
        raise PayoutError("The unbonding delay has not passed yet.")
    await _send(provider, "withdrawStake", intent=f"withdraw-stake:{money.unbonding_at}")
    return money.unbonding
