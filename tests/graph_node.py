"""A GraphQL server that answers as a graph node does for the subgraph's own schema, for tests.

No graph node runs here, so this stands in for one, faithful where the app depends on it: the
schema is read from ``subgraph/schema.graphql`` (a field the schema lacks is an error, as on a graph
node), queries are parsed for real (variables, aliases, arguments, inline fragments on interfaces,
``__typename``), and collections take graph-node's ``first`` (at most 1000), ``skip``, ``where``
(``field``, ``_gt``, ``_gte``, ``_lt``, ``_lte``, ``_in``, ``_not``), ``orderBy`` and
``orderDirection``, with values shaped as a graph node sends them (BigInt as decimal text, Bytes
as 0x-hex). ``_meta { block { number hash } }`` reports the head. Entities are what the subgraph's
mappings would store for each log (``index_log``: the journal entity, decoded from the real ABI).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from local_http import Handler, serving

from app.chain.contracts import load_artifact
from app.chain.raw_logs import RawLog
from app.market.catalog.decode import topic_of
from app.resources import REPO_ROOT

SCHEMA = REPO_ROOT / "subgraph" / "schema.graphql"
MAX_FIRST, MAX_SKIP = 1000, 5000
# The journal entities whose names are not their event's: the two ERC-721 Transfers, and Claimed.
ENTITY_OF = {("AssetRegistry", "Transfer"): "AssetTransfer", ("LicenseMarket", "Transfer"): "LicenseTransfer",
             ("RoyaltyVault", "Claimed"): "RoyaltyClaim"}  # fmt: skip


class GraphQLError(ValueError):
    """What a graph node would answer in ``errors``."""


# -- the schema ------------------------------------------------------------------------------------


@dataclass
class TypeDef:
    name: str
    interface: bool
    implements: tuple[str, ...]
    fields: dict[str, str]  # name -> GraphQL type as written ("BigInt!", "[BigInt!]!", "Asset")
    derived: dict[str, str] = field(default_factory=dict)  # name -> the field it is derived from


def parse_schema(text: str) -> dict[str, TypeDef]:
    """Types and interfaces of a subgraph schema (descriptions and comments dropped)."""
    text = re.sub(r'"""(.|\n)*?"""|"[^"\n]*"|#[^\n]*', "", text)
    types: dict[str, TypeDef] = {}
    for kind, name, implements, body in re.findall(
        r"\b(type|interface)\s+(\w+)(?:\s+implements\s+([\w\s&]+?))?\s*(?:@entity\([^)]*\))?\s*\{([^}]*)\}",
        text,
    ):
        found = TypeDef(name, kind == "interface", tuple(re.findall(r"\w+", implements)), {})
        for fname, ftype, derived in re.findall(
            r"(\w+)\s*:\s*([\[\]\w!]+)(?:\s*@derivedFrom\(field:\s*\"?(\w+)\"?\))?", body
        ):
            found.fields[fname] = ftype
            if derived:
                found.derived[fname] = derived
        types[name] = found
    return types


def base_type(ftype: str) -> str:
    return ftype.replace("!", "").strip("[]")


def collection_name(type_name: str) -> str:
    """graph-node's collection field for a type: lower camel case, plural."""
    return type_name[0].lower() + type_name[1:] + "s"


# -- the query language ----------------------------------------------------------------------------

TOKEN = re.compile(r'\s+|,|#[^\n]*|(\.\.\.|[{}()\[\]:!$=@]|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|\w+)')


@dataclass
class Field:
    name: str
    alias: str
    args: dict[str, Any]
    selection: list[Any]  # Field or Fragment


@dataclass
class Fragment:
    on: str
    selection: list[Any]


class Var:
    def __init__(self, name: str) -> None:
        self.name = name


class Parser:
    """Recursive descent over the tokens of one query document."""

    def __init__(self, source: str) -> None:
        self.tokens: list[str] = []
        pos = 0
        while pos < len(source):
            match = TOKEN.match(source, pos)
            if match is None:
                raise GraphQLError(f"Syntax Error: unexpected character {source[pos]!r}")
            if match.group(1):
                self.tokens.append(match.group(1))
            pos = match.end()
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise GraphQLError(f"Syntax Error: expected {expected or 'more'}, found {token or 'the end'}")
        self.at += 1
        return token

    def document(self) -> list[Any]:
        if self.peek() == "query":
            self.take()
            if self.peek() not in ("(", "{"):
                self.take()  # the operation's name
            if self.peek() == "(":
                self.take()
                while self.peek() != ")":
                    self.take("$")
                    self.take()
                    self.take(":")
                    while self.peek() not in ("$", ")", "="):
                        self.take()  # the variable's type
                self.take(")")
        selection = self.selection_set()
        if self.peek() is not None:
            raise GraphQLError(f"Syntax Error: unexpected {self.peek()} after the query")
        return selection

    def selection_set(self) -> list[Any]:
        self.take("{")
        items: list[Any] = []
        while self.peek() != "}":
            if self.peek() == "...":
                self.take()
                self.take("on")
                on = self.take()
                items.append(Fragment(on, self.selection_set()))
                continue
            name = self.take()
            alias = name
            if self.peek() == ":":
                self.take()
                name = self.take()
            args: dict[str, Any] = {}
            if self.peek() == "(":
                self.take()
                while self.peek() != ")":
                    key = self.take()
                    self.take(":")
                    args[key] = self.value()
                self.take(")")
            sub = self.selection_set() if self.peek() == "{" else []
            items.append(Field(name, alias, args, sub))
        self.take("}")
        if not items:
            raise GraphQLError("Syntax Error: an empty selection")
        return items

    def value(self) -> Any:
        token = self.take()
        if token == "$":
            return Var(self.take())
        if token == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if token == "{":
            obj = {}
            while self.peek() != "}":
                key = self.take()
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        if token.startswith('"'):
            return bytes(token[1:-1], "utf-8").decode("unicode_escape")
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        return {"true": True, "false": False, "null": None}.get(token, token)


def resolve(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, Var):
        if value.name not in variables:
            raise GraphQLError(f"Variable ${value.name} is not defined")
        return variables[value.name]
    if isinstance(value, list):
        return [resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, variables) for k, v in value.items()}
    return value


# -- the store and execution -----------------------------------------------------------------------


def _sortable(scalar: str, value: Any) -> Any:
    if scalar in ("BigInt", "Int"):
        return int(value)
    if scalar == "Bytes":
        return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)
    return value


def _shown(scalar: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_shown(scalar, v) for v in value]
    if scalar == "BigInt":
        return str(value)
    if scalar == "Bytes":
        return "0x" + bytes(value).hex()
    return value


class GraphNode:
    """The subgraph's entities, and what a graph node answers to a query over them."""

    def __init__(self, schema_text: str | None = None) -> None:
        self.types = parse_schema(schema_text if schema_text is not None else SCHEMA.read_text())
        self.entities: dict[str, dict[Any, dict[str, Any]]] = {name: {} for name in self.types}
        self.head = (0, b"\0" * 32)
        self.queries = 0

    # -- indexing, as the mappings do it -------------------------------------------------------

    def index_log(self, contract: str, raw: RawLog, timestamp: int = 0) -> bool:
        """Store the journal entity the subgraph's mapping stores for ``raw`` (from ``contract``);
        False for an event with none (roles, approvals, admin terms, ERC-4906)."""
        event = next(
            (
                e
                for e in load_artifact(contract).abi
                if e.get("type") == "event" and topic_of(e) == raw.topics[0]
            ),
            None,
        )
        if event is None or ENTITY_OF.get((contract, event["name"]), event["name"]) not in self.types:
            return False
        name = ENTITY_OF.get((contract, event["name"]), event["name"])
        indexed = [i for i in event["inputs"] if i["indexed"]]
        plain = [i for i in event["inputs"] if not i["indexed"]]
        values: dict[str, Any] = {}
        for spec, word in zip(indexed, raw.topics[1:], strict=True):
            values[spec["name"]] = word[12:] if spec["type"] == "address" else int.from_bytes(word, "big")
        for spec, value in zip(plain, abi_decode([i["type"] for i in plain], raw.data), strict=True):
            values[spec["name"]] = bytes.fromhex(value[2:]) if spec["type"] == "address" else value
        entity_id = raw.block.to_bytes(8, "big") + raw.log_index.to_bytes(4, "big")
        values.update(
            id=entity_id, contract=bytes.fromhex(raw.address[2:]), blockNumber=raw.block,
            blockHash=bytes.fromhex(raw.block_hash[2:]), timestamp=timestamp,
            transaction=bytes.fromhex(raw.tx_hash[2:]), logIndex=raw.log_index,
        )  # fmt: skip
        if name == "RoyaltyClaim":  # its links to the asset and the account, as vault.ts sets them
            values.update(asset=str(values["assetId"]), claimer=values["account"])
        missing = set(self.types[name].fields) - set(values) - set(self.types[name].derived)
        assert not missing, f"{name}: the schema has fields the event lacks: {missing}"
        self.entities[name][entity_id] = values
        if raw.block > self.head[0]:
            self.head = (raw.block, bytes.fromhex(raw.block_hash[2:]))
        return True

    def drop_above(self, block: int) -> None:
        """A reorganisation as a graph node handles it: entities of later blocks reverted."""
        for table in self.entities.values():
            for key in [k for k, v in table.items() if v.get("blockNumber", 0) > block]:
                del table[key]

    # -- answering -------------------------------------------------------------------------------

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        self.queries += 1
        try:
            query, variables = body.get("query"), body.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise GraphQLError("The request must have a query string and a variables object")
            data = {}
            for item in Parser(query).document():
                if not isinstance(item, Field):
                    raise GraphQLError("A fragment at the top level")
                data[item.alias] = self._root(item, variables)
            return {"data": data}
        except GraphQLError as exc:
            return {"errors": [{"message": str(exc)}]}

    def _root(self, item: Field, variables: dict[str, Any]) -> Any:
        if item.name == "_meta":
            meta = {"block": {"number": self.head[0], "hash": "0x" + self.head[1].hex(), "timestamp": None},
                    "deployment": "Qm" + "1" * 44, "hasIndexingErrors": False}  # fmt: skip
            return self._select_plain(meta, item.selection)
        for type_name, definition in self.types.items():
            if item.name == collection_name(type_name):
                return self._collection(definition, item, variables)
        raise GraphQLError(f"Type `Query` has no field `{item.name}`")

    def _rows(self, definition: TypeDef) -> Iterable[tuple[str, dict[str, Any]]]:
        if definition.interface:
            for name, other in self.types.items():
                if definition.name in other.implements:
                    yield from ((name, row) for row in self.entities[name].values())
        else:
            yield from ((definition.name, row) for row in self.entities[definition.name].values())

    def _collection(self, definition: TypeDef, item: Field, variables: dict[str, Any]) -> list[Any]:
        args = resolve(item.args, variables)
        unknown = set(args) - {"first", "skip", "where", "orderBy", "orderDirection", "block"}
        if unknown:
            raise GraphQLError(f"Unknown argument `{sorted(unknown)[0]}` on field `{item.name}`")
        first, skip = args.get("first", 100), args.get("skip", 0)
        if not isinstance(first, int) or not 0 <= first <= MAX_FIRST:
            raise GraphQLError(f"The `first` argument must be between 0 and {MAX_FIRST}, but is {first}")
        if not isinstance(skip, int) or not 0 <= skip <= MAX_SKIP:
            raise GraphQLError(f"The `skip` argument must be between 0 and {MAX_SKIP}, but is {skip}")
        self._validate(definition, item.selection)
        keep = self._filter(definition, args.get("where") or {})
        rows = [(name, row) for name, row in self._rows(definition) if keep(row)]
        order = args.get("orderBy", "id")
        if order not in definition.fields:
            raise GraphQLError(f"Enum `{definition.name}_orderBy` has no value `{order}`")
        scalar = base_type(definition.fields[order])
        rows.sort(key=lambda r: (_sortable(scalar, r[1][order]), r[1]["id"]))
        if args.get("orderDirection") == "desc":
            rows.reverse()
        return [
            self._select(definition, name, row, item.selection) for name, row in rows[skip : skip + first]
        ]

    def _validate(self, definition: TypeDef, selection: list[Any]) -> None:
        """Every field selected exists on its type, whatever the data (as a graph node checks)."""
        for item in selection:
            if isinstance(item, Fragment):
                target = self.types.get(item.on)
                if target is None:
                    raise GraphQLError(f"Unknown type `{item.on}`")
                if item.on != definition.name and definition.name not in target.implements:
                    raise GraphQLError(f"Fragment on `{item.on}` can never be of type `{definition.name}`")
                self._validate(target, item.selection)
            elif item.name != "__typename":
                if item.name not in definition.fields:
                    raise GraphQLError(f"Type `{definition.name}` has no field `{item.name}`")
                related = self.types.get(base_type(definition.fields[item.name]))
                if related is not None and not item.selection:
                    raise GraphQLError(f"Field `{item.name}` of type `{related.name}` must have a selection")
                if related is None and item.selection:
                    raise GraphQLError(f"Field `{item.name}` is a scalar and cannot have a selection")

    def _filter(self, definition: TypeDef, where: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
        tests: list[Callable[[dict[str, Any]], bool]] = []
        ops: dict[str, Callable[[Any, Any], bool]] = {
            "": lambda a, b: a == b, "_not": lambda a, b: a != b, "_gt": lambda a, b: a > b,
            "_gte": lambda a, b: a >= b, "_lt": lambda a, b: a < b, "_lte": lambda a, b: a <= b,
            "_in": lambda a, b: a in b, "_not_in": lambda a, b: a not in b,
        }  # fmt: skip
        for key, wanted in where.items():
            name, op = re.fullmatch(r"(\w+?)(_not_in|_not|_gte|_gt|_lte|_lt|_in|)", key).groups()  # type: ignore[union-attr]
            if name not in definition.fields:
                raise GraphQLError(f"Type `{definition.name}_filter` has no field `{key}`")
            scalar = base_type(definition.fields[name])
            try:
                target = (
                    [_sortable(scalar, w) for w in wanted]
                    if op.endswith("_in")
                    else _sortable(scalar, wanted)
                )
            except (TypeError, ValueError) as exc:
                raise GraphQLError(f"Invalid value for `{key}`: {wanted!r}") from exc
            tests.append(lambda row, n=name, o=ops[op], t=target, s=scalar: o(_sortable(s, row[n]), t))
        return lambda row: all(test(row) for test in tests)

    def _select(self, definition: TypeDef, type_name: str, row: dict[str, Any], selection: list[Any]) -> dict:
        concrete = self.types[type_name]
        out: dict[str, Any] = {}
        for item in selection:
            if isinstance(item, Fragment):
                if item.on == type_name:
                    out.update(self._select(concrete, type_name, row, item.selection))
                continue
            if item.name == "__typename":
                out[item.alias] = type_name
                continue
            if item.selection:  # relations (asset { id }): the app's reader asks for none
                raise GraphQLError("this stand-in does not resolve nested entities")
            out[item.alias] = _shown(base_type(definition.fields[item.name]), row.get(item.name))
        return out

    def _select_plain(self, value: dict[str, Any], selection: list[Any]) -> dict[str, Any]:
        out = {}
        for item in selection:
            if item.name not in value:
                raise GraphQLError(f"Type `_Meta_` has no field `{item.name}`")
            found = value[item.name]
            out[item.alias] = self._select_plain(found, item.selection) if isinstance(found, dict) else found
        return out


@contextmanager
def serving_graphql(node: GraphNode, tamper: Callable[[dict[str, Any]], None] | None = None) -> Iterator[str]:
    """``node`` answering GraphQL POSTs on a loopback port; yields the endpoint's URL. ``tamper``
    may change each answer (as JSON values) before it is sent: a lying graph node."""

    class Answer(Handler):
        def do_POST(self) -> None:
            body = self.request_body()
            answer = node.answer(json.loads(body))
            if tamper is not None:
                tamper(answer)
            self.answer(200, json.dumps(answer).encode())

    with serving(Answer) as url:
        yield url + "/subgraphs/name/sahara/market"
