"""Agent studio core: the graph document, its validation, the node library and the async executor.

Plain Python and asyncio only (no Qt): the canvas in ``app/ui/studio`` and ``sahara agent run``
both drive the same ``Executor`` and read the same events.
"""
