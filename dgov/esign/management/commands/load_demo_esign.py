from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dgov.esign.demo import load_demo


class Command(BaseCommand):
    help = "E-seals of the demo enterprises (demo mode only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DGOV_DEMO:
            self.stdout.write(_("Not in demo mode: no demo e-seals."))
            return
        made = load_demo()
        self.stdout.write(_("Demo enterprise e-seals: +%(made)d.") % {"made": made})
