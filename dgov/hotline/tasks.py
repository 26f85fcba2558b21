"""Celery tasks of the hotline: each calls a service."""

from __future__ import annotations

from celery import shared_task

from dgov.hotline.services import tickets_close_unrated, tickets_escalate_overdue


@shared_task(name="dgov.hotline.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """The periodic hotline sweep (config/celery.py): escalate late tickets, close old unrated ones."""
    report = tickets_escalate_overdue().as_dict()
    report["auto_closed"] = tickets_close_unrated()
    return report
