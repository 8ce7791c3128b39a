from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_home import CliHome, cli_home
from devchain import Env, deployed_devnet

from app.chain.devnet import find_anvil
from app.paths import AppPaths


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def _require_anvil() -> None:
    if find_anvil() is None:
        pytest.fail("anvil is missing: run `make setup` (npm ci installs @foundry-rs/anvil)")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Env]:
    """A devnet with every contract deployed, shared by the tests of one module."""
    with deployed_devnet(tmp_path_factory.mktemp(request.module.__name__.removeprefix("test_"))) as deployed:
        yield deployed


@pytest.fixture
def cli(home: Path, paths: AppPaths, tmp_path: Path) -> Iterator[CliHome]:
    """A SAHARA_HOME with the devnet wallet (accounts 0 and 1) and `sahara devnet start` run in it."""
    with cli_home(home, paths, tmp_path) as made:
        yield made
