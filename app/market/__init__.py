"""The marketplace seen from Python: publishing encrypted assets, and reading what a license grants.

Plain Python and asyncio (no Qt): the GUI, ``sahara serve`` and tests call the same functions. The
seller's side of licensing (wrapping content keys for buyers) runs as a service in
``app.workers.key_delivery``; the buyer's side is ``access.py``.
"""
