"""Celery tasks of notices: SMS and e-mail copies go out in a worker, not in the web request."""

from __future__ import annotations

from celery import shared_task

from dgov.notices.services import notice_deliver


@shared_task(name="dgov.notices.deliver", ignore_result=True)
def deliver(notice_id: int, channel: str) -> None:
    """Send one copy of a notice (a failure is recorded as a failed Delivery, never raised)."""
    notice_deliver(notice_id=notice_id, channel=channel)
