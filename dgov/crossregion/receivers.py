"""Signal receivers: thin, each calls one service."""

from __future__ import annotations

from typing import Any

from dgov.crossregion.services.status import EVENT_OF_CASE_EVENT


def case_event_committed_received(
    sender: Any,
    *,
    case_id: int,
    kind: str,
    kinds: tuple[str, ...] = (),
    handed_over: bool | None = None,
    **kwargs: Any,
) -> None:
    """A case's events committed: a handed-over case reports them back to the receiving region."""
    wanted = [k for k in (kinds or (kind,)) if k in EVENT_OF_CASE_EVENT]
    if not wanted or handed_over is False:
        return
    from dgov.crossregion.models import InboundMessage, MessageKind
    from dgov.crossregion.services import status_report_for_case_event

    # Nearly every case was applied for here: one cheap question before looking for the handover.
    if not InboundMessage.objects.filter(case_id=case_id, kind=MessageKind.HANDOVER, status_code=201).exists():
        return
    for k in wanted:
        status_report_for_case_event(case_id=case_id, kind=k)
