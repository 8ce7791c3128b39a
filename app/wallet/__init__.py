"""The wallet: HD accounts, the encrypted keystore, signing, and (later) the transaction outbox."""

from app.recursion import settle_recursion_limit

settle_recursion_limit()  # eth_account raises the limit at import: see app.recursion
