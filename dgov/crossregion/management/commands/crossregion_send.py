"""Send every due cross-region message (handovers and status reports); run it every few minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Send due cross-region messages once (retries with backoff); --retry-failed requeues failed status reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retry-failed", action="store_true", help="Send failed status reports again (same message ids)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from dgov.crossregion.services import send_pending, status_reports_requeue_failed

        if options["retry_failed"]:
            self.stdout.write(f"Status reports requeued: {status_reports_requeue_failed()}")
        counts = send_pending()
        self.stdout.write(
            "Handovers: {handovers} attempted, {registered} registered; status reports: {statuses} attempted, "
            "{delivered} delivered; failed: {failed}".format(**counts)
        )
