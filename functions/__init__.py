"""Lambda functions: one folder each, holding only a thin handler module."""
