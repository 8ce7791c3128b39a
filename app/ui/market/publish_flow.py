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

from app.market.publishing import MAX_PARENTS, PublishRequest
from app.market.terms import OfferTerms, TermsError, describe
from app.studio.document import GraphFileError, load_graph
from app.studio.model_refs import ModelRefError, parse_ref

Source = Literal["model", "agent", "dataset"]
STEPS = ("Source", "Card", "Terms", "Parents", "Review")
DAY = 86_400
E18 = 10**18
CARD_TEMPLATE = """# {name}

## What it is
One paragraph: what this {kind} does or holds, and for whom.

## How it was made
Data, training or the graph behind it; what it derives from.

## How to use it
Inputs, outputs, the licence terms that matter.

## Limitations
Where it fails, what it was not tested on.
"""


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


def asset_refs(graph_file: Path, chain_id: int) -> tuple[int, ...]:
    """The assets of ``chain_id`` an agent graph's nodes name (``asset:<chain>:<id>``): its parents.
    ``ValueError`` in words for a file that is not a studio graph, or one naming another chain's."""
    try:
        graph = load_graph(graph_file)
    except GraphFileError as exc:
        raise ValueError(f"Not a studio graph: {exc}") from None
    found: list[int] = []
    for node in graph.nodes:
        for value in node.config.values():
            if not isinstance(value, str) or not value.startswith("asset:"):
                continue
            try:
                ref = parse_ref(value)
            except ModelRefError as exc:
                raise ValueError(f"Node “{node.title or node.id}”: {exc}") from None
            chain, _, asset = ref.value.partition(":")
            if int(chain) != chain_id:
                raise ValueError(
                    f"Node “{node.title or node.id}” uses asset {asset} of chain {chain}, not this network's."
                )
            if int(asset) not in found:
                found.append(int(asset))
    return tuple(found)


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

    def template(self) -> str:
        return CARD_TEMPLATE.format(name=self.name.strip() or "Name", kind=self.source)

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

    def use_graph(self, path: Path) -> tuple[int, ...]:
        """Take an agent graph file: its name, and the assets it uses as parents."""
        refs = asset_refs(path, self.chain_id)
        self.graph = path
        if not self.name.strip():
            self.name = load_graph(path).name
        self.parents = ", ".join(str(r) for r in refs)
        return refs

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

    def request(self) -> PublishRequest:
        """The market's request for a model or an agent (a dataset goes through the labeling flow)."""
        tags = tuple(t for t in re.split(r"[\s,]+", self.tags.strip()) if t)[:32]
        files = tuple(self.files) if self.source == "model" else (self.graph,) if self.graph else ()
        return PublishRequest(
            kind=self.source, name=self.name.strip(), files=files, card=self.card, tags=tags,  # type: ignore[arg-type]
            task_type=self.task_type.strip(), parents=self.parent_ids(), offers=(self.terms(),),
        )  # fmt: skip
