"""Which blob store a command uses: its flag, else Settings > Storage, else the data folder."""

from __future__ import annotations

import argparse

import pytest

from app.cli.blob import open_cli_store
from app.cli.wallet import CliError
from app.settings import Settings, save_settings
from app.storage.gateway import GatewayStore
from app.storage.ipfs_rpc import IpfsRpcStore
from app.storage.local import LocalStore

NODE = "http://127.0.0.1:5001"


def _args(paths, ipfs_api: str | None = None, gateway: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(paths=paths, ipfs_api=ipfs_api, gateway=gateway)


def test_the_data_folder_without_flags_or_settings(paths) -> None:
    assert isinstance(open_cli_store(_args(paths)), LocalStore)


def test_the_settings_node_unless_a_flag_names_another_store(paths) -> None:
    save_settings(paths.settings_file, Settings(ipfs_api=NODE))
    store = open_cli_store(_args(paths))
    assert isinstance(store, IpfsRpcStore) and repr(store) == f"IpfsRpcStore('{NODE}')"
    other = "http://10.0.0.2:5001"
    assert repr(open_cli_store(_args(paths, ipfs_api=other))) == f"IpfsRpcStore('{other}')"
    assert isinstance(open_cli_store(_args(paths, gateway="https://ipfs.example")), GatewayStore)


def test_a_malformed_settings_url_is_named_in_the_error(paths) -> None:
    save_settings(paths.settings_file, Settings(ipfs_api="http://user:pw@127.0.0.1:5001"))
    with pytest.raises(CliError, match="Settings > Storage: put no user name") as caught:
        open_cli_store(_args(paths))
    assert "pw" not in str(caught.value)  # the URL's password is not echoed
