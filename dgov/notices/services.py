"""Every write of notices: sending one (in-site, plus SMS/email after commit) and marking as read.

Marking as read is not written to the audit trail: it changes nothing but the reader's own inbox,
and a row per click would drown the trail. Sending is recorded by the service that decides to send.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.core.commit import after_commit
from dgov.core.errors import ApplicationError
from dgov.core.logging import redact
from dgov.core.masking import mask_email, mask_phone
from dgov.notices.backends import get_backend
from dgov.notices.models import URL_MAX_LENGTH, Delivery, Notice, is_local_path

logger = logging.getLogger("dgov.notices")

SITE = "site"
CHANNELS = frozenset({SITE, *Delivery.Channel.values})
# SMS gateways split long messages; keep one notice to about two segments.
SMS_MAX_CHARS = 140


def notice_send(
    *,
    recipient: User,
    subject: str,
    body: str,
    url: str = "",
    kind: str = Notice.Kind.SYSTEM,
    channels: Iterable[str] = (SITE,),
) -> Notice:
    """Write a notice in the caller's transaction; its SMS/email copies are sent once that commits.

    The notice is always kept in the recipient's list (``"site"``); ``"sms"`` and ``"email"`` add
    copies. A gateway failure is recorded as a failed Delivery and never raised to the caller.
    ``url`` must be a path on this site (``/cases/12/``)."""
    wanted = list(dict.fromkeys(channels))
    unknown = sorted(set(wanted) - CHANNELS)
    if unknown:
        raise ApplicationError(
            _("Unknown notice channels: %(channels)s.") % {"channels": ", ".join(unknown)}, code="invalid_channel"
        )
    if kind not in Notice.Kind.values:
        raise ApplicationError(_("Unknown notice kind: %(kind)s.") % {"kind": kind}, code="invalid_kind")
    if url and (len(url) > URL_MAX_LENGTH or not is_local_path(url)):
        raise ApplicationError(_("A notice links only to a path on this site."), code="invalid_url")
    subject = " ".join((subject or "").split())[:200]
    if not subject:
        raise ApplicationError(_("A notice needs a subject."), code="subject_required")
    notice = Notice.objects.create(recipient=recipient, kind=kind, subject=subject, body=body or "", url=url)
    for channel in wanted:
        if channel != SITE:
            # After the caller's commit (at once outside a transaction), as a Celery task: in a
            # worker when a broker is configured (a slow SMS gateway never holds a web request),
            # in-process in the embedded default. Robust: a failure to queue is logged, never
            # raised into the committing code.
            after_commit(_queue_delivery, notice.pk, channel)
    return notice


def _queue_delivery(notice_id: int, channel: str) -> None:
    from dgov.notices.tasks import deliver

    deliver.delay(notice_id, channel)


def _link(notice: Notice) -> str:
    return f"{settings.DGOV_BASE_URL}{notice.url}" if notice.url else ""


def notice_deliver(*, notice_id: int, channel: str) -> Delivery | None:
    """Send one copy of a notice through the backend and record the attempt; never raises."""
    try:
        notice = Notice.objects.select_related("recipient").get(pk=notice_id)
    except Notice.DoesNotExist:
        logger.warning("Notice %s no longer exists; its %s copy was not sent.", notice_id, channel)
        return None
    address, error, raw = "", "", ""
    try:
        recipient = notice.recipient
        if channel == Delivery.Channel.SMS:
            # The phone is decrypted here, only to hand to the gateway; only its masked form is kept.
            phone = raw = recipient.phone
            address = mask_phone(phone)
            if not phone:
                error = _("No mobile number on file.")
            else:
                text = " ".join(part for part in (notice.subject, _link(notice)) if part)
                get_backend().send_sms(phone=phone, text=text[:SMS_MAX_CHARS])
        elif channel == Delivery.Channel.EMAIL:
            email = raw = recipient.email
            address = mask_email(email) if email else ""
            if not email:
                error = _("No email address on file.")
            else:
                text = "\n\n".join(part for part in (notice.body, _link(notice)) if part)
                get_backend().send_email(address=email, subject=notice.subject, text=text)
        else:
            error = f"unknown channel {channel!r}"
    except Exception as exc:  # any gateway failure is recorded, not raised
        # Gateways like to repeat the number in their errors: keep it masked there too.
        message = f"{type(exc).__name__}: {exc}"
        error = redact(message.replace(raw, address) if raw else message)[:1000]
        logger.warning("Notice %s: %s delivery failed: %s", notice_id, channel, error)
    try:
        return Delivery.objects.create(
            notice=notice,
            channel=channel,
            status=Delivery.Status.FAILED if error else Delivery.Status.SENT,
            address=address[:100],
            error=error,
        )
    except Exception:
        logger.exception("Notice %s: could not record the %s delivery.", notice_id, channel)
        return None


def notice_mark_read(*, actor: Any, notice: Notice) -> Notice:
    """Mark one of actor's own notices as read (PermissionDenied for anyone else's); idempotent."""
    if not getattr(actor, "is_authenticated", False) or notice.recipient_id != actor.pk:
        raise PermissionDenied
    now = timezone.now()
    # Conditional: a second click (or a second tab) keeps the first read time.
    if Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now):
        notice.read_at = now
    elif notice.read_at is None:
        notice.refresh_from_db(fields=["read_at"])
    return notice


def notice_mark_all_read(*, actor: Any) -> int:
    """Mark all of actor's unread notices as read; returns how many changed."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    return Notice.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
