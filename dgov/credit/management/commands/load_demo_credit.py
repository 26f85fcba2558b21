"""Load the demo entries of the credit lists (demo mode only; idempotent)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.credit.demo import load_demo


class Command(BaseCommand):
    help = "List demo subjects on the red and black credit lists (demo mode only; safe to run twice)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("Not in demo mode: no demo credit entries.")
            return
        entries = load_demo()
        if not entries:
            self.stdout.write("The departments are missing: run load_demo first.")
            return
        made = sum(1 for e in entries if e.created)
        self.stdout.write(f"Demo credit entries made: {made}.")
        for e in entries:
            state = "withdrawn" if e.withdrawn else "in force"
            self.stdout.write(f"  {e.list_kind:<5} {e.subject_kind:<10} {e.key}  {e.name} ({state})")
