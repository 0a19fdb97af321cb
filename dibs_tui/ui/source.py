"""Source locations as the UI shows them: the resolved path, whether it exists, and its file:// URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..core.editor import file_url
from ..core.model import SourceLocation


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    location: SourceLocation
    path: Path
    exists: bool
    url: str


def resolve(settings: Settings, location: SourceLocation) -> ResolvedSource:
    """Relative paths resolve against the project root; the URL is always absolute."""
    path = Path(location.file).expanduser()
    if not path.is_absolute():
        path = settings.project_root / path
    path = Path(str(path.resolve(strict=False)))
    return ResolvedSource(location, path, path.is_file(), file_url(path))
