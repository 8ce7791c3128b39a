"""Everything that talks to an EVM chain: the local devnet, the client, and later contract bindings."""
