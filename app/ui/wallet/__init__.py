"""The Wallet page and its dialogs: onboarding, unlock, send, receive, confirm, reveal phrase.

The rules live in ``app.wallet`` (the onboarding state machine, ``tx_summary``, the outbox); these
modules render them and turn clicks into calls. ``WalletController`` is the one object the shell,
the status bar and the pages share.
"""
