"""Celery tasks of the indicators: each calls a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from dgov.indicators import computation
from dgov.indicators.services import snapshots_take


@shared_task(name="dgov.indicators.snapshot", ignore_result=True)
def snapshot_yesterday() -> dict[str, int | str]:
    """The daily snapshot (config/celery.py, just after midnight): the day that has just ended."""
    report = snapshots_take(day=computation.today() - timedelta(days=1))
    return {"day": report.day.isoformat(), "snapshots": report.snapshots}
