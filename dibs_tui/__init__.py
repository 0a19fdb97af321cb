"""dibs-tui: a terminal schema browser for PostgreSQL with provenance, diff and migrations."""

__version__ = "0.1.0"
