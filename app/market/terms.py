"""License terms as ``LicenseMarket`` takes them, checked before signing and said in words.

A seller's offer is ``OfferTerms`` (price, duration, how many, commercial use, derivatives,
transferable); ``Offer`` is one as the chain holds it, with how many were sold and whether it is
active. ``describe`` is the one wording of terms: the publish wizard, the asset page, the buy
confirmation and ``sahara market`` all show the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.words import duration, plural, sahara

MAX_PRICE = 2**96 - 1  # uint96
MAX_DURATION = 2**64 - 1  # uint64 seconds
MAX_LICENSES = 2**32 - 1  # uint32


class TermsError(ValueError):
    """Terms the contract would refuse or that do not fit its fields; the message says why."""


@dataclass(frozen=True)
class OfferTerms:
    price: int  # wei of SAHARA per license
    duration_s: int = 0  # how long a license runs after delivery; 0 = perpetual
    max_licenses: int = 0  # 0 = unlimited
    commercial: bool = True
    derivatives: bool = True
    transferable: bool = False

    def check(self) -> None:
        if not 0 <= self.price <= MAX_PRICE:
            raise TermsError("The price must be between 0 and 79,228,162,514 SAHARA.")
        if not 0 <= self.duration_s <= MAX_DURATION:
            raise TermsError("The duration cannot be negative.")
        if not 0 <= self.max_licenses <= MAX_LICENSES:
            raise TermsError("The number of licenses must be between 0 (unlimited) and 4,294,967,295.")

    def as_args(self, asset_id: int) -> tuple[int, int, int, int, bool, bool, bool]:
        """``LicenseMarket.OfferTerms`` for ``createOffer``."""
        return (
            asset_id, self.price, self.duration_s, self.max_licenses,
            self.commercial, self.derivatives, self.transferable,
        )  # fmt: skip


@dataclass(frozen=True)
class Offer:
    """``LicenseMarket.getOffer``."""

    offer_id: int
    asset_id: int
    terms: OfferTerms
    sold: int
    active: bool

    @property
    def sold_out(self) -> bool:
        return self.terms.max_licenses != 0 and self.sold >= self.terms.max_licenses


def offer_from_chain(offer_id: int, raw: tuple) -> Offer:  # type: ignore[type-arg]
    asset_id, price, duration_s, max_licenses, sold, commercial, derivatives, transferable, active = raw
    terms = OfferTerms(int(price), int(duration_s), int(max_licenses), bool(commercial), bool(derivatives),
                       bool(transferable))  # fmt: skip
    return Offer(offer_id, int(asset_id), terms, int(sold), bool(active))


def describe(terms: OfferTerms) -> str:
    """Every term in one sentence, e.g. "1.5 SAHARA; perpetual; commercial use allowed; ..."."""
    parts = [
        "free" if terms.price == 0 else sahara(terms.price),
        "perpetual" if terms.duration_s == 0 else f"runs {duration(terms.duration_s)} after delivery",
        "commercial use allowed" if terms.commercial else "no commercial use",
        "derivatives allowed" if terms.derivatives else "no derivatives",
        "transferable" if terms.transferable else "not transferable",
        "unlimited licenses"
        if terms.max_licenses == 0
        else f"at most {plural(terms.max_licenses, 'license')}",
    ]
    return "; ".join(parts)


def parse_price(text: str) -> int:
    """``"1.5"`` SAHARA as wei; ``TermsError`` for anything that is not a price."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.strip().removesuffix("SAHARA").strip().replace(",", ""))
    except InvalidOperation:
        raise TermsError(f"{text!r} is not an amount of SAHARA (e.g. 2.5)") from None
    wei = value * 10**18
    if not value.is_finite() or wei != wei.to_integral_value() or not 0 <= wei <= MAX_PRICE:
        raise TermsError(f"{text!r} is not a price: 0 to 79,228,162,514 SAHARA, at most 18 decimals")
    return int(wei)
