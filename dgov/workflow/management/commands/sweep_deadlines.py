"""Remind and supervise overdue tasks once (what Celery beat runs every 15 minutes); for cron or by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dgov.workflow.escalation import tasks_escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate overdue workflow tasks: a reminder once a task is overdue, supervision by the "
        "department's leaders when it is still open some working days later. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = tasks_escalate_overdue()
        for task_id, level, notified in report.escalated:
            self.stdout.write(f"task {task_id}: {level}, {notified} notified")
        self.stdout.write(
            "reminded {reminded}, supervised {supervised}, notices {notices}, "
            "nobody to notify {unnotified}, skipped {skipped}".format(**report.as_dict())
        )
        if report.more:
            self.stdout.write("more overdue tasks are left for the next run")
