"""The hotline sweep once (what Celery beat runs every 15 minutes); for cron or by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dgov.hotline.services import tickets_close_unrated, tickets_escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate late 12345 tickets (reminder, supervision, report) and close replied tickets "
        "nobody could rate after the set days. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = tickets_escalate_overdue()
        for key, count in sorted(report.counts.items()):
            self.stdout.write(f"{key}: {count}")
        self.stdout.write(f"notices {report.notices}")
        self.stdout.write(f"closed unrated {tickets_close_unrated()}")
