"""A command's read sends its first queries before the model and the builder are imported: a fresh process
imports them on a thread while the server runs those queries, and the results that come in meanwhile wait for
the builder (core/introspect/read.py). The catalog is the very one read where the model was imported already."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys

import asyncpg

from dibs_tui.core.introspect.read import introspect
from tests.pg import run_sql
from tests.test_catalog import TRICKY
from tests.test_introspect_portions import ACROSS

# In a fresh interpreter: the builder's import held back 0.3 s (every early result arrives before the builder
# exists), relations in portions of two, two connections; whether the builder's module was there when the first
# statement went out, then the sha256 of the catalog's repr.
_FRESH_READ = """
import asyncio, hashlib, sys, time
import asyncpg
from dibs_tui.core import preimport
from dibs_tui.core.introspect import read

imported = preimport.import_on_this_thread

def slowly(name):
    time.sleep(0.3)
    return imported(name)

preimport.import_on_this_thread = slowly
read.PORTION_RELATIONS = 2
first = []
fetch = asyncpg.Connection.fetch

async def noting(self, *args, **kwargs):
    first.append(read.BUILDER in sys.modules)
    return await fetch(self, *args, **kwargs)

asyncpg.Connection.fetch = noting

async def main(dsn):
    conns = [await asyncpg.connect(dsn) for _ in range(2)]
    catalog = await read.introspect(conns[0], extra_connections=conns[1:])
    print(first[0], hashlib.sha256(repr(catalog).encode()).hexdigest())

asyncio.run(main(sys.argv[1]))
"""


def test_the_read_module_imports_neither_the_model_nor_the_builder() -> None:
    code = (
        "import sys, dibs_tui.core.introspect.read\n"
        "print(sorted(m for m in sys.modules if m.startswith(('dibs_tui.core.model', "
        "'dibs_tui.core.introspect.build', 'dibs_tui.core.introspect.objects'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["[]"]


async def _read(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return hashlib.sha256(repr(await introspect(conn)).encode()).hexdigest()
    finally:
        await conn.close()


def test_a_read_that_imports_its_builder_late_gives_the_same_catalog(db: str) -> None:
    run_sql(db, TRICKY + ACROSS)
    here = asyncio.run(_read(db))
    result = subprocess.run(
        [sys.executable, "-c", _FRESH_READ, db], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["False", here]
