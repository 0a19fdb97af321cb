"""The explorer: what uses an object, the FK neighbourhood and paths, health findings, exports and history.

Everything here reads one `Catalog` (plus, for health, one set of statistics read in a few set-based
queries); nothing queries per table, and nothing imports Textual.
"""
