"""Home's Get started: each card goes to its page; the labeling card tells the Label page's summary
of open work, the wallet card the wallet's state, and its button sets up or unlocks a wallet."""

from __future__ import annotations

from labeler_fakes import CampaignInfo, FakeService

from app.labeling.schema import TaskType
from app.ui.wallet.onboarding_dialog import OnboardingDialog

SAHARA = 10**18


def _home(make_shell, runtime):
    shell = make_shell(runtime, tray_available=True)
    shell.show()
    shell.window.set_page(0)
    return shell, shell.window.stack.widget(0).start


def test_the_cards_go_to_their_pages(make_shell, runtime) -> None:
    shell, start = _home(make_shell, runtime)
    start.label_card.button.click()
    assert shell.window.current_page() == 1
    start.studio_card.button.click()
    assert shell.window.current_page() == 2
    start.market_card.button.click()
    assert shell.window.current_page() == 3
    start.compute_card.button.click()
    assert shell.window.current_page() == 4


def test_the_compute_card_follows_the_worker(make_shell, runtime) -> None:
    shell, start = _home(make_shell, runtime)
    link = shell.compute
    assert start.compute_card.status.text() == link.state.text
    link.today_wei = 3 * SAHARA // 2
    link.today_changed.emit()
    assert start.compute_card.status.text() == f"{link.state.text} Earned today: 1.5 SAHARA."


def test_the_labeling_card_follows_the_label_page(make_shell, runtime, tmp_path, qtbot) -> None:
    shell, start = _home(make_shell, runtime)
    label_page = shell.label_page
    label_page.set_service(None, "Unlock your wallet to see campaigns and label for pay.")
    assert start.label_card.status.text() == "Unlock your wallet to see campaigns and label for pay."

    fake = FakeService(tmp_path)
    fake.campaigns_list = [
        CampaignInfo(1, "Digits", TaskType.IMAGE_CLASSIFICATION, reward_per_item=SAHARA // 20),
        CampaignInfo(2, "Signs", TaskType.BOUNDING_BOXES, reward_per_item=SAHARA // 2),
        CampaignInfo(3, "Done", TaskType.BOUNDING_BOXES, reward_per_item=SAHARA, batches_available=0),
    ]
    label_page.set_service(fake)
    qtbot.waitUntil(lambda: "work to claim" in start.label_card.status.text(), timeout=10000)
    assert start.label_card.status.text() == "2 campaigns with work to claim, up to 0.5 SAHARA per item."
    fake.campaigns_list = []
    label_page.refresh_campaigns()
    qtbot.waitUntil(lambda: start.label_card.status.text() == "No campaign has work to claim right now.")


def test_without_a_wallet_the_wallet_card_sets_one_up(make_shell, runtime, qtbot) -> None:
    shell, start = _home(make_shell, runtime)
    qtbot.waitUntil(lambda: shell.wallet.state == "none", timeout=10000)
    assert start.wallet_card.button.text() == "Set up a wallet"
    assert start.wallet_card.status.text().startswith("No wallet yet")
    start.wallet_card.button.click()
    assert shell.window.current_page() == 5
    dialogs = [d for d in shell.window.findChildren(OnboardingDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].reject()


def test_a_locked_wallet_shows_its_account(make_shell, runtime, qtbot) -> None:
    runtime.wallet.create(runtime.wallet.new_mnemonic(), "correct horse battery")
    runtime.wallet.lock()
    shell, start = _home(make_shell, runtime)
    qtbot.waitUntil(lambda: shell.wallet.state == "locked", timeout=10000)
    assert start.wallet_card.button.text() == "Unlock"
    assert start.wallet_card.status.text() == "Account 1 (locked)"


def test_developer_details_are_collapsed_on_a_newcomers_home(make_shell, runtime) -> None:
    shell, _start = _home(make_shell, runtime)
    home = shell.window.stack.widget(0)
    assert home.network_tile.isVisible() and home.block_tile.isVisible()
    for tile in (home.chain_tile, home.rpc_tile, home.data_tile, home.log_tile):
        assert not tile.isVisible(), "chain id, RPC endpoint, folders: behind Details"
    home.details_button.click()
    assert home.chain_tile.isVisible() and home.data_tile.isVisible()
    assert home.details_button.text() == "Hide details"
    home.details_button.click()
    assert not home.rpc_tile.isVisible()
