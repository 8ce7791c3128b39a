"""Labeling campaigns: task types, import/export, drafts, review and aggregation, the chain side."""
