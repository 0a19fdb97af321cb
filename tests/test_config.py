"""Project settings: found upward, dibs-tui.toml or [tool.dibs-tui], relative paths, clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.config import load_settings
from dibs_tui.core.errors import ConfigError
from tests.pg import run_sql


def test_dibs_toml_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "dibs-tui.toml").write_text(
        'schema = ["db/schema.sql"]\nmigrations = "db/migrations"\neditor = "nvim +{line} {file}"\n'
        'exclude_schemas = "audit"\nlock_timeout = "2s"\n'
    )
    nested = tmp_path / "src" / "deep"
    nested.mkdir(parents=True)
    settings = load_settings(nested)
    assert settings.project_root == tmp_path.resolve()
    assert settings.schema_paths == (tmp_path.resolve() / "db" / "schema.sql",)
    assert settings.resolve_migrations_dir() == tmp_path.resolve() / "db" / "migrations"
    assert settings.editor_template == "nvim +{line} {file}"
    assert settings.exclude_schemas == ("audit",)
    assert settings.lock_timeout == "2s"


def test_pyproject_section_and_flags_override(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n[tool.dibs-tui]\nproject_root = "app"\n')
    settings = load_settings(tmp_path)
    assert settings.project_root == (tmp_path / "app").resolve()
    assert settings.with_overrides(lock_timeout="9s", editor_template=None).lock_timeout == "9s"


def test_pyproject_without_section_is_skipped_and_git_root_is_default(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n')
    settings = load_settings(tmp_path)
    assert settings.config_file is None


def test_default_migrations_dir_prefers_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "dibs-tui.toml").write_text("")
    (tmp_path / "migrations").mkdir()
    assert load_settings(tmp_path).resolve_migrations_dir() == tmp_path.resolve() / "migrations"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema = [", "dibs-tui.toml"),
        ("colour = 'red'", r"unknown setting\(s\) colour"),
        ("schema = 3", "schema must"),
        ("schema = ['db/schema.sql', 'postgresql://h/db']", "schema names one database, or SQL files"),
        # a number or a list where text belongs: refused, not turned into text (nor a TypeError later)
        ("project_root = 5", "project_root must be a string in quotes, not int 5"),
        ("migrations = 5", "migrations must be a string"),
        ("database_url = 5", "database_url must be a string"),
        ("editor = ['vim']", "editor must be a string"),
        ("meta_schema = ['x']", "meta_schema must be a string"),
        ("lock_timeout = 5", "lock_timeout must be a string"),  # not 5 ms
        ("statement_timeout = true", "statement_timeout must be a string"),
        # a duration the session would refuse: said with the file it is written in, as it is read
        ("lock_timeout = '5 parsecs'", r"dibs-tui\.toml: invalid lock_timeout '5 parsecs'"),
        ("statement_timeout = '-5s'", r"dibs-tui\.toml: invalid statement_timeout '-5s'"),
        ("sandbox = 'live'", r"sandbox must be one of 'auto', 'embedded', not 'live'"),
        ("sandbox = true", r"sandbox must be one of 'auto', 'embedded', not True"),
        (
            "sandbox_max_size = 1024",
            r"sandbox_max_size must be a size of 1MB or more in quotes, such as \"2GB\"",
        ),
        ("sandbox_max_size = '2 parsecs'", "sandbox_max_size must be a size"),
        ("sandbox_max_size = '512kB'", "sandbox_max_size must be a size of 1MB or more"),
        # a syntax error says where, as file:line:col
        ("schema = 'a'\nx = [\n  1,,\n]\n", r"dibs-tui\.toml:3:5: "),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "dibs-tui.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)


def test_sandbox_max_size_is_read_as_postgresql_writes_a_size(tmp_path: Path) -> None:
    assert load_settings(tmp_path).session_limits().sandbox_max_size == 1 << 30
    (tmp_path / "dibs-tui.toml").write_text("sandbox_max_size = '20 GB'\n")
    assert load_settings(tmp_path).session_limits().sandbox_max_size == 20 << 30


def test_a_config_file_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dibs-tui.toml").write_bytes(b"schema = 'caf\xe9'\n")  # Latin-1, as an old editor saves it
    with pytest.raises(ConfigError, match=r"dibs-tui\.toml: not UTF-8 \(byte 14\)"):
        load_settings(tmp_path)


def test_source_paths_are_the_desired_files_else_the_configured_schema(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    configured = tmp_path / "db" / "schema.sql"
    configured.write_text("CREATE TABLE t (a int);\n")
    given = tmp_path / "other.sql"
    given.write_text("CREATE TABLE u (a int);\n")
    (tmp_path / "dibs-tui.toml").write_text('schema = ["db/schema.sql"]\n')
    settings = load_settings(tmp_path)
    assert settings.source_paths([str(given)]) == [given]
    # another database or a migrations folder: the meta rows point at the configured schema files
    assert settings.source_paths(["postgresql://u@h/d"]) == [configured]
    assert settings.source_paths([f"migrations:{tmp_path / 'db'}"]) == [configured]


def test_the_default_root_is_the_git_work_tree_a_folder_is_in(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "app" / "sql").mkdir(parents=True)
    (tmp_path / "worktree" / "db").mkdir(parents=True)
    (tmp_path / "worktree" / ".git").write_text("gitdir: ../repo/.git/worktrees/worktree\n")
    assert load_settings(tmp_path / "repo" / "app" / "sql").project_root == (tmp_path / "repo").resolve()
    assert load_settings(tmp_path / "worktree" / "db").project_root == (tmp_path / "worktree").resolve()


def test_another_projects_pyproject_is_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project\nname="not toml at all"\n')  # no section of ours
    assert load_settings(tmp_path).config_file is None
    (tmp_path / "pyproject.toml").write_text('[project\n[tool.dibs-tui]\nschema = "db"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml"):
        load_settings(tmp_path)


def test_a_project_depending_on_dibs_tui_has_no_section_to_parse(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project\nname = "app"\ndependencies = ["dibs-tui>=0.1"]\n[project.scripts]\ndibs-tui = "x"\n'
        "[tool.ruff]\nline-length = 100\n"
    )
    assert load_settings(tmp_path).config_file is None  # not parsed: broken, and no error


@pytest.mark.parametrize(
    "spelling",
    [
        '[ tool . "dibs-tui" ]\nschema = "db"\n',
        "['tool'.'dibs-tui']\nschema = 'db'\n",
        '[tool]\ndibs-tui.schema = "db"\n',
        '[tool]\n"dibs-tui" = { schema = "db" }\n',
        'tool.dibs-tui.schema = "db"\n',
        'tool = { dibs-tui = { schema = "db" } }\n',
        '["t\\u006fol".dibs-tui]\nschema = "db"\n',
    ],
)
def test_every_spelling_of_the_section_is_read(tmp_path: Path, spelling: str) -> None:
    (tmp_path / "pyproject.toml").write_text(spelling)
    assert load_settings(tmp_path).schema_paths == (tmp_path.resolve() / "db",)


def test_schema_may_name_a_database_as_desired_does(
    tmp_path: Path,
    db: str,
    new_database: Callable[[], str],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`schema = "postgresql://..."` was resolved as a file under the project ("desired schema not found:
    /project/postgresql:/u@h/db", a password in it printed too): it names the desired database, as --desired."""
    desired = new_database()
    run_sql(desired, "CREATE TABLE wanted (id int PRIMARY KEY);")
    (tmp_path / "dibs-tui.toml").write_text(f'schema = "{desired}"\n')
    settings = load_settings(tmp_path)
    assert settings.desired_spec() == [desired] and settings.schema_paths == ()
    monkeypatch.chdir(tmp_path)
    code = main(["check", db])
    out, err = capfd.readouterr()
    assert code == 1, out + err
    assert "wanted" in out and "not found" not in out + err
