"""Take the indicators' snapshot of a day (what Celery beat runs after midnight); for cron or by hand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dgov.core.errors import ApplicationError
from dgov.indicators import computation
from dgov.indicators.services import snapshots_take


class Command(BaseCommand):
    help = (
        "Compute every indicator for the district, each department and each subdistrict and store the "
        "day's snapshot (today by default; --yesterday after midnight, as the scheduled job does). "
        "Running it again replaces that day's snapshot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--day", help="the day, YYYY-MM-DD")
        group.add_argument("--yesterday", action="store_true", help="the day that ended last midnight")

    def handle(self, *args: Any, **options: Any) -> None:
        day = computation.today()
        if options["yesterday"]:
            day -= timedelta(days=1)
        elif options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError(f"--day: {options['day']!r} is not a date like 2025-12-31") from None
        try:
            report = snapshots_take(day=day)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{report.day}: {report.snapshots} snapshots; district: {report.computed} computed, "
            f"{report.reported} reported, {report.missing} without a value"
        )
