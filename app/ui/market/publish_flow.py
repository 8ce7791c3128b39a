"""The publish wizard's state, without Qt (Electrum's wizard rule): what the user chose at each step,
what stops Next there (in words), and the ``PublishRequest`` it all becomes.

Steps: source (a model's ONNX files, an agent's studio graph, or a labeling campaign's dataset),
card (name, tags, task type, Markdown from a template), terms (price, duration, commercial use,
derivatives, transferable, how many; content always encrypted), parents (what the asset derives
from, each checked against the account's licenses before signing), review. The widgets read and
write a ``PublishDraft``; it is kept after a failure, so nothing the user typed is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from app.market.asset_metadata import card_template
from app.market.publishing import DEFAULT_OWNER_SHARE_BPS, MAX_PARENTS, PublishRequest
from app.market.terms import OfferTerms, TermsError, describe
from app.words import plural

Source = Literal["model", "agent", "dataset"]
STEPS = ("Source", "Card", "Terms", "Parents", "Review")
DAY = 86_400
E18 = 10**18


def parse_amount(text: str) -> int:
    """SAHARA typed by a person ("1.5", "1,000") as wei; ``ValueError`` in words otherwise."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        value = Decimal(cleaned or "0")
    except InvalidOperation:
        raise ValueError(f"“{text}” is not an amount of SAHARA.") from None
    if not value.is_finite():
        raise ValueError(f"“{text}” is not an amount of SAHARA.")
    if value < 0:
        raise ValueError("The price cannot be negative.")
    if value > 10**30:
        raise ValueError(f"{text} SAHARA is more than there will ever be.")
    wei = value * E18
    if wei != wei.to_integral_value():
        raise ValueError("A price has at most 18 decimals.")
    return int(wei)


@dataclass
class PublishDraft:
    """Everything the wizard collects; strings as typed until ``request`` checks them."""

    source: Source = "model"
    files: list[Path] = field(default_factory=list)
    graph: Path | None = None
    campaign: int | None = None
    name: str = ""
    tags: str = ""
    task_type: str = ""
    card: str = ""
    price: str = "1"
    duration_days: int = 0  # 0: perpetual
    max_licenses: int = 0  # 0: unlimited
    commercial: bool = True
    derivatives: bool = True
    transferable: bool = False
    encrypted: bool = True  # always: buyers get the key through key delivery
    parents: str = ""  # asset ids, comma- or space-separated
    chain_id: int = 0
    owner_share: int = DEFAULT_OWNER_SHARE_BPS // 100  # a campaign dataset: percent its publisher keeps

    @property
    def owner_share_bps(self) -> int:
        return self.owner_share * 100

    def split_words(self, labelers: int | None) -> str:
        """Who earns the dataset's royalties, as the review step says it."""
        who = "its labelers" if labelers is None else f"its {plural(labelers, 'labeler')}"
        if self.owner_share >= 100:
            return f"You keep all of this dataset's royalties; {who} get none of them."
        if self.owner_share == 0:
            return f"You keep none of this dataset's royalties; {who} share them all by accepted items."
        return (
            f"You keep {self.owner_share} % of this dataset's royalties; {who} share "
            f"{100 - self.owner_share} % by accepted items."
        )

    def template(self) -> str:
        return card_template(self.source, self.name.strip())

    def terms(self) -> OfferTerms:
        terms = OfferTerms(
            parse_amount(self.price), self.duration_days * DAY, self.max_licenses,
            self.commercial, self.derivatives, self.transferable,
        )  # fmt: skip
        terms.check()
        return terms

    def parent_ids(self) -> tuple[int, ...]:
        words = [w for w in re.split(r"[\s,;]+", self.parents.strip()) if w]
        ids: list[int] = []
        for word in words:
            if not word.lstrip("#").isdigit() or int(word.lstrip("#")) == 0:
                raise ValueError(f"“{word}” is not an asset id (a whole number such as 12).")
            if int(word.lstrip("#")) not in ids:
                ids.append(int(word.lstrip("#")))
        if len(ids) > MAX_PARENTS:
            raise ValueError(f"An asset has at most {MAX_PARENTS} parents.")
        return tuple(ids)

    def use_agent(self, graph: Path, name: str, parents: tuple[int, ...]) -> None:
        """Take an agent's graph file: its name (unless one was typed) and the assets it uses, its parents."""
        self.graph = graph
        if not self.name.strip():
            self.name = name
        self.parents = ", ".join(str(p) for p in parents)

    def problem(self, step: str) -> str | None:
        """Why Next is refused on ``step``, in words; None when it may go on."""
        if step == "Source":
            if self.source == "model" and not self.files:
                return "Add the model's ONNX file (and any file that goes with it)."
            if self.source == "model" and not any(p.suffix.lower() == ".onnx" for p in self.files):
                return "A model is published from ONNX files: add at least one .onnx file."
            if self.source == "agent" and self.graph is None:
                return "Choose the agent's graph file (saved from the studio)."
            if self.source == "dataset" and self.campaign is None:
                return "Choose the campaign whose dataset to publish."
            missing = [p.name for p in self.files if not p.is_file()]
            if missing:
                return f"These files are gone: {', '.join(missing)}."
        if step == "Card" and self.source != "dataset" and not self.name.strip():
            return "Give the asset a name: it is what people search for."
        if step == "Terms":
            try:
                self.terms()
            except (ValueError, TermsError) as exc:
                return str(exc)
            if self.source == "dataset" and not 0 <= self.owner_share <= 100:
                return "The share you keep must be between 0 % and 100 %."
        if step == "Parents":
            try:
                self.parent_ids()
            except ValueError as exc:
                return str(exc)
        return None

    def terms_words(self) -> str:
        try:
            return describe(self.terms())
        except (ValueError, TermsError) as exc:
            return str(exc)

    def tag_list(self) -> tuple[str, ...]:
        return tuple(t for t in re.split(r"[\s,]+", self.tags.strip()) if t)[:32]

    def request(self) -> PublishRequest:
        """The market's request for a model (an agent's comes from ``agent_request``, a dataset's
        from the labeling flow)."""
        return PublishRequest(
            kind="model", name=self.name.strip(), files=tuple(self.files), card=self.card,
            tags=self.tag_list(), task_type=self.task_type.strip(), parents=self.parent_ids(),
            offers=(self.terms(),),
        )  # fmt: skip
