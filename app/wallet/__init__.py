"""The wallet: HD accounts, the encrypted keystore, signing, and (later) the transaction outbox."""
