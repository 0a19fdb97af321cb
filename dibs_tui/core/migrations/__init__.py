"""Migrations: the folder, the applied history, status, and applying pending migrations safely.

Forward only. `files.py` and `layouts.py` read the folder; `history.py` and `tool_histories.py` the server's
record; `status.py` puts them side by side; `apply*.py` and `segments.py` apply; `baseline.py` records without
running; `replay.py` shows what one migration changes.
"""
