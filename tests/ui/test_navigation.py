"""Sidebar clicks and Ctrl+1…7 switch pages; every page is honest about what exists."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.ui.shell import NAV

TITLES = ["Home", "Label", "Studio", "Marketplace", "Compute", "Wallet", "Settings"]


@pytest.fixture
def window(make_shell, runtime, qtbot):
    shell = make_shell(runtime)
    shell.show()
    qtbot.waitExposed(shell.window)
    return shell.window


def test_the_sidebar_lists_the_seven_pages_in_order(window) -> None:
    assert [entry.title for entry in NAV] == TITLES
    assert [b.accessibleName() for b in window.sidebar.buttons] == TITLES
    assert [window.stack.widget(i).title for i in range(window.stack.count())] == TITLES


def test_clicking_sidebar_buttons_switches_pages(window, qtbot) -> None:
    for index in [3, 1, 6, 0, 5, 2, 4]:
        qtbot.mouseClick(window.sidebar.buttons[index], Qt.MouseButton.LeftButton)
        assert window.current_page() == index
        assert window.sidebar.current() == index
        assert window.sidebar.buttons[index].isChecked()


def test_ctrl_number_switches_pages(window, qtbot) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    for index in [6, 2, 0, 4, 1, 5, 3]:
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{index + 1}"), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page() == index, f"Ctrl+{index + 1}"
        assert window.sidebar.current() == index


def test_pages_without_a_network_or_wallet_say_so_and_show_no_fake_data(window) -> None:
    wallet = window.stack.widget(5)
    assert not wallet.setup_card.isHidden() and wallet.setup_title.text() == "No wallet yet"
    assert wallet.content.isHidden(), "no balances or accounts without a wallet"
    market = window.stack.widget(3)
    assert market.title == "Marketplace"
    assert market.browse.empty.headline.text() == "The catalogue is not available yet"  # no network: says so
    label = window.stack.widget(1)
    assert label.title == "Label"
    assert "contracts are ready" in " ".join(
        w.text() for w in label.findChildren(QLabel) if w.isVisibleTo(label)
    )


def test_last_page_is_restored(make_shell, runtime, qtbot) -> None:
    runtime.settings.last_page = 4
    shell = make_shell(runtime)
    assert shell.window.current_page() == 4
    shell.window.set_page(2)
    shell.save_state()
    assert runtime.settings.last_page == 2


def test_the_label_page_asks_for_a_wallet_when_there_is_none(make_shell, runtime, qtbot) -> None:
    runtime.deployment = object()  # contracts found: only the wallet is missing
    shell = make_shell(runtime)
    shell.show()
    shell.start_services()
    qtbot.waitUntil(lambda: shell.wallet.state == "none", timeout=10000)
    shell._update_labeling()  # what the shell does once contracts are ready
    assert shell.label_page.unavailable_title.text().startswith("Set up a wallet")
