"""Errors a user can act on. Each carries one clear message; the CLI and the UI show it without a traceback."""

from __future__ import annotations

from .terminal import safe


class DibsError(Exception):
    """Base for every error whose message is meant for the user as it is."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class ConnectError(DibsError):
    """The server could not be reached, refused us, or the database does not exist. `no_free_slot`: the
    server or the role's CONNECTION LIMIT has no session left (SQLSTATE 53300)."""

    def __init__(self, message: str, *, hint: str | None = None, no_free_slot: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.no_free_slot = no_free_slot


class EmbeddedServerError(DibsError):
    """The embedded PostgreSQL server could not be started or stopped."""


class ConfigError(DibsError):
    """dibs-tui.toml or [tool.dibs-tui] is malformed."""


class SourceError(DibsError):
    """A desired-schema SQL file is unreadable or does not parse; the message starts with file:line:col."""

    def __init__(self, file: str, line: int, column: int, message: str, *, hint: str | None = None) -> None:
        # Escaped here, where every refusal is written: a file of a desired folder named with a newline, or the
        # server's message quoting a name that holds one, would start a line of the error of its own.
        super().__init__(f"{safe(file)}:{line}:{column}: {safe(message)}", hint=hint)
        self.file = file
        self.line = line
        self.column = column
        self.detail = message


class PlanCycleError(DibsError):
    """The statements of a diff's plan depend on each other in a circle that no known move breaks: the message
    names the objects in the circle (never a guessed order that fails half-way)."""
