"""Review a migration statement by statement: the locks it takes, rewrites, data loss, steps that will fail on
the data that is there now, and statements that cannot run in a transaction.

Hazard kinds (stable vocabulary, used in JSON): access-exclusive-lock, write-blocking-lock, table-rewrite,
data-loss, fails-on-existing-data, fails-on-schema, blocking-index-build, constraint-without-not-valid,
non-transactional, backward-incompatible. Each says its basis: "observed" or "inferred".

Locks, rewrites, blocking index builds and statements refused in a transaction are observed: the migration runs
in a sandbox clone of the live schema, in one transaction rolled back (`trace.py`). The rules (`rules.py`)
fill what an empty clone cannot show, and stand alone when no trace could be taken.

Counts come from the live database with bounded queries inside one read-only transaction: exact counts up to
EXACT_COUNT_LIMIT rows (else the pg_class.reltuples estimate, said so), every data check under a
statement_timeout of CHECK_TIMEOUT (a check that times out is reported as unknown, never as safe). A table
created earlier in the same file carries no lock, rewrite or index hazard; data-dependent hazards are raised
only when the data present triggers them.
"""
