"""The node library: one module per node type, each registered with ``app.studio.registry.register``.

Every module here is imported when the registry is first used; none needs listing anywhere.
"""
