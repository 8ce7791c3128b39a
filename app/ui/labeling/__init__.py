"""The labeling workspace, labeler side: campaigns, instructions, the keyboard-first labeling view
with prefetch and a tiled image canvas, and earnings. ``app.ui.pages.label`` puts it together."""
