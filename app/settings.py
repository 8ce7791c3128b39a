"""The app's settings: one typed pydantic model saved as one JSON file in the config folder.

Every setting is declared once here with its default and a description. A corrupt or invalid file
never stops the app: it is moved aside (kept for the user to inspect), defaults load, and the
``warning`` on the result tells the UI what happened so it can say so.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app import safe_json
from app.fileio import atomic_write_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


class NetworkConfig(BaseModel):
    """An EVM network the app can talk to. The local devnet has no fixed RPC: the app starts it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    rpc_url: str | None = Field(default=None, description="None for the embedded devnet")
    chain_id: int = Field(gt=0)
    subgraph_url: str | None = Field(
        default=None,
        max_length=2000,
        description="Catalogue source: None for this app's indexer, else a subgraph's GraphQL URL",
    )
    subgraph_networks: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="Non-public networks (CIDR) the subgraph URL may reach (127.0.0.0/8: a local graph node)",
    )

    def with_subgraph(self, url: str | None, networks: list[str]) -> NetworkConfig:
        """This network with another catalogue source, checked (``ValidationError`` says why)."""
        return NetworkConfig.model_validate(
            {**self.model_dump(), "subgraph_url": url, "subgraph_networks": networks}
        )

    @field_validator("subgraph_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        url = (url or "").strip() or None
        if url is not None and not re.match(r"https?://[^/\s]+", url):
            raise ValueError("the subgraph URL must start with http:// or https:// and name a host")
        return url

    @field_validator("subgraph_networks")
    @classmethod
    def _networks(cls, networks: list[str]) -> list[str]:
        for net in networks:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError as exc:
                raise ValueError(f"{net!r} is not a network such as 127.0.0.0/8 or 10.0.0.5") from exc
        return networks


DEVNET = NetworkConfig(name="devnet", rpc_url=None, chain_id=31337)

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
SAHARA = 10**18


class ComputeSettings(BaseModel):
    """The GPU worker: whether it runs, what it asks, and the owner's rules for when it may work
    (``app.compute.rules`` applies them; a rule whose probe is unknown here is shown unavailable)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    enabled: bool = Field(default=False, description="The worker runs while the app does")
    min_price_wei: int = Field(default=SAHARA // 100, ge=0, description="Take no job paying less")
    stake_wei: int = Field(default=100 * SAHARA, ge=0, description="Stake posted when registering")
    idle_rule: bool = Field(default=True, description="Work only after some minutes without input")
    idle_minutes: int = Field(default=5, ge=1, le=24 * 60)
    fullscreen_rule: bool = Field(default=True, description="Pause while a full-screen app is in front")
    battery_rule: bool = Field(default=True, description="Pause while on battery")
    temperature_rule: bool = Field(default=True, description="Pause when the GPU is hotter than this")
    max_temperature_c: int = Field(default=83, ge=40, le=110)
    schedule_rule: bool = Field(default=False, description="Work only between these hours")
    schedule_start: str = Field(default="22:00", pattern=HHMM)
    schedule_end: str = Field(default="08:00", pattern=HHMM)
    schedule_days: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: list(range(7)), description="0 is Monday"
    )
    vram_cap_mib: int = Field(default=0, ge=0, description="VRAM offered to jobs; 0: the whole GPU")


class Settings(BaseModel):
    """Everything the user can change, with defaults that give a working app on first start."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    schema_version: int = SCHEMA_VERSION
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Minimum level written to the log file"
    )
    theme: Literal["system", "light", "dark"] = Field(default="system", description="Colour scheme")
    close_to_tray: bool = Field(default=False, description="Closing the window keeps the app in the tray")
    active_network: str = Field(default=DEVNET.name, description="Name of the network in use")
    networks: list[NetworkConfig] = Field(default_factory=lambda: [DEVNET])
    window_geometry: str | None = Field(default=None, description="Base64 of the saved window geometry")
    last_page: int = Field(default=0, ge=0, description="Index of the page shown last")
    active_account: int = Field(default=0, ge=0, description="HD index of the wallet account in use")
    ipfs_api: str | None = Field(
        default=None, description="RPC API of the user's IPFS node; None keeps blobs in the data folder"
    )
    update_manifest_url: str | None = Field(
        default=None,
        description="Signed release manifest to check for updates (app.updates); None: never check",
    )
    compute: ComputeSettings = Field(default_factory=ComputeSettings, description="The GPU worker")

    def network(self) -> NetworkConfig:
        """The active network; falls back to the devnet if the name no longer exists."""
        for net in self.networks:
            if net.name == self.active_network:
                return net
        return DEVNET


@dataclass
class LoadedSettings:
    settings: Settings
    warning: str | None = None


def load_settings(path: Path) -> LoadedSettings:
    """Read settings from ``path``; a missing file gives defaults, a corrupt one is moved aside."""
    if not path.exists():
        return LoadedSettings(Settings())
    try:
        raw = safe_json.loads(path.read_text(encoding="utf-8"))
        return LoadedSettings(Settings.model_validate(raw))
    except (OSError, ValueError, ValidationError) as exc:  # ValueError: bad UTF-8, JSON or nesting
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.replace(aside)
            where = f"it was moved to {aside}"
        except OSError as move_exc:
            where = f"it could not be moved aside ({move_exc})"
        reason = str(exc).splitlines()[0]
        log.warning("settings file %s is unreadable (%s); defaults loaded, %s", path, reason, where)
        return LoadedSettings(
            Settings(),
            f"Your settings file could not be read ({reason}). Defaults are in use; {where}.",
        )


def save_settings(path: Path, settings: Settings) -> None:
    """Write settings atomically so a crash mid-save never corrupts the file."""
    atomic_write_text(path, settings.model_dump_json(indent=2) + "\n")
