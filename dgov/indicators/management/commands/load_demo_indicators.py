from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.indicators.demo import load_demo


class Command(BaseCommand):
    help = (
        "In demo mode: the kiosk register, the plan's 2020 figures of the reported indicators (with the "
        "plan as evidence) and today's snapshot of every indicator (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("Not in demo mode: no demo indicators. Run snapshot_indicators for a snapshot.")
            return
        counts = load_demo()
        self.stdout.write("Indicators: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
