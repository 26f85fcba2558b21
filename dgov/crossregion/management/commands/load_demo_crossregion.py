"""Load the demo cross-region data (a peer for 蓬江区 and copies of its items); idempotent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load the demo cross-region data: the exchange key, 蓬江区 as a peer, its items."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            raise CommandError("Demo data is off (DGOV_DEMO=0).")
        from dgov.crossregion.demo import load_demo_crossregion

        counts = load_demo_crossregion()
        self.stdout.write(f"Cross-region demo: +{counts['peers']} peers, +{counts['items']} items")
