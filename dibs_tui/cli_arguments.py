"""The command line's grammar: every command's arguments and the parser that holds them (`build_parser`), and
`normalise`, which reads `dibs-tui [DSN]` as `dibs-tui open [DSN]`. Dispatch and error handling are in cli.py."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .core.terminal import columns

_DSN_HELP = (
    "PostgreSQL connection string (postgresql://user@host:port/db or 'host=... dbname=...'). "
    "Default: DATABASE_URL, then the libpq PG* variables, ~/.pgpass and service files. "
    "`open` and `schema` also read a SQLite file (app.db, .sqlite, .sqlite3, or sqlite:///path), read-only."
)


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high` (a negative count or age is a usage error)."""

    def parse(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high}")
        return int(text)

    return parse


def _duration(text: str) -> str:
    """An argparse type: a duration as a session takes it (5s, 500ms, 1min): `--lock-timeout '3 parsecs'`
    is a usage error naming its flag, not `invalid lock_timeout` after the config file was read."""
    from .core.errors import DibsError
    from .core.session_limits import SessionLimits

    try:
        SessionLimits(statement_timeout=text).checked()
    except DibsError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 5s, 500ms or 1min") from None
    return text


def _retry_wait(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")
    return value


def _add_dsn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dsn", nargs="?", metavar="DSN", help=_DSN_HELP)


def _add_schema_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schema",
        dest="schemas",
        action="append",
        metavar="NAME",
        help="only this PostgreSQL schema (repeatable); default: every non-system schema",
    )
    parser.add_argument(
        "--exclude-schema", dest="exclude_schemas", action="append", metavar="NAME", help="skip this schema"
    )


def _add_privileges(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--privileges",
        action="store_true",
        help="compare privileges too (GRANT/REVOKE on tables, columns, sequences, functions, schemas, types; "
        "default privileges); a role the target lacks is reported, never created",
    )


def _add_desired(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--desired",
        metavar="PATH_OR_DSN",
        action="append",
        help="the desired schema: a .sql file, a folder of .sql files (name order), a migrations folder "
        "(replayed from empty), or another database's DSN; default: `schema` in dibs-tui.toml",
    )


def _help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's own formatter, the terminal's width found as shutil finds it, without importing shutil."""
    return argparse.HelpFormatter(prog, width=columns() - 2)


class _CommandParser:
    """A command's parser, made when it is first used: a run uses one command, and making all fifteen was about
    3 ms of every start-up (each ArgumentParser looks its messages up in the locale's catalogs, on disk)."""

    def __init__(self, arguments: Callable[[argparse.ArgumentParser], None], **kwargs: Any) -> None:
        self._arguments = arguments
        self._kwargs = kwargs
        self._parser: argparse.ArgumentParser | None = None

    def __getattr__(self, name: str) -> Any:
        if self._parser is None:
            self._parser = argparse.ArgumentParser(formatter_class=_help_formatter, **self._kwargs)
            self._arguments(self._parser)
        return getattr(self._parser, name)

    def parse_known_args(
        self, args: list[str], namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """The command's words read around its options (`uses X --format json DSN`): argparse alone fills a
        command's optional positionals from the words before its first option and leaves a later DSN over."""
        parser = self.__getattr__("parse_known_intermixed_args")
        result: tuple[argparse.Namespace, list[str]] = parser(args, namespace)
        return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dibs-tui",
        formatter_class=_help_formatter,
        description="A terminal schema browser for PostgreSQL: explore tables, columns, constraints and "
        "their source locations; diff a desired schema against the live database; review and apply migrations.",
        epilog="Run `dibs-tui COMMAND --help` for a command's options. Without a command, opens the browser.",
    )
    parser.add_argument("--version", action="version", version=f"dibs-tui {__version__}")
    parser.add_argument(
        "--project-root",
        type=Path,
        metavar="PATH",
        help="where relative source paths resolve (default: the folder of dibs-tui.toml / pyproject.toml, "
        "else the git top level)",
    )
    # Not an ArgumentParser for the type checker: argparse only calls a command's parser, which it forwards.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)  # type: ignore[type-var]
    sub.add_parser(
        "open",
        help="open the full-screen browser (the default command)",
        description="Open the schema browser on DSN: tables, table cards with source lines and migrations, "
        "details, FK navigation, diff and migrations panes. Off a terminal, prints help instead.",
        arguments=_open_arguments,
    )
    sub.add_parser(
        "demo",
        help="open the browser on a demo database (embedded PostgreSQL + sample project)",
        description="Start the embedded PostgreSQL 18 server, build (once) a demo database from a sample "
        "SQL-first project with meta tables, source files, applied migrations, one pending migration and "
        "some drift, and open the browser on it. The server stops when the browser exits, unless --keep.",
        arguments=_demo_arguments,
    )
    sub.add_parser(
        "init",
        help="create the __dibs_* meta tables and record the current schema as migration 'initial'",
        description="Create __dibs_tables, __dibs_columns, __dibs_indices and __dibs_migrations if absent "
        "and snapshot the current schema as migration 'initial' in one transaction. With --schema, source "
        "locations and doc comments come from those SQL files. Idempotent; keeps _dibs_migrations history.",
        arguments=_init_arguments,
    )
    sub.add_parser(
        "schema",
        help="print the schema: \\d-like text, DDL, or JSON with provenance",
        description="Introspect the database and print it. --plain: human text like psql's \\d; --sql: DDL "
        "(highlighted on a terminal); --json: the whole model with provenance, stale and untracked meta.",
        arguments=_schema_arguments,
    )
    sub.add_parser(
        "diff",
        help="compare the desired schema with the live database; exit 0 in sync, 2 differences, 1 error",
        description="Load the desired schema into a shadow database, introspect both sides with the same "
        "queries and print the changes and the ordered SQL plan. Exit 0 in sync, 2 differences, 1 error.",
        arguments=_diff_arguments,
    )
    sub.add_parser(
        "check",
        help="CI drift gate: exit 0 in sync, 1 when the database differs from the desired schema",
        description="Like diff, printing a short summary; exit 0 in sync, 1 on drift or error.",
        arguments=_check_arguments,
    )
    sub.add_parser(
        "generate",
        help="write a migration from the diff: schema SQL plus __dibs_* meta updates",
        description="Diff, then write <migrations>/<YYYYMMDDHHMMSS>_<NAME>.sql holding the ordered schema "
        "statements followed by the __dibs_* upserts (source file, line, doc, created/modified-by). "
        "Without NAME a name is suggested from the changes. A statement the rows there now make fail (a SET NOT "
        "NULL over NULLs, a UNIQUE over duplicates) is said on stderr, counted. Exit status: 0 written; 1 error, "
        "nothing written; 4 written, but it fails on the live rows as they are now.",
        arguments=_generate_arguments,
    )
    sub.add_parser(
        "review",
        help="list each statement of a migration file with its hazards (locks, rewrites, data loss, ...)",
        description="Review FILE statement by statement against the live database: locks, rewrites, data "
        "loss with row counts, steps that fail on existing data, non-transactional statements. Locks, rewrites "
        "and index builds are observed: the migration runs in a sandbox clone of the live schema, in one "
        "transaction rolled back.",
        arguments=_review_arguments,
    )
    sub.add_parser(
        "migrate",
        help="apply pending migrations, segment by segment, each outcome recorded",
        description="Apply pending migrations in name order under an advisory lock "
        "(pg_advisory_lock(1684628083), 'dibs' in ASCII: a second migrate waits and says who holds it), "
        "with lock_timeout. A migration runs as segments, listed before it runs: one transaction of "
        "consecutive statements, or one statement that cannot run in a transaction (CREATE INDEX "
        "CONCURRENTLY, VACUUM, ...) alone; a BEGIN ... COMMIT block of the file stays one segment. A migration "
        "of one segment commits with its __dibs_migrations row or not at all; each segment of a longer one is "
        "recorded as it commits (__dibs_migration_segments), and a rerun resumes after the last committed "
        "segment while the committed segments are unchanged in the file (a fix to what failed is run as it is now). A failure stops, says which segments committed, which failed "
        "(PostgreSQL's message, detail, hint and position) and which did not run, and names an INVALID index "
        "left behind with the DROP INDEX CONCURRENTLY that removes it (it is not dropped for you: the DROP waits for "
        "what the build waited for). A concurrent index build prints its phase and progress "
        "(pg_stat_progress_create_index); a statement that hits lock_timeout is tried again with back-off "
        "(--lock-retries, --lock-retry-wait) and then reported with the backend that held the lock. Before anything runs, migrate refuses when the live "
        "schema changed since the first pending migration was reviewed (its .fingerprint record, written by review and "
        "generate), and proves the pending migrations on a sandbox clone of the live schema, compared with the "
        "desired schema when one is configured (--no-prove skips it, and says so). Exit status: 0 applied or nothing to "
        "do; 1 failed or refused with nothing of that migration kept; 3 a migration left partially applied.",
        arguments=_migrate_arguments,
    )
    sub.add_parser(
        "status",
        help="migrations: applied, pending, changed since applied, missing, squashed; exit 1 if pending or changed",
        description="Compare the migrations folder with the applied history (__dibs_migrations, "
        "_dibs_migrations, alembic_version, schema_migrations, flyway, sqlx, prisma).",
        arguments=_status_arguments,
    )
    sub.add_parser(
        "uses",
        help="what depends on a table, column, type, domain, sequence or function, transitively",
        description="Every object that uses OBJECT, as a tree: views and materialized views (with the "
        "columns they read), functions (SQL-standard bodies from pg_depend; PL/pgSQL and SQL bodies by the "
        "parser, marked 'found in body'), triggers, policies, foreign keys pointing in, indexes, defaults, "
        "generated columns and CHECKs, each with its source file:line when the meta tables know it. "
        "Exit 2 when OBJECT names nothing or more than one thing.",
        arguments=_uses_arguments,
    )
    sub.add_parser(
        "path",
        help="the shortest foreign-key paths between two tables, with the SELECT ... JOIN for each",
        description="Up to --limit chains of foreign keys from FROM to TO (either direction of each key), "
        "shortest first, each with a ready SELECT. FROM and TO the same table: the chains that leave it and "
        "come back (a self-reference, a cycle through other tables), each a self-join. Exit 1 when none "
        "joins them, 2 for an unknown table.",
        arguments=_path_arguments,
    )
    sub.add_parser(
        "lint",
        help="health checks for CI: unindexed FKs, missing keys, duplicate/unused indexes, docs, ...",
        description="FKs without a covering index, tables without a primary key, duplicate and redundant "
        "indexes, unused indexes (with the statistics' age), FK type mismatches, RLS without a policy, "
        "SECURITY DEFINER functions without a fixed search_path, sequences near exhaustion and missing "
        "documentation; each with why it matters, the SQL that fixes it and its source file:line. "
        "Exit 0 when nothing is at or above --fail-on, 1 otherwise.",
        arguments=_lint_arguments,
    )
    sub.add_parser(
        "history",
        help="which applied migrations created, changed or dropped a table or column; what a migration touched",
        description="The timeline of OBJECT (schema.table: every migration that created, modified or dropped "
        "it, with when it was applied and how long it took; schema.table.column: the migration that created it "
        "and the last that changed it), or with --migration NAME the tables and columns that migration touched, "
        "from the __dibs_* meta tables. Exit 2 for an unknown object or migration.",
        arguments=_history_arguments,
    )
    sub.add_parser(
        "export",
        help="the schema or a neighbourhood as a Mermaid erDiagram, Graphviz DOT or a Markdown data dictionary",
        description="Export every table (or the tables within --depth FK steps of --around) as a Mermaid "
        "erDiagram, a Graphviz digraph, or a Markdown data dictionary with the doc coverage summary.",
        arguments=_export_arguments,
    )
    return parser


def _open_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    _add_schema_filters(p)
    _add_desired(p)
    _add_session_limits(p)


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reset", action="store_true", help="rebuild the demo server, database and project")
    p.add_argument("--keep", action="store_true", help="leave the embedded server running on exit")
    p.add_argument(
        "--print", dest="print_only", action="store_true", help="build, print the DSN, do not open"
    )
    p.add_argument("--dir", type=Path, metavar="PATH", help="where the demo lives (default: user cache dir)")
    p.add_argument("--stop", action="store_true", help="stop a demo server left running by --keep, and exit")


def _init_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    p.add_argument(
        "--schema",
        dest="schema_paths",
        action="append",
        type=Path,
        metavar="PATH",
        help="desired SQL file/folder",
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before writing")
    p.add_argument("--baseline", metavar="VERSION", help="then record migrations up to VERSION as applied")
    p.add_argument("--migrations", type=Path, metavar="PATH", help="migrations folder (for --baseline)")


def _schema_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--plain", dest="format", action="store_const", const="plain", help="text (default)")
    fmt.add_argument("--sql", dest="format", action="store_const", const="sql", help="DDL")
    fmt.add_argument("--json", dest="format", action="store_const", const="json", help="JSON for scripts")
    _add_schema_filters(p)
    _add_session_limits(p)


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    _add_desired(p)
    p.add_argument("--format", choices=["text", "sql", "json"], default="text", help="output (default: text)")
    p.add_argument(
        "--accept-rename",
        action="append",
        metavar="OLD=NEW",
        help="treat table/column OLD as renamed to NEW ([schema.]table or [schema.]table.column)",
    )
    _add_privileges(p)
    _add_schema_filters(p)
    _add_session_limits(p)


def _check_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    _add_desired(p)
    _add_privileges(p)
    _add_schema_filters(p)
    _add_session_limits(p)


def _generate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", metavar="NAME", help="migration slug, e.g. add-email-verified-to-users")
    _add_dsn(p)
    _add_desired(p)
    p.add_argument("--migrations", type=Path, metavar="PATH", help="migrations folder")
    p.add_argument("--stdout", action="store_true", help="print the migration instead of writing it")
    p.add_argument("--accept-rename", action="append", metavar="OLD=NEW", help="as for diff")
    p.add_argument(
        "--concurrently",
        action="store_true",
        help="build and drop the indexes of tables that exist now with CREATE/DROP INDEX CONCURRENTLY, each "
        "run alone by migrate (writes go on during the build; the migration is no longer one transaction); "
        "`concurrent_indexes = true` in the config makes it the default",
    )
    _add_privileges(p)
    _add_session_limits(p)


def _review_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="a migration .sql file")
    _add_dsn(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument(
        "--no-trace",
        action="store_true",
        help="skip the sandbox trace: locks and rewrites are inferred from the statements' shapes only",
    )


def _migrate_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    p.add_argument("--migrations", type=Path, metavar="PATH", help="migrations folder")
    p.add_argument("--dry-run", action="store_true", help="review what would run, change nothing")
    p.add_argument("--yes", "-y", action="store_true", help="acknowledge hazards without asking")
    p.add_argument(
        "--allow-failing",
        action="store_true",
        help="start a migration even when its review counts rows there now that make a statement fail "
        "(refused otherwise: it would stop part way, or hold its locks until the failure)",
    )
    p.add_argument("--lock-timeout", metavar="DURATION", type=_duration, help="SET lock_timeout (default 5s)")
    _add_desired(p)
    p.add_argument(
        "--no-prove",
        action="store_true",
        help="apply without first proving the pending migrations on a sandbox clone of the live schema",
    )
    p.add_argument(
        "--lock-retries",
        type=_whole(0, 100),
        metavar="N",
        help="try a statement that hit lock_timeout again up to N times (default 3; 0: never)",
    )
    p.add_argument(
        "--lock-retry-wait",
        type=_retry_wait,
        metavar="SECONDS",
        help="wait before the first retry, doubled before each next one (default 2)",
    )
    p.add_argument(
        "--baseline",
        metavar="VERSION",
        help="record every migration up to VERSION (file name or number) as applied without running it",
    )


def _status_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    p.add_argument("--migrations", type=Path, metavar="PATH", help="migrations folder")
    _add_session_limits(p)


def _uses_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "object",
        metavar="OBJECT",
        help="schema.table, schema.table.column, schema.fn(argtypes), a type or sequence",
    )
    _add_dsn(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    _add_schema_filters(p)
    _add_session_limits(p)


def _path_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="FROM", help="[schema.]table")
    p.add_argument("target", metavar="TO", help="[schema.]table")
    _add_dsn(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--limit", type=_whole(1, 100), default=3, metavar="N", help="at most N paths (default 3)")
    _add_schema_filters(p)
    _add_session_limits(p)


def _lint_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument(
        "--fail-on", choices=["info", "warning", "error"], default="warning", help="default: warning"
    )
    p.add_argument(
        "--only", action="append", metavar="CHECK", help="only this check (repeatable), e.g. fk-without-index"
    )
    p.add_argument(
        "--write-fixes",
        action="store_true",
        help="write the fixes of the findings at or above --fail-on as a migration (review it, then migrate)",
    )
    p.add_argument("--migrations", type=Path, metavar="PATH", help="migrations folder (for --write-fixes)")
    p.add_argument(
        "--unused-after",
        type=_whole(0, 36500),
        default=7,
        metavar="DAYS",
        help="call an index unused only once the usage statistics have counted this many days (default 7: "
        "younger statistics have not seen a weekly job)",
    )
    _add_schema_filters(p)
    _add_session_limits(p)


def _history_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("object", nargs="?", metavar="OBJECT", help="schema.table or schema.table.column")
    _add_dsn(p)
    p.add_argument("--migration", metavar="NAME", help="what this applied migration touched")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _add_schema_filters(p)
    _add_session_limits(p)


def _export_arguments(p: argparse.ArgumentParser) -> None:
    _add_dsn(p)
    p.add_argument("--format", choices=["mermaid", "dot", "markdown"], required=True)
    p.add_argument("--around", metavar="TABLE", help="only this table's FK neighbourhood")
    p.add_argument(
        "--depth", type=int, choices=[1, 2, 3], default=1, help="FK steps around --around (default 1)"
    )
    p.add_argument("--output", type=Path, metavar="PATH", help="write here instead of standard output")
    _add_schema_filters(p)
    _add_session_limits(p)


def _add_session_limits(parser: argparse.ArgumentParser) -> None:
    """The bounds of a catalog session (core.session): a blocked read names who blocks it, and the whole
    catalog read waits for the lock to go (core/lock_wait.py)."""
    parser.add_argument(
        "--lock-timeout",
        metavar="DURATION",
        type=_duration,
        help="give up other reads waiting for a lock after this (default 5s); a catalog read says who holds "
        "the lock each 10 s and reads again once it is gone (queued 1s at most meanwhile)",
    )
    parser.add_argument(
        "--statement-timeout",
        metavar="DURATION",
        type=_duration,
        help="give up a catalog query after this (default 60s, more on a catalog whose pg_class passes 20 MB); "
        "when given, also a catalog read's whole wait for a lock",
    )


COMMANDS = tuple(
    "open demo init schema diff check generate review migrate status uses path lint export history".split()
)


def normalise(argv: list[str]) -> list[str]:
    """`dibs-tui [options] [DSN]` means `dibs-tui open [DSN]`."""
    # Skip global options (only --project-root takes a value) to find the first word.
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] in ("-h", "--help", "--version"):
            return argv
        i += 2 if argv[i] == "--project-root" else 1
    if i > len(argv):  # `--project-root` last, without its value: argparse says so (not `open` taken for it)
        return argv
    if i < len(argv) and argv[i] in COMMANDS:
        return argv
    if i + 1 < len(argv) and not argv[i + 1].startswith("-"):
        # Two words where `open` takes one DSN: the first is a command mistyped (`stauts DSN`), which argparse
        # reported as 'unrecognized arguments: DSN'.
        if argv[i + 1] in COMMANDS or any(
            c in argv[i] for c in ("://", "=", "@")
        ):  # never echoed: a password
            raise UnknownCommand("the command comes first, the DSN last: dibs-tui COMMAND [...] DSN")
        import difflib

        close = difflib.get_close_matches(argv[i], COMMANDS, n=1)
        maybe = f" (did you mean {close[0]}?)" if close else ""
        raise UnknownCommand(f"unknown command {argv[i]!r}{maybe}; the commands are: {', '.join(COMMANDS)}")
    return [*argv[:i], "open", *argv[i:]]


class UnknownCommand(ValueError):
    """A first word that is neither a command nor the browser's one DSN."""
