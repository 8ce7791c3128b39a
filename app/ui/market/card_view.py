"""An asset's card, rendered from Markdown and fetching nothing.

A card is text its publisher wrote: an image or stylesheet it names (``![x](https://tracker/…)``,
``file:///home/…``) would tell a remote host who is reading, or read the reader's own files into
the page. ``loadResource`` refuses every resource, remote or local, so an image shows as its alt
text; links are not followed (the URL is shown on hover, and copied on request, never opened).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

MAX_CARD_CHARS = 64 * 1024  # the indexer's own limit; a longer card never reaches here


class CardView(QTextBrowser):
    """Read-only Markdown that loads no resource and follows no link."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MarketCard")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.refused: list[str] = []  # what the card asked for and did not get (tests read it)
        self.highlighted.connect(self._hover)

    def loadResource(self, kind: int, name: QUrl) -> Any:
        self.refused.append(name.toString())
        return None

    def _hover(self, url: QUrl) -> None:
        self.setToolTip(f"Link (not opened from here): {url.toString()}" if not url.isEmpty() else "")

    def show_card(self, markdown: str, fallback: str) -> None:
        """The card, or ``fallback`` (plain words: why there is no card) when it is empty."""
        self.refused.clear()
        if markdown.strip():
            self.document().setMarkdown(
                markdown[:MAX_CARD_CHARS], QTextDocument.MarkdownFeature.MarkdownDialectGitHub
            )
        else:
            self.setPlainText(fallback)
