"""The subgraph stays in step with the contracts: its ABIs are the shipped artifacts, it handles every
event the catalogue reads, and each journal entity carries exactly its event's parameters (what the
app's subgraph reader rebuilds logs from). Read from the files, no node needed."""

from __future__ import annotations

import re

from graph_node import ENTITY_OF, SCHEMA, base_type, parse_schema

from app.chain.contracts import load_artifact
from app.market.catalog.decode import EVENTS
from app.market.subgraph_journal import JOURNAL, graphql_type
from app.resources import REPO_ROOT

SUBGRAPH = REPO_ROOT / "subgraph"
CONTRACTS = ("AssetRegistry", "LicenseMarket", "RoyaltyVault")


def data_sources() -> dict[str, str]:
    """Each data source's block of subgraph.yaml, by name."""
    text = (SUBGRAPH / "subgraph.yaml").read_text()
    blocks = re.split(r"\n  - kind: ethereum/contract\n", text)[1:]
    return {re.search(r"name: (\w+)", b).group(1): b for b in blocks}  # type: ignore[union-attr]


def signature(event: dict) -> str:
    inputs = ",".join(("indexed " if i["indexed"] else "") + i["type"] for i in event["inputs"])
    return f"{event['name']}({inputs})"


def test_each_data_source_reads_the_shipped_abi_and_names_real_events() -> None:
    sources = data_sources()
    assert set(sources) == set(CONTRACTS)
    for name, block in sources.items():
        assert f"file: ../resources/contracts/{name}.json" in block, f"{name}: not the shipped ABI"
        abi_events = {signature(e) for e in load_artifact(name).abi if e.get("type") == "event"}
        handled = re.findall(r"- event: (.+)", block)
        assert handled and set(handled) <= abi_events, f"{name}: {set(handled) - abi_events} not in the ABI"
        mapping = (SUBGRAPH / re.search(r"file: (\./src/\w+\.ts)", block).group(1)).read_text()  # type: ignore[union-attr]
        for handler in re.findall(r"handler: (\w+)", block):
            assert f"export function {handler}(" in mapping, f"{name}: {handler} is not in the mapping"


def test_every_event_the_catalogue_reads_is_handled() -> None:
    sources = data_sources()
    for contract, names in EVENTS.items():
        handled = {s.split("(")[0] for s in re.findall(r"- event: (.+)", sources[contract])}
        assert set(names) <= handled, f"{contract}: {set(names) - handled} not handled by the subgraph"


def test_journal_entities_carry_exactly_their_events_parameters() -> None:
    types = parse_schema(SCHEMA.read_text())
    common = set(types["MarketEvent"].fields)
    checked = 0
    for contract in CONTRACTS:
        for event in (e for e in load_artifact(contract).abi if e.get("type") == "event"):
            entity = ENTITY_OF.get((contract, event["name"]), event["name"])
            if entity not in types:
                continue  # admin and role events: kept as terms, or not at all
            assert "MarketEvent" in types[entity].implements
            fields = {k: v for k, v in types[entity].fields.items() if k not in common}
            params = {i["name"]: graphql_type(i["type"]) for i in event["inputs"]}
            extra = {k: v for k, v in fields.items() if k not in params}
            if contract == "RoyaltyVault":  # relations added for other consumers
                assert set(extra) <= {"asset", "claimer"}
                fields = {k: v for k, v in fields.items() if k in params}
            assert {k: base_type(v) for k, v in fields.items()} == params, f"{entity} drifted from the ABI"
            checked += 1
    assert checked == 18
    for contract, names in EVENTS.items():  # the reader's map agrees with the schema's names
        for name in names:
            assert JOURNAL[ENTITY_OF.get((contract, name), name)] == (contract, name)


def test_the_stand_in_graph_node_refuses_what_a_graph_node_refuses() -> None:
    """tests/graph_node.py is only worth testing against if it is as strict as the real one."""
    from graph_node import GraphNode

    node = GraphNode()
    for query, error in [
        ("{ marketEvents { id nope } }", "has no field `nope`"),
        ("{ marketEvents(first: 1001) { id } }", "between 0 and 1000"),
        ("{ marketEvents(where: {nope_gt: 1}) { id } }", "has no field `nope_gt`"),
        ("{ assets(orderBy: nope) { id } }", "has no value `nope`"),
        ("{ marketEvents { id ... on Nope { id } } }", "Unknown type `Nope`"),
        ("query Q($a: Bytes!) { marketEvents(where: {id_gt: $b}) { id } }", "$b is not defined"),
        ("{ marketEvents { id }", "Syntax Error"),
        ("{ nopes { id } }", "has no field `nopes`"),
        ("{ marketEvents { id ... on Asset { kind } } }", "can never be of type `MarketEvent`"),
        ("{ licenses { id asset } }", "must have a selection"),
    ]:
        answer = node.answer({"query": query})
        assert error in answer["errors"][0]["message"], query
    assert node.answer({"query": "{ _meta { block { number } } }"}) == {
        "data": {"_meta": {"block": {"number": 0}}}
    }
