"""All Qt code of Sahara Desktop. Nothing outside this package imports Qt (import-linter enforces it)."""
