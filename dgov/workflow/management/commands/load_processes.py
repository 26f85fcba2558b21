"""Upload and publish the BPMN processes and DMN decision tables that ship with the platform (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dgov.workflow.decisions import decision_definitions_load_shipped
from dgov.workflow.services import process_definitions_load_shipped


class Command(BaseCommand):
    help = (
        "Load the platform's process templates (standard_case, ...) and decision tables as published definitions. "
        "Safe to run twice; --upgrade publishes a changed template as a new version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--upgrade",
            action="store_true",
            help="Publish a template whose text differs from every stored version as the next version.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = {
            **process_definitions_load_shipped(actor=None, upgrade=options["upgrade"]),
            **{
                f"decision {k}": v
                for k, v in decision_definitions_load_shipped(actor=None, upgrade=options["upgrade"]).items()
            },
        }
        for key, outcome in outcomes.items():
            if outcome == "differs":
                self.stdout.write(f"{key}: the shipped file differs from the stored versions; --upgrade to publish it")
            else:
                self.stdout.write(f"{key}: {outcome}")
