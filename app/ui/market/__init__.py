"""The Marketplace page's views: browse and search (``browse_view``, ``filter_bar``), an asset
(``asset_view`` with ``card_view``, ``lineage_view`` and ``contributors_list``, filled by
``asset_reads``) and their wording. The page itself, which runs the reads and holds the back trail,
is ``app.ui.pages.marketplace``."""
