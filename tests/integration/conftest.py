import pytest

from app.chain.devnet import find_anvil


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def _require_anvil() -> None:
    if find_anvil() is None:
        pytest.fail("anvil is missing: run `make setup` (npm ci installs @foundry-rs/anvil)")
