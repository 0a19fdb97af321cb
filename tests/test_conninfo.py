"""The connection-string parser reads what libpq reads: each case is compared with libpq's own
PQconninfoParse (through psycopg, a test dependency), and cases where libpq would print part of a password
get our own message, which quotes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg import ProgrammingError, pq
from psycopg.conninfo import conninfo_to_dict

from dibs_tui.core.conninfo import (
    KEYWORDS,
    looks_like_conninfo,
    parse_conninfo,
    password_from_file,
    read_service,
)
from dibs_tui.core.errors import ConnectError

SAME_AS_LIBPQ = [
    "host=h port=5433 dbname=app user=alice password=s3cret",
    "host = h   dbname= 'my db' user =u",
    r"password='it\'s a \\ secret' host=h",
    r"password=back\ slash\ space host=h",
    "password='' host=h",
    "host=h dbname=x=y",
    "host=/tmp port=5432 dbname=d",
    "host=h1,h2,h3 port=5432,5433,5434 target_session_attrs=read-write",
    "service=reporting dbname=other",
    "sslmode=verify-full sslrootcert=/etc/ca.pem sslcert=/c.pem sslkey=/k.pem host=db",
    "options='-c statement_timeout=5s -c search_path=a' application_name=me connect_timeout=3",
    "requiressl=1 host=h",
    "",
    "   ",
    "postgresql://",
    "postgresql://alice:s3cret@db.example:5432/app",
    "postgres://alice:p%40ss%2Fw%3Ard%3F%23%25@h/db?sslmode=require",
    "postgresql://u:pa?ss@h/db",
    "postgresql://u:a:b:c@h/db",
    "postgresql://h/db?user=bob&password=hunter2&application_name=x",
    "postgresql://[::1]:5432,h2/d",
    "postgresql://h1:5,h2:6,h3/d",
    "postgresql:///d?host=/tmp",
    "postgresql://%2Ftmp%2Fsock/d",
    "postgresql://h?dbname=x",
    "postgresql://h/",
    "postgresql://h/db?",
    "postgresql://h/db?sslmode=require&",
    "postgresql://h/db?ssl=true",
    "postgresql://u@h/my%20db",
    "postgresql://:@h/db",
    "postgresql://u:@h/db",
    "postgresql://h/d?options=-c%20a%3Db",
    "postgresql://h/d?service=svc",
]


def _libpq(text: str) -> dict[str, str]:
    return {k: v for k, v in conninfo_to_dict(text).items() if v is not None}


@pytest.mark.parametrize("text", SAME_AS_LIBPQ)
def test_reads_what_libpq_reads(text: str) -> None:
    assert parse_conninfo(text) == _libpq(text)


def test_knows_every_keyword_of_the_installed_libpq() -> None:
    assert {o.keyword.decode() for o in pq.Conninfo.get_defaults()} <= set(KEYWORDS)


@pytest.mark.parametrize(
    "text",
    [
        "host=h nosuch=1",
        "host=h dbname",
        "host=h password='open",
        "postgresql://h/db?nosuch=1",
        "postgresql://h/db?sslmode",
        "postgresql://h/db?a=b=c",
        "postgresql://[::1/db",
        "postgresql://[]/db",
        "postgresql://[::1]x/db",
        "postgresql://h/%zz",
    ],
)
def test_refuses_what_libpq_refuses(text: str) -> None:
    with pytest.raises(ProgrammingError):
        conninfo_to_dict(text)
    with pytest.raises(ConnectError):
        parse_conninfo(text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql://u:a%00SECRET@h/db", "SECRET"),  # libpq: forbidden value %00 in ... "a%00SECRET"
        ("postgresql://u:a%zSECRET@h/db", "SECRET"),  # libpq: invalid percent-encoded token "a%zSECRET"
        ("host=h password=two SECRET words", "SECRET"),  # libpq: missing "=" after "SECRET"
        ("host=h password=two SECRET=words", "SECRET"),  # libpq: invalid connection option "SECRET"
        ("postgresql://u:Ab@cdSECRET@h/db", "cdSECRET"),  # libpq: host "cdSECRET@h"
        ("postgresql://u:Xy/zSECRET@h/db", "zSECRET"),  # libpq: port "Xy", dbname "zSECRET@h/db"
    ],
)
def test_errors_never_quote_a_value(text: str, secret: str) -> None:
    with pytest.raises(ConnectError) as info:
        parse_conninfo(text)
    assert secret not in str(info.value)
    assert "SECRET" not in str(info.value)


def test_a_typo_in_a_keyword_gets_a_suggestion_without_echo() -> None:
    with pytest.raises(ConnectError, match="did you mean 'dbname'"):
        parse_conninfo("host=h dbnmae=x")


@pytest.mark.parametrize(
    ("query", "said", "hint"),
    [
        ("schema=public", "schema= in the connection URL's query is Prisma's option", "--schema NAME"),
        (
            "pgbouncer=true&connection_limit=1",
            "pgbouncer= in the connection URL's query is Prisma's",
            "direct URL",
        ),
        (
            "currentSchema=app",
            "currentSchema= in the connection URL's query is JDBC's option",
            "--schema NAME",
        ),
        ("sslmode=require&pool=5", "pool= in the connection URL's query is Rails' option", "no pool"),
    ],
)
def test_another_tools_option_in_a_url_is_named_with_what_to_do(query: str, said: str, hint: str) -> None:
    """A project's DATABASE_URL (read when no DSN is given) is often written for its ORM: libpq refuses its
    options as dibs-tui does, but says which one and what it means here."""
    with pytest.raises(ConnectError) as info:
        parse_conninfo(f"postgresql://u:pw@h/db?{query}")
    assert said in str(info.value) and "not libpq's: remove it" in str(info.value)
    assert hint in (info.value.hint or "")


def test_another_tools_option_name_in_key_value_pairs_is_not_named() -> None:
    """There, an unquoted password's second word lands where a keyword goes: never echoed, even a known one."""
    with pytest.raises(ConnectError) as info:
        parse_conninfo("host=h password=two schema=words")
    assert "schema" not in str(info.value) and "unknown connection option" in str(info.value)


def test_what_counts_as_a_connection_string() -> None:
    assert looks_like_conninfo("postgresql://h/db")
    assert looks_like_conninfo("service=reporting")
    assert looks_like_conninfo("host=h port=1")
    assert not looks_like_conninfo("db/schema.sql")
    assert not looks_like_conninfo("migrations:db/migrations")
    assert not looks_like_conninfo("weird=name.sql")


def test_service_file_rules(tmp_path: Path) -> None:
    first = tmp_path / "user.conf"
    first.write_text(
        "# comment\n[other]\nhost=nothere\n\n  [reporting]  \nhost=svc.example\nport=6001\n"
        "options=-c search_path=a,b\npassword=p=q #not a comment\n[next]\nhost=x\n"
    )
    sysdir = tmp_path / "etc"
    sysdir.mkdir()
    (sysdir / "pg_service.conf").write_text("[system]\ndbname=sysdb\n")
    env = {"PGSERVICEFILE": str(first), "PGSYSCONFDIR": str(sysdir)}
    assert read_service("reporting", env) == {
        "host": "svc.example",
        "port": "6001",
        "options": "-c search_path=a,b",
        "password": "p=q #not a comment",
    }
    assert read_service("system", env) == {"dbname": "sysdb"}
    with pytest.raises(ConnectError, match="service 'nope' is not defined"):
        read_service("nope", env)
    first.write_text("[bad]\nhost = spaced\n")
    with pytest.raises(ConnectError, match="line 2"):
        read_service("bad", env)
    first.write_text("[nested]\nservice=other\n")
    with pytest.raises(ConnectError, match="nested service"):
        read_service("nested", env)


def test_password_file_rules(tmp_path: Path) -> None:
    passfile = tmp_path / "pgpass"
    passfile.write_text(
        "# comment\nother:5432:*:*:nope\ndb.example:5432:app:alice:a\\:b\\\\c:d\n*:*:*:bob:star\nlocalhost:6000:*:carol:sock\n"
    )
    passfile.chmod(0o600)
    assert password_from_file(passfile, "db.example", 5432, "app", "alice") == "a:b\\c:d"
    assert password_from_file(passfile, "db.example", 5433, "app", "alice") is None
    assert password_from_file(passfile, "anywhere", 1, "x", "bob") == "star"
    assert password_from_file(passfile, "/tmp", 6000, "x", "carol") == "sock"
    passfile.chmod(0o644)  # libpq ignores a file others may read
    assert password_from_file(passfile, "anywhere", 1, "x", "bob") is None
