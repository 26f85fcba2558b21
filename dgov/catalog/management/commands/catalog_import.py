"""Import a catalogue file (XLSX or JSON) as the platform: all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dgov.catalog import exchange, services
from dgov.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Import service items from an XLSX workbook (sheets 事项, 材料) or a JSON catalogue file. "
        "Every row is checked first; if any is wrong, the problems are listed and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The .xlsx or .json file.")
        parser.add_argument("--format", choices=["xlsx", "json"], help="Default: from the file name.")
        parser.add_argument("--publish", action="store_true", help="Publish new and changed items at once.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        file_format = options["format"] or path.suffix.lower().lstrip(".")
        if file_format not in ("xlsx", "json"):
            raise CommandError("Name an .xlsx or .json file, or give --format.")
        try:
            with path.open("rb") as f:
                parsed = (
                    exchange.read_json(f) if file_format == "json" else exchange.read_xlsx(f, exchange.Names.load())
                )
                result = services.catalog_import(actor=None, parsed=parsed, publish=options["publish"])
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except services.CatalogImportError as exc:
            for e in exc.rows:
                self.stderr.write(f"{e.sheet} row {e.row} [{e.column}]: {e.message}")
            raise CommandError(exc.message) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        counts = result.as_dict()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
