"""Load Jianghai's regions and departments, and in demo mode the demo accounts (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.accounts.demo import DEMO_ACCOUNTS, load_all


class Command(BaseCommand):
    help = "Load the Jianghai reference data and, when DGOV_DEMO is on, the demo accounts. Safe to run twice."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_all()
        self.stdout.write("Loaded: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
        if settings.DGOV_DEMO:
            names = " ".join(a.username for a in DEMO_ACCOUNTS)
            self.stdout.write(f"Demo accounts: {names} (password from DGOV_DEMO_PASSWORD)")
        else:
            self.stdout.write("DGOV_DEMO is off: no demo accounts were created.")
