"""The marketplace in words: kinds, license terms, metadata problems and chain events as a person
reads them. Amounts and durations go through ``app.words`` like every other screen."""

from __future__ import annotations

from typing import Any

from app.market.catalog.asset_page import HistoryEntry, Offer
from app.words import duration, format_sahara, plural, sahara

KIND_NAMES = ("Dataset", "Model", "Agent")
KIND_ICONS = ("database", "brain", "robot")
META_PROBLEMS = {
    "pending": "Metadata not read yet",
    "missing": "Metadata could not be fetched",
    "corrupt": "CID mismatch: the metadata does not hash to its CID",
    "malformed": "Malformed metadata",
    "too_large": "Metadata too large to read",
}


def kind_name(kind: int) -> str:
    return KIND_NAMES[kind] if 0 <= kind < len(KIND_NAMES) else f"Kind {kind}"


def kind_icon(kind: int) -> str:
    return KIND_ICONS[kind] if 0 <= kind < len(KIND_ICONS) else "question"


def short(address: str) -> str:
    """``0x1234…abcd``: enough to tell accounts apart in a list; tooltips carry the whole address."""
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def title(name: str, asset_id: int) -> str:
    """An asset's name, or what stands in for it while its metadata is unreadable."""
    return name or f"Asset #{asset_id}"


def meta_mark(status: str, problem: str = "") -> str:
    """Nothing for readable metadata, else what is wrong with it in words (with the indexer's reason)."""
    if status == "ok":
        return ""
    words = META_PROBLEMS.get(status, f"Metadata {status}")
    return f"{words} ({problem})" if problem and status != "pending" else words


def price_words(wei: int | None) -> str:
    if wei is None:
        return "Not offered"
    return "Free" if wei == 0 else sahara(wei)


def offer_terms(offer: Offer) -> list[str]:
    """Every term of an offer, one sentence each, in the order a buyer weighs them."""
    lasts = "Never expires" if offer.duration == 0 else f"Lasts {duration(offer.duration)} after delivery"
    limit = (
        "Unlimited licenses"
        if offer.max_licenses == 0
        else f"At most {plural(offer.max_licenses, 'license')}"
    )
    return [
        "Free" if offer.price == 0 else f"Costs {format_sahara(offer.price)}",
        lasts,
        "Commercial use allowed" if offer.commercial else "No commercial use",
        "Derivatives allowed (you may publish work built on it)" if offer.derivatives else "No derivatives",
        "Transferable to another account" if offer.transferable else "Not transferable",
        limit,
    ]


def bps(value: int) -> str:
    """Basis points as a percentage: ``2,000`` → ``20 %``."""
    return f"{value / 100:g} %"


EVENT_WORDS = {
    "AssetRegistry.AssetRegistered": "Registered",
    "AssetRegistry.MetadataUpdated": "Metadata updated",
    "AssetRegistry.ParentLinked": "Linked to a parent",
    "AssetRegistry.Transfer": "Ownership transferred",
    "LicenseMarket.OfferCreated": "Offer created",
    "LicenseMarket.OfferActiveSet": "Offer paused or resumed",
    "LicenseMarket.LicensePurchased": "License bought",
    "LicenseMarket.KeyDelivered": "Key delivered",
    "LicenseMarket.LicenseDisputed": "License disputed",
    "LicenseMarket.DisputeResolved": "Dispute resolved",
    "LicenseMarket.LicenseSettled": "Payment settled",
    "LicenseMarket.LicenseRefunded": "License refunded",
    "LicenseMarket.LicenseUsed": "License used",
    "LicenseMarket.Transfer": "License transferred",
}


def _get(args: dict[str, Any], key: str) -> Any:
    return args.get(key, "?")


def event_words(entry: HistoryEntry) -> str:
    """One line for an on-chain event of the asset."""
    a = entry.args
    what = EVENT_WORDS.get(entry.event, entry.event)
    name = entry.event.split(".", 1)[-1]
    if name == "AssetRegistered":
        return f"{what} by {short(str(_get(a, 'creator')))}"
    if name == "MetadataUpdated":
        return f"{what} to version {_get(a, 'version')}"
    if name == "ParentLinked":
        return f"{what}: derives from asset #{_get(a, 'parent')}"
    if name == "Transfer":
        return f"{what} to {short(str(_get(a, 'to')))}"
    if name == "OfferCreated":
        return f"{what}: offer {_get(a, 'offerId')} at {price_words(int(a.get('price', 0) or 0))}"
    if name == "OfferActiveSet":
        return f"Offer {_get(a, 'offerId')} {'resumed' if a.get('active') else 'paused'}"
    if name == "LicensePurchased":
        return f"{what} by {short(str(_get(a, 'buyer')))} for {price_words(int(a.get('price', 0) or 0))}"
    if "licenseId" in a:
        return f"{what}: license {_get(a, 'licenseId')}"
    return what
