from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dgov.registries.demo import load_demo


class Command(BaseCommand):
    help = (
        "Demo person and enterprise records for the demo accounts and the instant-approval examples "
        "(demo mode only; idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write("Not in demo mode: no demo registry records.")
            return
        made = load_demo()
        self.stdout.write(
            f"Demo registry records: persons +{made['persons']}, enterprises +{made['enterprises']}, "
            f"reads +{made['reads']}."
        )
