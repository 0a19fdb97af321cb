"""How long a catalog session may wait, as a command chose it: kept apart from core.session, which imports the
driver, so that a command sets its limits before it connects without importing asyncpg (the browser sets them
before its first frame and connects after it, on its loader thread)."""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass

from .errors import DibsError

DURATION = re.compile(r"\s*(\d+)\s*(us|ms|s|min|h|d)?\s*")  # a PostgreSQL duration: 5s, 500ms, 1min, 30


@dataclass(frozen=True)
class SessionLimits:
    """How long a catalog session waits: for one lock, and for one statement (PostgreSQL durations)."""

    lock_timeout: str = "5s"
    statement_timeout: str | None = None  # None: scaled to the catalog (prepare_catalog_session)
    meta_schema: str = "public"
    sandbox: str = "auto"  # "embedded": sandboxes never on the live server (Settings.sandbox)
    sandbox_max_size: int = (
        1 << 30
    )  # bytes a sandbox on the live server may write (Settings.sandbox_max_size)

    def checked(self) -> SessionLimits:
        """The same limits, each duration validated (a typo in the config file is a one-line error)."""
        for name in ("lock_timeout", "statement_timeout"):
            value = getattr(self, name)
            if value is not None and not DURATION.fullmatch(value):
                raise DibsError(f"invalid {name} {value!r}", hint="use a duration such as 5s, 500ms or 1min")
        return self


_LIMITS: contextvars.ContextVar[SessionLimits] = contextvars.ContextVar("dibs_session_limits")


def current_limits() -> SessionLimits:
    """The limits the running command chose (see `use_limits`), else the defaults."""
    return _LIMITS.get(SessionLimits())


def use_limits(limits: SessionLimits) -> None:
    """Set the limits for what runs next in this context (a command sets them once, before its event loop)."""
    _LIMITS.set(limits.checked())
