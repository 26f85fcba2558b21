"""The demo registries `make run` loads: a record for every demo citizen and enterprise account,
the instant-approval examples, and nothing new on a second run."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from dgov.accounts.models import User
from dgov.registries.demo import EXTRA_ENTERPRISES, EXTRA_PERSONS, load_demo
from dgov.registries.models import EnterpriseRecord, PersonRecord, RegistryRead
from dgov.registries.selectors import enterprise_get, person_get


def _empty_registries() -> None:
    """The session's reference data includes the demo registries; these tests start without them."""
    RegistryRead.objects.all().delete()
    PersonRecord.objects.all().delete()
    EnterpriseRecord.objects.all().delete()


def test_the_demo_loader_is_idempotent(jianghai: None, settings: Any) -> None:
    _empty_registries()
    settings.DGOV_DEMO = True
    out = StringIO()
    call_command("load_demo_registries", stdout=out)
    citizens = User.objects.filter(is_demo=True, kind=User.Kind.CITIZEN).count()
    enterprises = User.objects.filter(is_demo=True, kind=User.Kind.ENTERPRISE).count()
    persons_made = citizens + len(EXTRA_PERSONS)
    enterprises_made = enterprises + len(EXTRA_ENTERPRISES)
    assert f"persons +{persons_made}, enterprises +{enterprises_made}, reads +2." in out.getvalue()
    counts = (PersonRecord.objects.count(), EnterpriseRecord.objects.count(), RegistryRead.objects.count())
    revisions = sorted(PersonRecord.objects.values_list("revision", flat=True))

    assert load_demo() == {"persons": 0, "enterprises": 0, "reads": 0}
    call_command("load_demo_registries", stdout=StringIO())
    assert (PersonRecord.objects.count(), EnterpriseRecord.objects.count(), RegistryRead.objects.count()) == counts
    assert sorted(PersonRecord.objects.values_list("revision", flat=True)) == revisions


def test_every_demo_account_finds_its_record(records: Any) -> None:
    for user in User.objects.filter(is_demo=True, kind=User.Kind.CITIZEN):
        record = person_get(user.id_number)
        assert record is not None and record.name == user.real_name
        assert record.id_number_digest == user.id_number_digest
    for user in User.objects.filter(is_demo=True, kind=User.Kind.ENTERPRISE):
        ent = enterprise_get(user.enterprise_credit_code)
        assert ent is not None and ent.name == user.enterprise_name
        assert ent.legal_representative_id_number == user.id_number


def test_the_command_does_nothing_outside_demo_mode(jianghai: None, settings: Any) -> None:
    _empty_registries()
    settings.DGOV_DEMO = False
    out = StringIO()
    call_command("load_demo_registries", stdout=out)
    assert "Not in demo mode" in out.getvalue()
    assert not PersonRecord.objects.exists()
