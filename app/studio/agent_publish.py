"""An agent built in the studio, as a marketplace publish request: its graph file and its parents.

Every model the graph uses that is a marketplace asset becomes a parent, so the agent's sales pay
royalties up its lineage: ``asset:<chain>:<id>`` references on this network, and ``cid:`` references
whose CID is the content an asset was registered with. Models that are plain files or blobs of the
builder's own are not assets and name no parent. A reference to an asset of another network cannot
be a parent here and is refused in words. The graph file is read and checked (``load_graph``)
before anything else happens; the market then checks each parent's license before signing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.market.context import MarketContext
from app.market.publishing import PublishRequest
from app.market.terms import OfferTerms
from app.studio.document import GraphFileError, load_graph, model_references
from app.studio.model_refs import ModelRefError, parse_ref


class AgentPublishError(ValueError):
    """The graph cannot be published as an agent; the message says why."""


@dataclass(frozen=True)
class AgentModels:
    parents: tuple[int, ...]  # asset ids, in graph order
    own: tuple[str, ...]  # references that are the builder's own files or blobs


async def _assets_by_content(ctx: MarketContext) -> dict[str, int]:
    """Content CID → asset id for every asset registered on this network."""
    found = await ctx.logs("AssetRegistry", "AssetRegistered")
    return {str(e["args"]["contentCid"]): int(e["args"]["assetId"]) for e in found}


async def agent_models(ctx: MarketContext, graph_path: Path) -> AgentModels:
    """Which of the graph's models are marketplace assets (the agent's parents) and which are not."""
    try:
        graph = load_graph(graph_path)
    except GraphFileError as exc:
        raise AgentPublishError(str(exc)) from exc
    parents: list[int] = []
    own: list[str] = []
    by_content: dict[str, int] | None = None
    for text in model_references(graph):
        try:
            ref = parse_ref(text)
        except ModelRefError as exc:
            raise AgentPublishError(str(exc)) from exc
        if ref.kind == "asset":
            chain, _, asset = ref.value.partition(":")
            if int(chain) != ctx.chain_id:
                raise AgentPublishError(
                    f"{text} is an asset of chain {chain}; this network is chain {ctx.chain_id}, so it "
                    "cannot be a parent here"
                )
            parents.append(int(asset))
        elif ref.kind == "cid":
            by_content = by_content if by_content is not None else await _assets_by_content(ctx)
            if ref.value in by_content:
                parents.append(by_content[ref.value])
            else:
                own.append(text)
        else:
            own.append(text)
    return AgentModels(tuple(dict.fromkeys(parents)), tuple(own))


async def agent_request(
    ctx: MarketContext,
    graph_path: Path,
    *,
    name: str = "",
    card: str = "",
    tags: tuple[str, ...] = (),
    offers: tuple[OfferTerms, ...] = (),
    version: str = "1.0",
) -> PublishRequest:
    """The publish request for the agent in ``graph_path`` (name and card default to the graph's)."""
    models = await agent_models(ctx, graph_path)
    graph = load_graph(graph_path)
    return PublishRequest(
        kind="agent", name=name or graph.name, files=(graph_path,), card=card or graph.description,
        tags=tags, task_type="agent", version=version, parents=models.parents, offers=offers,
        extra={"models": [*(f"asset:{ctx.chain_id}:{p}" for p in models.parents), *models.own]},
    )  # fmt: skip
