"""The development outbox (Django's file e-mail backend) keeps a copy of every message sent; erasure must reach
it. Production sends over SMTP and keeps no copy, so there this does nothing."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from takedowns.models import CaseState, Notice


def outbox_purge(markers: list[str]) -> int:
    """Delete the outbox messages that mention any of ``markers``, overwritten first."""
    folder = getattr(settings, "EMAIL_FILE_PATH", None)
    if not markers or not folder or not Path(folder).is_dir():
        return 0
    deleted = 0
    for path in Path(folder).iterdir():
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if any(marker in text for marker in markers):
            path.write_bytes(b"\0" * path.stat().st_size)
            path.unlink()
            deleted += 1
    return deleted


def outbox_purge_for_erased_notice(*, notice: Notice) -> int:
    """A message about an erased case sent after the erasure (the withdrawal, sent by a queued task) would sit
    in the outbox that the erasure already purged: purge again once it is sent."""
    case = notice.case
    if case.state != CaseState.ERASED:
        return 0
    markers = [m for m in (case.reference, *(n.reference for n in case.notices.all())) if m]
    return outbox_purge(markers)
