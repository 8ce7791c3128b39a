"""A transaction in plain words, for the confirmation dialog shown before every signature.

``summarize`` turns what will be signed (to, value, data, gas, fee cap, chain) into a headline such
as "Send 1.5 ETH" or "Transfer 25 SAHARA", labelled lines (recipient, amount, contract), the most it
can cost in fees ("up to 0.000042 ETH") and the network. Raw hex is only in ``raw``, which a dialog
shows collapsed. ERC-20 ``transfer``/``approve``/``transferFrom`` are decoded by their selector;
any other call says "Contract call 0x1234abcd" and warns that it could not be decoded.

``submit_approved`` is the one way the app sends a user's transaction: quote it (the outbox's own
pre-signing checks, so insufficient funds, a revert or a wrong chain are reported first), ask the
injected ``approve(summary)`` callback, and only if it says yes take the signer and submit. Core code
never prompts; the UI passes the callback (a dialog), a script could pass a policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from eth_utils import is_address, is_checksum_address, to_checksum_address

from app.words import ETH_DECIMALS, format_eth, format_units

if TYPE_CHECKING:
    from app.db.models import OutboxTx
    from app.wallet.outbox import Outbox, Signer, TxRequest

MAX_UINT256 = 2**256 - 1
MAX_SHOWN_DECIMALS = 6

TRANSFER = "a9059cbb"  # transfer(address,uint256)
APPROVE = "095ea7b3"  # approve(address,uint256)
TRANSFER_FROM = "23b872dd"  # transferFrom(address,address,uint256)

NETWORK_NAMES = {
    1: "Ethereum mainnet",
    10: "OP Mainnet",
    56: "BNB Smart Chain",
    97: "BNB Smart Chain testnet",
    137: "Polygon",
    8453: "Base",
    17000: "Holesky testnet",
    31337: "Local devnet",
    42161: "Arbitrum One",
    84532: "Base Sepolia testnet",
    11155111: "Sepolia testnet",
}


@dataclass(frozen=True)
class Token:
    """What the app knows about an ERC-20 contract: its symbol and decimals."""

    symbol: str
    decimals: int = 18


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class TxSummary:
    """Everything a person needs to decide, in words; ``raw`` holds the hex for the curious."""

    action: str
    lines: tuple[Line, ...]
    fee: str
    network: str
    warnings: tuple[str, ...] = ()
    raw: tuple[Line, ...] = field(default=())

    def text(self) -> str:
        """The summary as plain text (tests, screen readers, logs of what was approved)."""
        parts = [self.action, *(f"{line.label}: {line.value}" for line in self.lines)]
        parts += [f"Network fee: {self.fee}", f"Network: {self.network}", *self.warnings]
        return "\n".join(parts)


# -- amounts (the formats themselves are in app.words, shared by every screen and command) ---------


def format_gwei(wei: int) -> str:
    return f"{format_units(wei, 9, max_decimals=3, round_up=True)} gwei"


def parse_amount(text: str, decimals: int = ETH_DECIMALS, symbol: str = "ETH") -> int:
    """What a person typed ("1.5", " 0.25 ") in smallest units; ``ValueError`` says what is wrong."""
    cleaned = text.strip().replace(" ", "").replace("_", "")
    if not cleaned:
        raise ValueError("Enter an amount.")
    if "," in cleaned:
        raise ValueError("Write the amount with a dot for decimals and no thousands separators, e.g. 1234.5.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text.strip()}” is not a number.") from None
    if not value.is_finite():
        raise ValueError(f"“{text.strip()}” is not a number.")
    if value <= 0:
        raise ValueError("The amount must be more than 0.")
    units = value.scaleb(decimals)
    if units != units.to_integral_value():
        raise ValueError(f"{symbol} has at most {decimals} decimal places.")
    return int(units)


# -- addresses -------------------------------------------------------------------------------------


def check_recipient(text: str) -> str:
    """A recipient address in checksum form; ``ValueError`` if it is not one, or its mixed-case
    checksum (EIP-55) does not match, which almost always means a mistyped character."""
    address = text.strip()
    if not address:
        raise ValueError("Enter the recipient's address.")
    if not is_address(address) or not address.startswith("0x"):
        raise ValueError("An address is 0x followed by 40 hex characters (0-9, a-f).")
    body = address[2:]
    mixed = body != body.lower() and body != body.upper()
    if mixed and not is_checksum_address(address):
        raise ValueError(
            "The address's upper/lower-case checksum does not match: a character is probably mistyped."
        )
    return to_checksum_address(address)


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def network_label(chain_id: int, name: str | None = None) -> str:
    """ "Local devnet (chain 31337)"; a configured name other than the default devnet wins."""
    known = NETWORK_NAMES.get(chain_id)
    label = name if name and (name != "devnet" or known is None) else (known or f"Chain {chain_id}")
    return f"{label} (chain {chain_id})"


# -- summaries -------------------------------------------------------------------------------------


def _word_amount(amount: int, token: Token | None) -> str:
    if token is None:
        return f"{amount:,} units of an unknown token"
    return f"{format_units(amount, token.decimals)} {token.symbol}"


def _decode(selector: str, args: bytes) -> tuple[object, ...] | None:
    from eth_abi import decode
    from eth_abi.exceptions import DecodingError

    types = {TRANSFER: ["address", "uint256"], APPROVE: ["address", "uint256"],
             TRANSFER_FROM: ["address", "address", "uint256"]}.get(selector)  # fmt: skip
    if types is None or len(args) != 32 * len(types):
        return None
    try:
        return tuple(decode(types, args, strict=True))
    except (DecodingError, ValueError, OverflowError):
        return None


def summarize(
    *,
    to: str | None,
    value: int,
    data: bytes,
    gas: int,
    max_fee_per_gas: int,
    chain_id: int,
    network_name: str | None = None,
    tokens: Mapping[str, Token] | None = None,
    sender: str | None = None,
    description: str = "",
) -> TxSummary:
    """Describe a transaction in words. ``tokens`` maps checksum contract addresses to what the app
    knows about them; ``sender`` adds a warning when a transaction sends to its own account."""
    tokens = {to_checksum_address(k): v for k, v in (tokens or {}).items()}
    lines: list[Line] = []
    warnings: list[str] = []
    selector, args = data[:4].hex(), data[4:]
    decoded = _decode(selector, args) if to is not None and len(data) >= 4 else None
    eth = format_eth(value)

    if to is None:
        action = "Deploy a new contract"
        if value:
            lines.append(Line("Sends", eth))
    elif not data:
        action = f"Send {eth}"
        lines += [Line("To", to), Line("Amount", eth)]
        if sender is not None and to.lower() == sender.lower():
            warnings.append("This sends to your own account: only the fee is spent.")
    elif decoded is not None:
        token = tokens.get(to_checksum_address(to))
        symbol = token.symbol if token else "tokens"
        if selector == TRANSFER:
            recipient, amount = to_checksum_address(str(decoded[0])), int(decoded[1])
            action = f"Transfer {_word_amount(amount, token)}"
            lines += [Line("To", recipient), Line("Amount", _word_amount(amount, token))]
        elif selector == APPROVE:
            spender, amount = to_checksum_address(str(decoded[0])), int(decoded[1])
            if amount == MAX_UINT256:
                action = f"Allow {short_address(spender)} to spend all your {symbol}"
                lines += [Line("Spender", spender), Line("Allowance", f"Unlimited {symbol}")]
                warnings.append(f"Unlimited approval: {spender} can move all your {symbol}, now and later.")
            elif amount == 0:
                action = f"Revoke {short_address(spender)}'s permission to spend your {symbol}"
                lines += [Line("Spender", spender), Line("Allowance", f"0 {symbol}")]
            else:
                action = f"Allow {short_address(spender)} to spend {_word_amount(amount, token)}"
                lines += [Line("Spender", spender), Line("Allowance", _word_amount(amount, token))]
        else:
            source = to_checksum_address(str(decoded[0]))
            recipient = to_checksum_address(str(decoded[1]))
            amount = int(decoded[2])
            action = f"Transfer {_word_amount(amount, token)} from {short_address(source)}"
            lines += [
                Line("From", source),
                Line("To", recipient),
                Line("Amount", _word_amount(amount, token)),
            ]
        lines.append(Line("Token contract", to if token is None else f"{token.symbol} · {to}"))
        if token is None:
            warnings.append("Sahara does not know this token: the amount is in its smallest units.")
        if value:
            lines.append(Line("Also sends", eth))
    else:
        action = f"Contract call 0x{selector}" if len(data) >= 4 else "Send data to an address"
        lines.append(Line("Contract", to))
        if value:
            lines.append(Line("Sends", eth))
        warnings.append("Sahara cannot decode this call. Confirm only if you know what asked for it.")
    if description:
        lines.append(Line("Purpose", description))

    fee_cap = gas * max_fee_per_gas
    fee = f"up to {format_eth(fee_cap, max_decimals=MAX_SHOWN_DECIMALS, round_up=True)}"
    raw = (
        Line("To", to or "(new contract)"),
        Line("Value", f"{value} wei"),
        Line("Data", "0x" + data.hex() if data else "(none)"),
        Line("Gas limit", f"{gas:,}"),
        Line("Max fee per gas", format_gwei(max_fee_per_gas)),
        Line("Chain ID", str(chain_id)),
    )
    return TxSummary(action, tuple(lines), fee, network_label(chain_id, network_name), tuple(warnings), raw)


# -- asking before signing -------------------------------------------------------------------------

Approve = Callable[[TxSummary], Awaitable[bool]]


async def quote(outbox: Outbox, request: TxRequest, sender: str) -> TxRequest:
    """``request`` with gas and fee caps, after the outbox's pre-signing checks: the right chain, no
    revert (``TxReverted`` with the reason), enough ETH for value + fee (``InsufficientFunds``)."""
    return await outbox.quote(request, sender)


async def submit_approved(
    outbox: Outbox,
    request: TxRequest,
    sender: str,
    signer: Callable[[], Signer],
    approve: Approve,
    *,
    network_name: str | None = None,
    tokens: Mapping[str, Token] | None = None,
) -> OutboxTx | None:
    """Quote, ask ``approve(summary)``, then sign and submit; None if the person rejected it.

    ``signer`` is called only after approval, so a wallet that locked while the question was open
    raises ``WalletLocked`` instead of signing."""
    if request.to is not None:
        request = replace(request, to=check_recipient(request.to))
    priced = await quote(outbox, request, sender)
    summary = summarize(
        to=request.to, value=request.value, data=request.data, gas=priced.gas,
        max_fee_per_gas=priced.max_fee_per_gas, chain_id=outbox.chain_id, network_name=network_name,
        tokens=tokens, sender=sender, description=request.description,
    )  # fmt: skip
    if not await approve(summary):
        return None
    return await outbox.submit(priced, signer())  # signs exactly the caps the person approved


async def replace_approved(
    outbox: Outbox,
    tx_id: int,
    signer: Callable[[], Signer],
    approve: Approve,
    *,
    cancel: bool,
    network_name: str | None = None,
    tokens: Mapping[str, Token] | None = None,
) -> OutboxTx | None:
    """Speed up (same transaction, higher fee) or cancel (0 ETH to oneself at the same nonce) a
    pending transaction, after ``approve`` saw what the replacement does and may cost."""
    from app.wallet.outbox import MIN_BUMP

    old = outbox.get(tx_id)
    max_fee, _tip = await outbox.market_fees()
    bumped = max(max_fee, int(int(old.max_fee_per_gas) * MIN_BUMP) + 1)
    if cancel:
        summary = summarize(
            to=old.sender, value=0, data=b"", gas=21_000, max_fee_per_gas=bumped, chain_id=outbox.chain_id,
            network_name=network_name, description=f"Cancel transaction #{old.nonce}: {old.description}",
        )  # fmt: skip
        summary = replace(
            summary,
            action=f"Cancel pending transaction #{old.nonce}",
            warnings=(
                "Cancelling sends 0 ETH to yourself with a higher fee; it works only if it is "
                "mined before the original.",
            ),
        )
    else:
        summary = summarize(
            to=old.to, value=int(old.value), data=bytes.fromhex(old.data[2:]), gas=old.gas,
            max_fee_per_gas=bumped, chain_id=outbox.chain_id, network_name=network_name, tokens=tokens,
            sender=old.sender, description=old.description,
        )  # fmt: skip
        summary = replace(summary, action=f"Speed up: {summary.action}")
    if not await approve(summary):
        return None
    account = signer()
    return await (outbox.cancel(tx_id, account) if cancel else outbox.speed_up(tx_id, account))


def fee_paid_cap(gas_used: int | None, gas: int, max_fee_per_gas: int) -> int:
    """The most a transaction can have cost: gas used (or the limit while pending) × its fee cap."""
    return (gas_used if gas_used is not None else gas) * max_fee_per_gas
