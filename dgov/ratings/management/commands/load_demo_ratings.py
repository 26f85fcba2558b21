from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.ratings.demo import load_demo_ratings


class Command(BaseCommand):
    help = (
        "Rate the ended demo applications and leave one bad rating with an open rectification "
        "(demo mode only; idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("Not in demo mode: no demo ratings.")
            return
        made = load_demo_ratings()
        self.stdout.write(f"Demo ratings made: {made}.")
