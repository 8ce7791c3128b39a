"""Funding is checked before anything is uploaded: an account short of SAHARA is told how to get
some, and no image, manifest or gold set is stored for a campaign that could never be funded."""

from __future__ import annotations

from pathlib import Path

import pytest
from devchain import Chain, Env, acct, run
from sqlalchemy import select
from test_labeling_service import LABELS, REWARD, images, wallet

from app.db.models import LabelCampaign
from app.labeling.campaign_spec import CampaignError, CampaignSpec
from app.labeling.schema import Annotation, TaskType
from app.labeling.service import LabelingService
from app.storage.local import LocalStore

POOR = 6  # a devnet account with ETH for fees and (here) almost no SAHARA


def stored(store: LocalStore) -> list[Path]:
    return [p for p in (store.root / "objects").rglob("*") if p.is_file()]


def test_too_little_sahara_is_refused_before_any_upload(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    items = images(tmp_path / "pictures", 5)
    spec = CampaignSpec(
        title="Shapes", task_type=TaskType.IMAGE_CLASSIFICATION, label_set=LABELS, instructions="",
        items=items, gold={"img/0.png": Annotation(item_id="img/0.png", label="circle")},
        reward_per_item=REWARD, batch_size=3,
    )  # fmt: skip
    poor = wallet(tmp_path / "w", POOR)

    async def body(c: Chain) -> None:
        await c.fund(acct(POOR), REWARD)  # one item's worth; the campaign needs six
        service = LabelingService(c.client, c.outbox, c.deployment, store, env.sessions, poor)
        stages: list[str] = []
        with pytest.raises(CampaignError) as refused:
            await service.create_campaign(spec, progress=lambda s, f: stages.append(s))
        message = str(refused.value)
        assert "0.06 SAHARA" in message and "holds 0.01 SAHARA" in message
        assert "nothing was uploaded" in message and "Faucet button" in message
        assert "Uploading images" not in stages

    run(env, body)
    assert stored(store) == []
    with env.sessions() as session:
        assert session.scalars(select(LabelCampaign).filter_by(requester=acct(POOR).address)).all() == []
