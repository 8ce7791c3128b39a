"""Typed ports: what a node takes and gives, and which wires between types make sense.

Every value that travels on a wire is a JSON value (text, number, bool, list, dict), so outputs can
be cached on disk, stored in traces and printed by the CLI without conversion. A ``tensor`` is nested
lists of numbers; an ``image`` is rows of pixel values (or a ``data:`` URL string).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

PORT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class PortType(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    JSON = "json"
    LIST = "list"
    IMAGE = "image"
    TENSOR = "tensor"
    ANY = "any"


# Which source types each target type also accepts, besides itself and ``any``.
_ALSO_ACCEPTS: dict[PortType, frozenset[PortType]] = {
    PortType.JSON: frozenset({PortType.TEXT, PortType.NUMBER, PortType.BOOL, PortType.LIST}),
    PortType.TENSOR: frozenset({PortType.LIST, PortType.IMAGE}),
    PortType.LIST: frozenset({PortType.TENSOR}),
}


def compatible(source: PortType, target: PortType) -> bool:
    """Whether an output of type ``source`` may feed an input of type ``target``."""
    if PortType.ANY in (source, target) or source == target:
        return True
    return source in _ALSO_ACCEPTS.get(target, frozenset())


@dataclass(frozen=True)
class Port:
    """One input or output of a node.

    ``required`` inputs must be wired (validation says so otherwise). An output that ``streams``
    emits tokens while its node runs; an input that ``accepts_stream`` receives them live (the node
    then gets a ``TokenStream`` instead of the final value).
    """

    name: str
    type: PortType = PortType.ANY
    required: bool = True
    streams: bool = False
    accepts_stream: bool = False
    description: str = ""


@dataclass(frozen=True)
class NodePorts:
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()
    _by_name: dict[tuple[bool, str], Port] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for port in self.inputs:
            self._by_name[(True, port.name)] = port
        for port in self.outputs:
            self._by_name[(False, port.name)] = port

    def input(self, name: str) -> Port | None:
        return self._by_name.get((True, name))

    def output(self, name: str) -> Port | None:
        return self._by_name.get((False, name))
