"""Export or import the licence types as JSON: how a district defines its types before items name them.

    python manage.py licence_types --export types.json
    python manage.py licence_types --import types.json     # all or nothing; errors name the entry

Each entry: {"code", "name", "name_en"?, "definer_credit_code", "type_number", "issuer" (department
code), "holder_kind" ("person" | "enterprise"), "face_schema", "validity_years", "print_title"?,
"print_note"?}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dgov.accounts.models import Department
from dgov.audit import record
from dgov.licences.models import LicenceType
from dgov.licences.services import LicenceError, licence_type_upsert

FIELDS = ("name", "name_en", "definer_credit_code", "type_number", "holder_kind", "face_schema", "validity_years")
OPTIONAL = ("name_en", "print_title", "print_note")


def export_types() -> list[dict[str, Any]]:
    return [
        {
            "code": t.code,
            **{f: getattr(t, f) for f in FIELDS},
            "issuer": t.issuer.code,
            "print_title": t.print_title,
            "print_note": t.print_note,
        }
        for t in LicenceType.objects.select_related("issuer").order_by("code")
    ]


def import_types(entries: Any) -> int:
    """Create or update every entry, or nothing: raises CommandError listing each bad entry."""
    if not isinstance(entries, list):
        raise CommandError("The file holds a JSON list of licence types.")
    errors: list[str] = []
    with transaction.atomic():
        for n, entry in enumerate(entries, start=1):
            where = f"entry {n}"
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                errors.append(f"{where}: an object with a code")
                continue
            where = f"entry {n} ({entry['code']})"
            missing = [f for f in (*FIELDS, "issuer") if f not in entry and f not in OPTIONAL]
            if missing:
                errors.append(f"{where}: missing {', '.join(missing)}")
                continue
            issuer = Department.objects.filter(code=entry["issuer"]).first()
            if issuer is None:
                errors.append(f"{where}: no department with code {entry['issuer']!r}")
                continue
            if entry["holder_kind"] not in LicenceType.Holder.values:
                errors.append(f"{where}: holder_kind is person or enterprise")
                continue
            if not isinstance(entry["validity_years"], int) or not 0 <= entry["validity_years"] <= 100:
                errors.append(f"{where}: validity_years is a whole number of years, 0 for long-term")
                continue
            defaults = {f: entry.get(f, "") for f in (*FIELDS, *OPTIONAL)}
            defaults["issuer"] = issuer
            try:
                with transaction.atomic():
                    licence_type_upsert(code=entry["code"], defaults=defaults)
            except LicenceError as exc:
                errors.append(f"{where}: {exc.message}")
            except Exception as exc:  # a constraint (e.g. a type number already used) or a bad value
                errors.append(f"{where}: {exc}")
        if errors:
            transaction.set_rollback(True)
            raise CommandError("Nothing was imported:\n" + "\n".join(errors))
        record(actor=None, action="licence_type.import", detail={"count": len(entries)})
    return len(entries)


class Command(BaseCommand):
    help = "Export or import licence types as JSON (import is all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--export", metavar="FILE", help="write every licence type to FILE ('-' = stdout)")
        group.add_argument("--import", dest="import_", metavar="FILE", help="create or update the types in FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["export"]:
            text = json.dumps(export_types(), ensure_ascii=False, indent=2)
            if options["export"] == "-":
                self.stdout.write(text)
            else:
                Path(options["export"]).write_text(text + "\n", encoding="utf-8")
                self.stdout.write(f"Licence types exported: {LicenceType.objects.count()}.")
            return
        try:
            entries = json.loads(Path(options["import_"]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {options['import_']}: {exc}") from exc
        self.stdout.write(f"Licence types imported: {import_types(entries)}.")
