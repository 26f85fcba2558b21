from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.hotline.demo import load_categories, load_demo


class Command(BaseCommand):
    help = (
        "Load the 12345 category tree; in demo mode also the dispatch catalogue lines, knowledge "
        "answers, a trained classifier and tickets in every state (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write(f"Ticket categories loaded: {load_categories()}. Not in demo mode: no demo tickets.")
            return
        counts = load_demo()
        self.stdout.write("Hotline: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
