"""Change a registry record from the command line, through the same service as everything else:
the revision goes up and the audit trail names the change (field names, not values)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dgov.accounts.models import User
from dgov.core.errors import ApplicationError
from dgov.registries import selectors, services
from dgov.registries.models import SubjectKind


class Command(BaseCommand):
    help = (
        "Change fields of a person record (key: ID number) or an enterprise record (key: credit code), "
        "e.g. registry_update person 440704… household_address=… disability_grade=2 disability_kind=physical"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=SubjectKind.values)
        parser.add_argument("key")
        parser.add_argument("changes", nargs="+", metavar="field=value")
        parser.add_argument("--actor", help="username of the system administrator making the change")
        parser.add_argument("--expect-revision", type=int, help="refuse if the record has another revision")

    def handle(self, *args: Any, **options: Any) -> None:
        changes: dict[str, Any] = {}
        for item in options["changes"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise CommandError(f"Not field=value: {item!r}")
            changes[name.strip()] = {"true": True, "false": False}.get(value.strip().lower(), value)
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No such user: {options['actor']}")
        try:
            if options["kind"] == SubjectKind.PERSON:
                person = selectors.person_get(options["key"])
                if person is None:
                    raise CommandError("No person record with that ID number.")
                record: Any = services.person_record_update(
                    actor=actor, record=person, changes=changes, expected_revision=options["expect_revision"]
                )
            else:
                enterprise = selectors.enterprise_get(options["key"])
                if enterprise is None:
                    raise CommandError("No enterprise record with that credit code.")
                record = services.enterprise_record_update(
                    actor=actor, record=enterprise, changes=changes, expected_revision=options["expect_revision"]
                )
        except ApplicationError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.field_errors.items())
            raise CommandError(f"{exc.message} {details}".strip())
        self.stdout.write(f"Revision {record.revision}.")
