from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.cases.demo import load_demo_cases


class Command(BaseCommand):
    help = "Create a few demo applications at different steps (demo mode only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("Not in demo mode: no demo cases.")
            return
        created = load_demo_cases()
        self.stdout.write(f"Demo cases created: {created}.")
