"""Runnable reproductions of the paper's experiments: ``python -m recipes.<name>``."""
