"""The labeler's side of the labeling workspace: claim a batch, label it with the keyboard (image,
text and box views, prefetch, pre-labels), submit it, see earnings and revoke signing approvals."""
