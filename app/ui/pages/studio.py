"""Studio: the no-code agent canvas's page, honest until the canvas lands."""

from __future__ import annotations

from app.ui.pages.empty_state import EmptyStatePage
from app.ui.theme import Colors


class StudioPage(EmptyStatePage):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Studio",
            "Build AI agents on a canvas, without writing code.",
            icon="flow-arrow",
            headline="The agent canvas arrives with Studio",
            body=(
                "You have no agents yet because the canvas is not part of the app so far. Agents you build "
                "will be stored on this computer until you choose to publish them."
            ),
            plans=[
                "Drag model, prompt and tool nodes onto a canvas and wire them together.",
                "Try the agent in a playground and inspect a trace of every step.",
                "Publish it to the marketplace with license terms; models it uses earn royalties.",
            ],
            colors=colors,
        )
