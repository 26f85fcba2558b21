"""Export the catalogue (published items, or drafts where there are any) as XLSX or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dgov.accounts.models import Department
from dgov.catalog import exchange, selectors
from dgov.catalog.content import ItemContent


class Command(BaseCommand):
    help = "Write the service catalogue to an XLSX workbook (sheets 事项, 材料) or a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", help="File to write (.xlsx or .json), or - for JSON on standard output.")
        parser.add_argument("--format", choices=["xlsx", "json"], help="Default: from the file name.")
        parser.add_argument("--department", action="append", default=[], help="Department code (repeatable).")
        parser.add_argument("--include-drafts", action="store_true", help="Export each code's draft where it has one.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: str = options["output"]
        file_format = options["format"] or ("json" if output == "-" else Path(output).suffix.lower().lstrip("."))
        if file_format not in ("xlsx", "json"):
            raise CommandError("Name an .xlsx or .json file, or give --format.")
        department_ids = None
        if options["department"]:
            found = dict(Department.objects.filter(code__in=options["department"]).values_list("code", "pk"))
            missing = sorted(set(options["department"]) - set(found))
            if missing:
                raise CommandError(f"Unknown department code(s): {', '.join(missing)}")
            department_ids = list(found.values())
        items = selectors.items_for_export(department_ids=department_ids, include_drafts=options["include_drafts"])
        contents = [ItemContent.from_item(item) for item in items]
        if file_format == "json":
            body = exchange.write_json(contents)
        else:
            if output == "-":
                raise CommandError("XLSX cannot go to standard output; name a file.")
            body = exchange.write_xlsx(contents, exchange.Names.load())
        if output == "-":
            sys.stdout.buffer.write(body)
        else:
            Path(output).write_bytes(body)
            self.stderr.write(f"Exported {len(contents)} item(s) to {output}.")
