"""Everything that talks to an EVM chain: the local devnet, the client, and later contract bindings."""

from app.recursion import settle_recursion_limit

settle_recursion_limit()  # before eth_account (through web3) raises the limit: see app.recursion
