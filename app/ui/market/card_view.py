"""An asset's card, rendered from Markdown and fetching nothing.

A card is text its publisher wrote: an image or stylesheet it names (``![x](https://tracker/…)``,
``file:///home/…``) would tell a remote host who is reading, or read the reader's own files into
the page. Markdown images become their alt text in words, and ``loadResource`` refuses every
resource anyway (an HTML ``<img>`` or stylesheet in the card), remote or local. Links are not
followed: the URL is shown on hover, never opened.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

MAX_CARD_CHARS = 64 * 1024  # the indexer's own limit; a longer card never reaches here
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)")


def without_images(markdown: str) -> str:
    """Markdown images as words (``[image not loaded: alt]``): Qt would draw a broken-image icon."""
    return IMAGE.sub(lambda m: f"*[image not loaded: {m.group(1) or m.group(2)}]*", markdown)


class CardView(QTextBrowser):
    """Read-only Markdown that loads no resource and follows no link."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MarketCard")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.refused: list[str] = []  # what the card asked for and did not get (tests read it)
        self.highlighted.connect(self._hover)
        self.document().setDocumentMargin(16)

    def loadResource(self, kind: int, name: QUrl) -> Any:
        self.refused.append(name.toString())
        return None

    def _hover(self, url: QUrl) -> None:
        self.setToolTip(f"Link (not opened from here): {url.toString()}" if not url.isEmpty() else "")

    def show_card(self, markdown: str, fallback: str) -> None:
        """The card, or ``fallback`` (plain words: why there is no card) when it is empty."""
        self.refused.clear()
        if markdown.strip():
            text = without_images(markdown[:MAX_CARD_CHARS])
            self.document().setMarkdown(text, QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
        else:
            self.setPlainText(fallback)
