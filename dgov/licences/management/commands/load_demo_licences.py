from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.licences.demo import load_demo_licences


class Command(BaseCommand):
    help = "Demo e-seals for every department, demo licence types and a few wallet licences (demo only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("Not in demo mode: no demo seals or licences.")
            return
        made = load_demo_licences()
        self.stdout.write(
            f"Demo seals: {made['seals']}, licence types: {made['licence_types']}, licences: {made['licences']}."
        )
