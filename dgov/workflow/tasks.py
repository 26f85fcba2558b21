"""Celery tasks of the workflow kernel: each takes ids (or nothing) and calls a service."""

from __future__ import annotations

from celery import shared_task

from dgov.workflow.escalation import tasks_escalate_overdue


@shared_task(name="dgov.workflow.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> dict[str, int | bool]:
    """The periodic deadline sweep (config/celery.py schedules it)."""
    return tasks_escalate_overdue().as_dict()
