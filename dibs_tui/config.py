"""Project settings: `dibs-tui.toml`, or `[tool.dibs-tui]` in `pyproject.toml`, found from a folder upward.

Command-line flags beat the file; the file beats the defaults. Relative paths in the file are relative to the
file's folder, which is also the default project root (where relative `source_file` values resolve).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.conninfo import looks_like_conninfo
from .core.errors import ConfigError, DibsError

if TYPE_CHECKING:
    from .core.fingerprint import Scope
    from .core.session_limits import SessionLimits

CONFIG_FILE = "dibs-tui.toml"
_KNOWN_KEYS = {
    "database_url",
    "project_root",
    "schema",
    "migrations",
    "editor",
    "include_schemas",
    "exclude_schemas",
    "lock_timeout",
    "lock_retries",
    "lock_retry_wait",
    "exclude",
    "statement_timeout",
    "meta_schema",
    "prove",
    "concurrent_indexes",
    "sandbox",
    "sandbox_max_size",
}


@dataclass(frozen=True)
class Settings:
    """Everything a command may need to know about the project, merged from file and flags."""

    project_root: Path = field(default_factory=Path.cwd)
    config_file: Path | None = None
    database_url: str | None = None
    schema_paths: tuple[Path, ...] = ()  # desired schema: SQL files or folders
    schema_database: str | None = (
        None  # or another database (`schema = "postgresql://..."`), as --desired takes
    )
    migrations_dir: Path | None = None
    editor_template: str | None = None  # e.g. "nvim +{line} {file}"; beats the editor presets
    include_schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()  # `exclude`: schema.table globs the diff leaves out
    lock_timeout: str = "5s"  # migrate's DDL, and reads (a whole catalog read: see core.lock_wait)
    lock_retries: int = 3  # migrate: a statement that hit lock_timeout is tried again this often
    lock_retry_wait: float = 2.0  # seconds before the first retry, doubled before each next one
    # Catalog reads only (browse, schema, diff, status); None: 60 s, more on a big catalog (core.session)
    statement_timeout: str | None = None
    meta_schema: str = "public"  # where dibs keeps __dibs_* and where other tools' history tables are read
    prove: bool = True  # migrate and the Migrations pane prove pending migrations on a clone before applying
    concurrent_indexes: bool = False  # generate: indexes of live tables built and dropped CONCURRENTLY
    # Where desired schemas load and migrations are traced and proved: "auto" (the live server when the role
    # may create roles and databases there, else an embedded one) or "embedded" (never on the live server).
    sandbox: str = "auto"
    # Bytes a sandbox on the live server may write beyond its empty schema's, its load ended past them
    # (core/sandbox_bound.py). 1 GB: a schema's DDL and seed rows take megabytes, 16 kB per relation is allowed on
    # top, and a gigabyte of WAL is a burst a primary's disk and replicas take; a file that writes more on
    # purpose loads with a larger bound or on the embedded sandbox.
    sandbox_max_size: int = 1 << 30

    def session_limits(self) -> SessionLimits:
        """How long a catalog session may wait, and where its meta tables are (core.session)."""
        from .core.session_limits import SessionLimits

        return SessionLimits(
            self.lock_timeout, self.statement_timeout, self.meta_schema, self.sandbox, self.sandbox_max_size
        ).checked()

    def proof_skipped_by(self, no_prove: bool = False) -> str | None:
        """Who skips the proof before apply, as the screen says it: --no-prove, or the config file."""
        if no_prove:
            return "--no-prove"
        return None if self.prove else f"prove = false in {CONFIG_FILE}"

    def fingerprint_scope(self) -> Scope:
        """The part of the database the diff looks at, which the guard and the proof fingerprint too."""
        from .core.fingerprint import Scope

        return Scope(self.include_schemas, self.exclude_schemas, self.exclude_tables)

    def desired_spec(self, given: Sequence[str | Path] = ()) -> list[str | Path]:
        """The desired schema: what the command line named (`--desired`), else the config's `schema` paths;
        empty when neither names one (the CLI refuses that, the Diff pane says so)."""
        if given:
            return [str(x) for x in given]
        return [self.schema_database] if self.schema_database else list(self.schema_paths)

    def source_paths(self, desired: Sequence[str | Path]) -> list[Path]:
        """Where a generated migration's meta rows say each object is defined: the desired SQL files; when the
        desired side is another database or a migrations folder, the config's `schema` files."""
        return [Path(str(d)) for d in desired if Path(str(d)).exists()] or list(self.schema_paths)

    def resolve_migrations_dir(self) -> Path:
        """The configured folder, else `db/migrations`, else `migrations` (whichever exists, first wins)."""
        if self.migrations_dir is not None:
            return self.migrations_dir
        for candidate in ("db/migrations", "migrations"):
            if (self.project_root / candidate).is_dir():
                return self.project_root / candidate
        return self.project_root / "db" / "migrations"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Flags over file: only the overrides that were actually given (not None) apply."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest dibs-tui.toml or pyproject.toml with [tool.dibs-tui], searching upward from `start`."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate, _read_toml(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            section = (
                _read_toml(pyproject, unless_without=_MAY_HOLD_OUR_TABLE).get("tool", {}).get("dibs-tui")
            )
            if isinstance(section, dict):
                return pyproject, section
    return None


# Where a pyproject.toml may define [tool.dibs-tui]: the key `tool` (bare or quoted) before a dot and `dibs-tui`
# (a table's header or a dotted key), before `]` (a [tool] table, whose keys may name it) or before `=` (an
# inline table); or an escape, which could spell either name. A file without any is not parsed: a project
# listing dibs-tui among its dependencies, as most that use it do, has no section of ours.
_MAY_HOLD_OUR_TABLE = re.compile(rb"""tool["']?[ \t]*(?:\.[ \t]*["']?dibs-tui|\]|=)|\\[uU]""")


def _read_toml(path: Path, unless_without: re.Pattern[bytes] | None = None) -> dict[str, Any]:
    """The file's table; empty without parsing when `unless_without` finds nothing in it (tomllib's import
    and the parse were most of a start-up's settings)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    if unless_without is not None and not unless_without.search(data):
        return {}
    import tomllib  # only when there is a file to read: every command's start-up pays for imports

    try:
        return tomllib.loads(data.decode())
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start + 1})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_where(path, str(exc))) from None


def _where(path: Path, message: str) -> str:
    """tomllib's "Invalid value (at line 3, column 9)" as `file:3:9: Invalid value`, as an editor jumps to."""
    found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, flags=re.DOTALL)
    if found is None:
        return f"{path}: {message}"
    return f"{path}:{found[2]}:{found[3]}: {found[1]}"


# Variables that change where git looks for a repository: with one set, git itself is asked.
_GIT_DISCOVERY = ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM")


def _git_toplevel(start: Path) -> Path | None:
    """The work tree `start` is in: the nearest folder upward holding a `.git` (a folder, or a worktree's or
    submodule's file), where `git rev-parse --show-toplevel` looks, without a process of its own: every
    command's start-up paid a git run of about 5 ms before its first connection. The `.git` is not checked
    further: a broken one still names the project's root."""
    if any(os.environ.get(name) for name in _GIT_DISCOVERY):
        return _ask_git(start)
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _ask_git(start: Path) -> Path | None:
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(out.stdout.strip()) if out.stdout.strip() else None


def _text(path: Path, key: str, value: Any) -> str | None:
    """A setting that is text (a path, a URL, a duration, a name): a number or a list there is a mistake the
    file's author should hear of, not a value turned into text (`lock_timeout = 5` would have been 5 ms)."""
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{path}: {key} must be a string in quotes, not {type(value).__name__} {value!r}")


def _str_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{path}: {key} must be a string or a list of strings")


def _count(path: Path, key: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
        return value
    raise ConfigError(f"{path}: {key} must be a whole number from 0 to 100")


def _seconds(path: Path, key: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 3600:
        return float(value)
    raise ConfigError(f"{path}: {key} must be a number of seconds from 0 to 3600")


def _one_of(path: Path, key: str, value: Any, choices: tuple[str, ...]) -> str:
    if value in choices:
        return str(value)
    raise ConfigError(f"{path}: {key} must be one of {', '.join(repr(c) for c in choices)}, not {value!r}")


_SIZE = re.compile(r"\s*(\d+)\s*(kB|MB|GB|TB)\s*")
_SIZE_UNITS = {"kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}


def _size(path: Path, key: str, value: Any) -> int:
    """A size as PostgreSQL writes one ("500MB", "2GB"), in bytes: at least 1 MB."""
    found = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if found is None or int(found[1]) * _SIZE_UNITS[found[2]] < 1 << 20:
        raise ConfigError(
            f'{path}: {key} must be a size of 1MB or more in quotes, such as "2GB", not {value!r}'
        )
    return int(found[1]) * _SIZE_UNITS[found[2]]


def _bool(path: Path, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{path}: {key} must be true or false")


def _durations(path: Path, lock_timeout: str | None, statement_timeout: str | None) -> None:
    """The file's durations checked as it is read: `lock_timeout = "5 parsecs"` was said as `invalid
    lock_timeout` with no word of where it was written (a flag, the file)."""
    from .core.session_limits import SessionLimits

    try:
        SessionLimits(lock_timeout or "5s", statement_timeout).checked()
    except DibsError as exc:
        raise ConfigError(f"{path}: {exc.message}", hint=exc.hint) from None


_TEXT_KEYS = (
    "project_root",
    "migrations",
    "database_url",
    "editor",
    "lock_timeout",
    "statement_timeout",
    "meta_schema",
)


def load_settings(start: Path | None = None) -> Settings:
    """Settings from the nearest config file; without one, the git top level (else `start`) is the root."""
    start = (start or Path.cwd()).resolve()
    found = find_config(start)
    if found is None:
        return Settings(project_root=_git_toplevel(start) or start)
    path, data = found
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    base = path.parent
    text = {key: _text(path, key, data.get(key)) for key in _TEXT_KEYS}
    root = (base / text["project_root"]).resolve() if text["project_root"] is not None else base
    schema_items = _str_list(path, "schema", data.get("schema", []))
    databases = [item for item in schema_items if looks_like_conninfo(item)]
    if databases and len(schema_items) > 1:
        raise ConfigError(
            f"{path}: schema names one database, or SQL files and folders, not both (a database is the whole "
            "desired schema)"
        )
    schema = () if databases else tuple((base / p).resolve() for p in schema_items)
    migrations = (base / text["migrations"]).resolve() if text["migrations"] is not None else None
    _durations(path, text["lock_timeout"], text["statement_timeout"])
    return Settings(
        project_root=root,
        config_file=path,
        database_url=text["database_url"],
        schema_paths=schema,
        schema_database=databases[0] if databases else None,
        migrations_dir=migrations,
        editor_template=text["editor"],
        include_schemas=_str_list(path, "include_schemas", data.get("include_schemas", [])),
        exclude_schemas=_str_list(path, "exclude_schemas", data.get("exclude_schemas", [])),
        exclude_tables=_str_list(path, "exclude", data.get("exclude", [])),
        lock_timeout="5s" if text["lock_timeout"] is None else text["lock_timeout"],
        lock_retries=_count(path, "lock_retries", data.get("lock_retries", 3)),
        lock_retry_wait=_seconds(path, "lock_retry_wait", data.get("lock_retry_wait", 2.0)),
        statement_timeout=text["statement_timeout"],
        meta_schema="public" if text["meta_schema"] is None else text["meta_schema"],
        prove=_bool(path, "prove", data.get("prove", True)),
        concurrent_indexes=_bool(path, "concurrent_indexes", data.get("concurrent_indexes", False)),
        sandbox=_one_of(path, "sandbox", data.get("sandbox", "auto"), ("auto", "embedded")),
        sandbox_max_size=_size(path, "sandbox_max_size", data.get("sandbox_max_size", "1GB")),
    )
