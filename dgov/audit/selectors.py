"""Reading the audit trail: verification and the audit administrator's view."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dgov.audit.chain import Break, find_first_break
from dgov.audit.models import AuditEvent, ChainHead


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken: Break | None


def audit_chain_verify() -> ChainReport:
    """Check every row's digest and link, and that the chain head names the last row."""
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    count = 0

    def counted():  # type: ignore[no-untyped-def]
        nonlocal count
        for event in events:
            count += 1
            yield event

    broken = find_first_break(counted())
    if broken is None:
        head = ChainHead.objects.filter(id=1).first()
        last = AuditEvent.objects.order_by("-seq").first()
        if head is not None and (last is None or head.seq != last.seq or head.digest != last.digest):
            broken = Break(head.seq, _("the newest rows were removed (chain head points past the last row)"))
    return ChainReport(checked=count, broken=broken)


def audit_event_search(*, action: str = "", target_type: str = "", actor: str = "") -> QuerySet[AuditEvent]:
    """The trail, newest first, filtered. Access is decided by the caller's permission check."""
    qs = AuditEvent.objects.order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if actor:
        qs = qs.filter(actor_label=actor)
    return qs
