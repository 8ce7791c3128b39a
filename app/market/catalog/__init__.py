"""The market catalogue: every asset, offer and license on chain, indexed into SQLite and searchable.

``app.chain.indexer`` reads the logs (it is generic: any feature's events go through it), and this
package gives it the market's decoder (``decode``), its tables (``sink``), fetches each asset's
metadata (``metadata``) and embeds it (``semantic``), answers searches by words and by meaning
(``search``) and runs it all as one service
(``service.MarketIndexer``) that the composition root starts with the network's other services.
"""
