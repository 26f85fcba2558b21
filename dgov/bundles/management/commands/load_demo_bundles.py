from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.bundles.demo import load_demo_bundles


class Command(BaseCommand):
    help = "Create the demo bundles (一件事) and the items they need (demo mode only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("Not in demo mode: no demo bundles.")
            return
        made = load_demo_bundles()
        self.stdout.write(f"Demo bundle items created: {made['items']}; bundles created: {made['bundles']}.")
