"""The guard and the proof as the commands show them: `review` and `generate` record the live schema they saw,
`migrate` checks it, then proves the pending migrations on a clone before applying (core/proof_gate.py).
Every line goes through the caller's escaping `say`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.errors import DibsError
from ..core.migrations.apply_outcome import PendingMigration
from ..core.proof_gate import gate
from ..core.review_record import take_record


def _runnable_text(path: Path) -> str:
    """What migrate will run of the file (a sectioned file's up part), as the folder's reader finds it."""
    from ..core.migrations.pending_part import migration_file

    file = migration_file(path)
    return file.text if file is not None else path.read_text(encoding="utf-8")


async def record_review(target: ConnectionTarget, path: Path, settings: Settings) -> Path:
    """Write the live schema's fingerprint beside the migration; returns the record's path."""
    return await take_record(target, path, _runnable_text(path), settings.fingerprint_scope())


async def guard_and_prove(
    target: ConnectionTarget,
    pending: Sequence[PendingMigration],
    settings: Settings,
    desired: Sequence[str | Path],
    *,
    no_prove: bool,
    say: Callable[[str], None],
) -> None:
    """Refuse (DibsError) when the live schema moved since the first pending migration's review, or when the
    pending migrations fail on a clone or do not reach the desired schema; say what was found either way."""
    if not pending:
        return
    skipper = settings.proof_skipped_by(no_prove)
    found = await gate(target, pending, desired, settings.fingerprint_scope(), skip_proof_by=skipper)
    for line in found.lines():
        say(line)
    if found.moved:
        raise DibsError(
            found.refusal(),
            hint=f"review it again (dibs-tui review {pending[0].file.path}) to record the live schema as it is now",
        )
    if skipper is None and not found.proved:
        if found.proof is not None and found.proof.untried:
            raise DibsError(
                "refusing to apply: the proof could not try the pending migrations",
                hint="review them (dibs-tui review FILE), then apply without the proof (--no-prove)",
            )
        raise DibsError("refusing to apply: the proof failed", hint=found.not_proved_hint())
