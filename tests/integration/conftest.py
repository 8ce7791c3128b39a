from collections.abc import Iterator

import pytest
from devchain import Env, deployed_devnet

from app.chain.devnet import find_anvil


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
