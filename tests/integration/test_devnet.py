"""The embedded devnet on a real anvil: start, attach, stop, restart, kill -9, watchdog, reset."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from app.chain.devnet import CLI_OWNER, Devnet, DevnetEvent, DevnetInfo
from app.chain.jsonrpc import rpc_call

ADDRESS = "0x00000000000000000000000000000000000000aa"


def balance(info: DevnetInfo) -> int:
    return int(rpc_call(info.rpc_url, "eth_getBalance", [ADDRESS, "latest"]), 16)


def set_balance(info: DevnetInfo, wei: int) -> None:
    rpc_call(info.rpc_url, "anvil_setBalance", [ADDRESS, hex(wei)])


def wait_for_state_dump(devnet: Devnet, info: DevnetInfo, wei: int, timeout: float = 10) -> None:
    """--state-interval 1 dumps once a second; wait until anvil's dump holds the value we just set."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            accounts = json.loads(devnet.live_file.read_text())["accounts"]
            if int(accounts.get(ADDRESS, {}).get("balance", "0x0"), 16) == wei:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    raise AssertionError("anvil never dumped the state")


@pytest.fixture
def devnet(paths, devnets) -> Devnet:
    made = Devnet(paths.devnet, block_time=None)
    devnets.append(made)
    return made


def test_start_answers_on_loopback_and_stop_ends_the_process(devnet: Devnet) -> None:
    info = devnet.start()
    assert int(rpc_call(info.rpc_url, "eth_chainId"), 16) == 31337
    assert devnet.owned and devnet.status() == info
    assert json.loads(devnet.info_file.read_text())["port"] == info.port
    assert devnet.stop()
    assert not psutil.pid_exists(info.pid) or psutil.Process(info.pid).status() == psutil.STATUS_ZOMBIE
    assert devnet.status() is None and not devnet.info_file.exists()


def test_chain_state_survives_a_restart(devnet: Devnet) -> None:
    info = devnet.start()
    set_balance(info, 12345)
    devnet.stop()
    again = devnet.start()
    assert again.pid != info.pid
    assert balance(again) == 12345


def test_chain_state_survives_kill_9(devnet: Devnet) -> None:
    info = devnet.start()
    set_balance(info, 777)
    wait_for_state_dump(devnet, info, 777)
    os.kill(info.pid, signal.SIGKILL)
    devnet._proc.wait(timeout=5)
    assert devnet.status() is None
    again = devnet.start()
    assert balance(again) == 777


def test_second_instance_attaches_instead_of_starting_another(devnet: Devnet, paths, devnets) -> None:
    info = devnet.start()
    second = Devnet(paths.devnet, block_time=None, owner="app:1")
    devnets.append(second)
    assert second.start() == info
    assert not second.owned
    second.shutdown()  # not the owner: the node keeps running
    assert devnet.status() == info


def test_two_processes_starting_at_once_share_one_node(paths, devnets) -> None:
    script = (
        "import sys; from pathlib import Path; from app.chain.devnet import Devnet;"
        "print(Devnet(Path(sys.argv[1]), block_time=None, owner='cli').start().port)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(paths.devnet)], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    ports = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    devnets.append(Devnet(paths.devnet))
    assert len(ports) == 1
    assert len([p for p in psutil.process_iter(["name"]) if "anvil" in (p.info["name"] or "")]) >= 1


def test_orphaned_node_is_adopted_and_cli_node_is_not(devnet: Devnet, paths, devnets) -> None:
    dead_owner = Devnet(paths.devnet, block_time=None, owner="app:999999999")
    devnets.append(dead_owner)
    info = dead_owner.start()
    adopted = devnet.start()
    assert adopted.pid == info.pid and devnet.owned
    devnet.stop()

    cli = Devnet(paths.devnet, block_time=None, owner=CLI_OWNER)
    devnets.append(cli)
    cli_info = cli.start()
    app = Devnet(paths.devnet, block_time=None)
    app.start()
    assert not app.owned
    app.shutdown()
    assert cli.status() == cli_info  # the app does not stop a node the CLI started


def test_watchdog_restarts_a_killed_node_and_keeps_state(devnet: Devnet) -> None:
    events: list[DevnetEvent] = []
    restarted = threading.Event()

    def listen(event: DevnetEvent) -> None:
        events.append(event)
        if event.kind == "restarted":
            restarted.set()

    devnet.events.connect("changed", listen)
    info = devnet.start()
    set_balance(info, 4242)
    wait_for_state_dump(devnet, info, 4242)
    devnet.watch(interval=0.2)
    os.kill(info.pid, signal.SIGKILL)
    assert restarted.wait(timeout=30), [e.kind for e in events]
    new = devnet.info
    assert new is not None and new.pid != info.pid
    assert balance(new) == 4242
    assert [e.kind for e in events if e.kind in ("died", "restarted")] == ["died", "restarted"]
    devnet.shutdown()
    assert devnet.status() is None


def test_damaged_state_file_is_recovered_from_the_backup(devnet: Devnet) -> None:
    info = devnet.start()
    set_balance(info, 99)
    devnet.stop()  # a final snapshot, then SIGINT
    devnet.start()  # backs up the good state file on the way
    devnet.stop()
    devnet.live_file.unlink()
    devnet.state_file.write_text('{"block": {"number": "0x1"}, "accounts": {"truncated')
    again = devnet.start()
    assert balance(again) == 99
    assert list(devnet.folder.glob("state.json.damaged-*"))


def test_reset_gives_a_fresh_chain(devnet: Devnet) -> None:
    info = devnet.start()
    set_balance(info, 5)
    devnet.reset()
    assert not devnet.state_file.exists()
    assert balance(devnet.start()) == 0


def test_block_time_makes_blocks_tick(paths, devnets) -> None:
    ticking = Devnet(paths.devnet, block_time=0.5)
    devnets.append(ticking)
    info = ticking.start()
    first = int(rpc_call(info.rpc_url, "eth_blockNumber"), 16)
    time.sleep(1.6)
    assert int(rpc_call(info.rpc_url, "eth_blockNumber"), 16) >= first + 2
