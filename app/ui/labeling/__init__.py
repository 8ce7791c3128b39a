"""The labeling workspace, in three parts by who uses them: ``labeler/`` (the keyboard-first
labeling view with prefetch and a tiled image canvas, the batch flow, earnings, approvals),
``requester/`` (the "New campaign" wizard, the requester panel, the campaign monitor) and, here,
what both see (the campaign list and detail, the locked-wallet card, tables, words, "are you sure?"
boxes). ``app.ui.pages.label`` puts them together."""
