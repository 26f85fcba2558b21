"""Walk the audit chain and report the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dgov.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit 1 at the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_chain_verify()
        if result.broken is not None:
            raise CommandError(f"Audit trail broken at row #{result.broken.seq}: {result.broken.reason}")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {result.checked} rows verified."))
