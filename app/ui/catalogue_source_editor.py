"""Settings → Network → Catalogue source: where the marketplace's catalogue comes from on a network.

This app's indexer reads the market's events from the network's RPC; a network too large for that
can name a subgraph's GraphQL URL instead (``subgraph/`` in this repository, run by a graph node),
and ``app.market.subgraph_source`` reads it. The URL is checked in the settings model (http or https,
a host) and, like the studio's HTTP tool, may only reach public addresses unless the user lists the
networks it may reach (127.0.0.0/8 for a graph node on this computer). A refusal keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from app.ui.setting_change import change_setting
from app.ui.widgets import action_button, styled_label

if TYPE_CHECKING:
    from app.settings import NetworkConfig, Settings


INDEXER, SUBGRAPH = 0, 1


class CatalogueSourceEditor(QWidget):
    """The catalogue source of one network (the one selected in the network list)."""

    def __init__(self, settings: Settings, save: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings, self._save = settings, save
        self.network_name: str | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.title = styled_label("", "subtitle")
        column.addWidget(self.title)
        form = QFormLayout()
        self.choice = QComboBox()
        self.choice.addItems(["This app's indexer (reads the chain)", "A subgraph (The Graph)"])
        self.choice.setAccessibleName("Catalogue source")
        self.choice.currentIndexChanged.connect(lambda _i: self._enable())
        self.url_field = QLineEdit()
        self.url_field.setPlaceholderText("https://…/subgraphs/name/sahara/market")
        self.url_field.setAccessibleName("Subgraph URL")
        self.networks_field = QLineEdit()
        self.networks_field.setPlaceholderText("none: public addresses only (127.0.0.0/8 for this computer)")
        self.networks_field.setAccessibleName("Private networks the subgraph may reach")
        form.addRow("Catalogue source", self.choice)
        form.addRow("Subgraph URL", self.url_field)
        form.addRow("May reach", self.networks_field)
        column.addLayout(form)
        row = QHBoxLayout()
        self.status = styled_label("", "hint", wrap=True)
        self.save_button = action_button("Save catalogue source", self.save)
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        column.addLayout(row)

    def show_network(self, net: NetworkConfig | None) -> None:
        """Show ``net``'s source (nothing to edit without a network)."""
        self.network_name = None if net is None else net.name
        self.setEnabled(net is not None)
        self.status.setText("")
        if net is None:
            self.title.setText("Catalogue source")
            return
        self.title.setText(f"Catalogue source of '{net.name}'")
        self.choice.setCurrentIndex(SUBGRAPH if net.subgraph_url else INDEXER)
        self.url_field.setText(net.subgraph_url or "")
        self.networks_field.setText(", ".join(net.subgraph_networks))
        self._enable()

    def _enable(self) -> None:
        subgraph = self.choice.currentIndex() == SUBGRAPH
        self.url_field.setEnabled(subgraph)
        self.networks_field.setEnabled(subgraph)

    def save(self) -> None:
        """Check and save what is typed; a refusal says why and keeps the fields."""
        from app.settings import DEVNET

        nets = list(self._settings.networks)
        if not any(n.rpc_url is None for n in nets):
            nets.insert(0, DEVNET)
        net = next((n for n in nets if n.name == self.network_name), None)
        if net is None:
            return
        subgraph = self.choice.currentIndex() == SUBGRAPH
        url = self.url_field.text().strip() if subgraph else ""
        if subgraph and not url:
            self.status.setText("Type the subgraph's URL, or choose this app's indexer.")
            return
        networks = [n.strip() for n in self.networks_field.text().split(",") if n.strip()] if subgraph else []
        try:
            changed = net.with_subgraph(url or None, networks)
        except ValidationError as exc:
            self.status.setText(
                "Not saved: " + "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            )
            return
        networks = [changed if n is net else n for n in nets]
        if not change_setting(
            self._settings, "networks", networks, self._save, self.status.setText, "the catalogue source"
        ):
            return
        where = f"the subgraph at {url}" if url else "this app's indexer"
        self.status.setText(f"Saved: '{net.name}' takes its catalogue from {where} from its next connection.")
