"""Fakes for the requester's side of the labeling workspace: a folder of real images made with
Pillow, and a ``LabelingService`` stand-in with the calls the wizard and the monitor make."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from app.labeling.campaign_list import CampaignInfo
from app.labeling.campaign_spec import CampaignSpec
from app.labeling.formats import ImportProblem
from app.labeling.monitor import FlaggedItem, LabelerStats, MonitorStats
from app.labeling.schema import TaskType

ME = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
SOMEONE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
LABELERS = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"]
SAHARA = 10**18


def campaign(campaign_id: int, title: str, task: TaskType, **terms: Any) -> CampaignInfo:
    """A ``CampaignInfo`` of the real type with ordinary terms; ``terms`` override them."""
    fields: dict[str, Any] = {
        "requester": ME, "manifest_cid": f"bafy-{campaign_id}", "item_count": 20,
        "reward_per_item": 5 * 10**16, "redundancy": 1, "batch_size": 5, "batches_available": 4, "open": True,
        "escrow": SAHARA,
        "review_window_s": 3 * 86400, "claim_ttl_s": 3600, "min_reputation": 0, "requester_reviewed": 0,
        "requester_accept_rate": None,
    }  # fmt: skip
    return CampaignInfo(campaign_id=campaign_id, title=title, task_type=task, **(fields | terms))


def image_folder(root: Path, classes: dict[str, int], *, broken: int = 0) -> Path:
    """``root/<class>/<n>.png`` real PNGs (a shape per class), and ``broken`` files that are not images."""
    root.mkdir(parents=True, exist_ok=True)
    for k, (name, count) in enumerate(classes.items()):
        (root / name).mkdir(exist_ok=True)
        for n in range(count):
            image = Image.new("RGB", (32, 24), (255, 255, 255))
            ImageDraw.Draw(image).ellipse((4 + k, 4, 20 + n % 8, 20), fill=(40 * k % 255, 90, 160))
            image.save(root / name / f"{n}.png")
    first = next(iter(classes))
    for n in range(broken):
        (root / first / f"broken{n}.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    return root


def stats_for(campaign_id: int) -> MonitorStats:
    return MonitorStats(
        campaign_id=campaign_id,
        items=40,
        labeled=50,
        reviewed_batches=8,
        submitted_batches=10,
        cost_so_far=2 * SAHARA,
        agreement=0.87,
        labelers=[
            LabelerStats(LABELERS[0], 6, 29, 1, 0.95),
            LabelerStats(LABELERS[1], 4, 15, 5, 0.6),
        ],
        flagged=[FlaggedItem("digits/0007.png", "7", 0.5, 2), FlaggedItem("digits/0031.png", None, 0.34, 3)],
    )


@dataclass
class FakeRequesterService:
    """What the requester's UI calls on ``LabelingService``; records calls, fails on request."""

    campaigns_list: list[CampaignInfo] = field(default_factory=list)
    address: str = ME
    create_error: Exception | None = None
    close_error: Exception | None = None
    upload_problems: list[ImportProblem] = field(default_factory=list)
    created: list[CampaignSpec] = field(default_factory=list)
    progress_seen: list[tuple[str, float]] = field(default_factory=list)
    exported: list[tuple[int, str, Path]] = field(default_factory=list)
    published: list[tuple[int, int]] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None  # set by a test to hold create_campaign until it says so
    stats: Callable[[int], MonitorStats] = stats_for

    async def campaigns(self) -> list[CampaignInfo]:
        self.calls.append("campaigns")
        await asyncio.sleep(0)
        return list(self.campaigns_list)

    async def open_claims(self) -> list[Any]:
        """The labeler's side asks too when the Label page gets the service."""
        return []

    async def create_campaign(
        self, spec: CampaignSpec, *, progress: Any = None
    ) -> tuple[int, list[ImportProblem]]:
        self.calls.append("create_campaign")
        for i, stage in enumerate(["Uploading images", "Uploading the manifest", "Funding the campaign"]):
            if progress is not None:
                progress(stage, i / 3)
                self.progress_seen.append((stage, i / 3))
            await asyncio.sleep(0)
            if self.gate is not None:
                await self.gate.wait()
        if self.create_error is not None:
            raise self.create_error
        self.created.append(spec)
        campaign_id = 100 + len(self.created)
        self.campaigns_list.append(
            campaign(
                campaign_id,
                spec.title,
                spec.task_type,
                reward_per_item=spec.reward_per_item,
                batch_size=spec.batch_size,
                item_count=len(spec.items),
                redundancy=spec.redundancy,
                requester=self.address,
                escrow=len(spec.items) * spec.redundancy * spec.reward_per_item,
            )
        )
        return campaign_id, list(self.upload_problems)

    async def monitor(self, campaign_id: int) -> MonitorStats:
        self.calls.append(f"monitor {campaign_id}")
        await asyncio.sleep(0)
        return self.stats(campaign_id)

    async def export(self, campaign_id: int, fmt: str, dest: Path) -> list[Path]:
        self.calls.append(f"export {campaign_id} {fmt}")
        await asyncio.sleep(0)
        self.exported.append((campaign_id, fmt, dest))
        dest.mkdir(parents=True, exist_ok=True)
        files = [dest / "annotations.json", dest / "images" / "a.png"]
        return files

    async def publish_dataset(self, campaign_id: int, *, price: int) -> int:
        self.calls.append(f"publish {campaign_id}")
        await asyncio.sleep(0)
        self.published.append((campaign_id, price))
        return 42

    async def close(self, campaign_id: int) -> str:
        self.calls.append(f"close {campaign_id}")
        await asyncio.sleep(0)
        if self.close_error is not None:
            raise self.close_error
        self.closed.append(campaign_id)
        self.campaigns_list = [
            replace(c, open=False, escrow=0) if c.campaign_id == campaign_id else c
            for c in self.campaigns_list
        ]
        return "0x" + "ef" * 32


def my_campaigns() -> list[CampaignInfo]:
    return [
        campaign(3, "Handwritten digits 0–9", TaskType.IMAGE_CLASSIFICATION, item_count=40, redundancy=2,
                 escrow=3 * SAHARA),
        campaign(4, "Street signs", TaskType.BOUNDING_BOXES, requester=SOMEONE),
        campaign(2, "Old tickets", TaskType.TEXT_CLASSIFICATION, requester=ME.lower(), open=False, escrow=0),
    ]  # fmt: skip
