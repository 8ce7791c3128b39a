"""Long-running services (key delivery; later the indexer, auto-review, the GPU worker).

Each is plain asyncio with an ``async def run(...)`` that loops until cancelled, so the GUI (on its
qasync loop) and ``sahara serve`` (headless) start the very same code. No Qt here.
"""
