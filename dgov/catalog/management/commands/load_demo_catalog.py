"""Load the demo service items (demo mode only; idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.catalog.demo import load_demo_catalog


class Command(BaseCommand):
    help = "Create and publish the demo service items that are missing (only when DGOV_DEMO is on)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("DGOV_DEMO is off: no demo service items were loaded.")
            return
        self.stdout.write(f"Demo service items: +{load_demo_catalog()}")
