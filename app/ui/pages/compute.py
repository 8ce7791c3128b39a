"""Compute: the GPU worker's page, honest until the worker lands."""

from __future__ import annotations

from app.ui.pages.empty_state import EmptyStatePage
from app.ui.theme import Colors


class ComputePage(EmptyStatePage):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Compute",
            "Rent your GPU to the network while you are not using it.",
            icon="cpu",
            headline="GPU rental arrives with the worker",
            body=(
                "No jobs and no earnings are shown because the worker is not part of the app so far. "
                "That is also why Pause worker in the tray menu is greyed out."
            ),
            plans=[
                "Run inference and training jobs from the network while this computer is idle.",
                "Pause automatically when you are active, on battery, or in a full-screen app.",
                "Cap GPU and memory use, set a schedule, and see what each job paid.",
            ],
            colors=colors,
        )
