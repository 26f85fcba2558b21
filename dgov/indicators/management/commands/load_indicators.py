"""Load or refresh the 21 indicators from dgov/indicators/data/indicators.csv (audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dgov.indicators.services import DEFINITIONS, definitions_load


class Command(BaseCommand):
    help = (
        "Create missing indicators and refresh names, units and formula texts from the definitions file. "
        "Targets changed in the console are kept unless --with-targets is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(DEFINITIONS), help="a definitions CSV (default: the project's)")
        parser.add_argument("--with-targets", action="store_true", help="also take baseline and targets from the file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = definitions_load(path=Path(options["file"]), with_targets=options["with_targets"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"created {counts['created']}, updated {counts['updated']}")
