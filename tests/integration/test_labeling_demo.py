"""`sahara demo labeling` on a real devnet: a funded digits campaign from the demo requester, once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from test_cli import sahara

from app.labeling.demo import DEMO_ITEMS, DEMO_TITLE, REWARD_WEI, DemoRequester
from app.runtime import AppRuntime
from app.services import NetworkServices
from app.storage import open_store


def test_the_demo_campaign_is_created_once_and_labelable(home, paths) -> None:
    first = sahara("demo", "labeling", home=home)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("demo campaign 1 created")
    again = sahara("demo", "labeling", home=home)
    assert again.returncode == 0 and again.stdout.startswith("demo campaign 1 already open"), again.stderr

    async def read() -> tuple[object, object, bytes]:
        runtime = AppRuntime.open(paths)
        try:
            await runtime.start_network()
            await runtime.ensure_contracts()
            service = NetworkServices(runtime, lambda: open_store(runtime.paths)).labeling(DemoRequester())
            [campaign] = await service.campaigns()
            manifest = await service.manifest(campaign.campaign_id)
            return campaign, manifest, service.item_bytes(manifest.items[0])
        finally:
            await runtime.aclose()
            runtime.shutdown()

    campaign, manifest, first_image = asyncio.run(read())
    assert campaign.title == DEMO_TITLE and campaign.item_count == DEMO_ITEMS and campaign.open
    assert campaign.escrow == DEMO_ITEMS * REWARD_WEI
    assert campaign.requester == DemoRequester().address
    assert first_image.startswith(b"\x89PNG")
    assert len(manifest.items) == DEMO_ITEMS and manifest.label_set.names == [str(k) for k in range(10)]


def test_a_spent_demo_campaign_is_followed_by_one_of_the_next_digits(paths, tmp_path) -> None:
    """Once every batch is claimed, the demo seeds the next 100 digits (the same ones would make the
    same manifest, whose intent finds the spent campaign again)."""
    from test_labeling_service import wallet

    async def body() -> None:
        runtime = AppRuntime.open(paths)
        try:
            await runtime.start_network()
            await runtime.ensure_contracts()
            services = NetworkServices(runtime, lambda: open_store(runtime.paths))
            first = await services.seed_demo()
            assert first.created and (await services.seed_demo()) == replace(first, created=False)
            labeler = services.labeling(wallet(tmp_path / "labeler", 2))
            for _ in range(DEMO_ITEMS // 10):
                await labeler.claim(first.campaign_id)
            second = await services.seed_demo()
            assert second.created and second.campaign_id == first.campaign_id + 1
            manifest = await labeler.manifest(second.campaign_id)
            assert [manifest.items[0].id, manifest.items[-1].id] == ["digit-0100", "digit-0199"]
        finally:
            await runtime.aclose()
            runtime.shutdown()

    asyncio.run(body())
