"""Label: the labeling workspace's page, honest until the workspace lands."""

from __future__ import annotations

from app.ui.pages.empty_state import EmptyStatePage
from app.ui.theme import Colors


class LabelPage(EmptyStatePage):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Label",
            "Label data for pay, or turn your own files into a reviewed dataset.",
            icon="tag",
            headline="Labeling campaigns arrive with the labeling workspace",
            body=(
                "There are no campaigns to show yet: the labeling workspace is not part of the app so far. "
                "When it lands, campaigns are read from the chain's TaskBoard, so what you see here will "
                "always be real, funded work."
            ),
            plans=[
                "Pick an open campaign and label its items with the keyboard, one key per answer.",
                "Get paid in tokens for every accepted item; acceptance and payment are recorded on-chain.",
                "Requesters: create a campaign from your files, fund its rewards, and get a reviewed "
                "dataset back.",
            ],
            colors=colors,
        )
