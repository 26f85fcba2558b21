"""The kiosk register behind indicator 6: the data officer registers and retires kiosks; every
change is audited, bad input writes nothing, and the indicator follows the register."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from dgov.accounts.models import Region, User
from dgov.audit.models import AuditEvent
from dgov.catalog.models import Kiosk
from dgov.catalog.services import kiosk_register, kiosk_retire
from dgov.core.errors import ApplicationError, ConflictError

from .conftest import LILE, TODAY, WAIHAI, kiosk, measure

pytestmark = pytest.mark.django_db

KIOSKS = "/indicators/kiosks/"


def register(actor: User, **changes: Any) -> Kiosk:
    fields: dict[str, Any] = {
        "code": "jh-wh-09",
        "name": "外海街道一体机",
        "region": Region.objects.get(code=WAIHAI),
        "address": "外海街道党群服务中心",
        "installed_on": date(2025, 3, 1),
    }
    fields.update(changes)
    return kiosk_register(actor=actor, **fields)


def test_the_data_officer_registers_a_kiosk_and_the_indicator_counts_it(data_officer: User, frozen: Any) -> None:
    assert measure("kiosk_subdistrict_coverage").numerator == 0
    made = register(data_officer)
    assert (made.code, made.region.code, made.retired_on) == ("jh-wh-09", WAIHAI, None)
    event = AuditEvent.objects.filter(action="kiosk.register").latest("seq")
    assert event.summary["code"] == "jh-wh-09" and event.summary["region"] == WAIHAI
    # One of three 街道 covered: 1 / 3 = 33.33 %.
    result = measure("kiosk_subdistrict_coverage")
    assert (result.numerator, result.denominator, result.value) == (1, 3, Decimal("33.33"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "带空格 code"}, "code"),
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"address": ""}, "address"),
        ({"region": None}, "region"),
        ({"installed_on": None}, "installed_on"),
    ],
)
def test_bad_input_writes_nothing(data_officer: User, changes: dict[str, Any], field: str) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        register(data_officer, **changes)
    assert field in caught.value.field_errors
    assert not Kiosk.objects.exists() and AuditEvent.objects.count() == before


def test_the_district_itself_is_not_a_place_for_a_kiosk(data_officer: User) -> None:
    with pytest.raises(ApplicationError) as caught:
        register(data_officer, region=Region.objects.get(code="440704"))
    assert "region" in caught.value.field_errors


def test_a_code_is_registered_once(data_officer: User) -> None:
    register(data_officer)
    with pytest.raises(ApplicationError) as caught:
        register(data_officer, name="另一台")
    assert "code" in caught.value.field_errors and Kiosk.objects.count() == 1


def test_only_the_data_officer_keeps_the_register(leader: User, dept_admin: User) -> None:
    for who in (leader, dept_admin):
        with pytest.raises(PermissionDenied):
            register(who)
    assert not Kiosk.objects.exists()


def test_retiring_takes_the_kiosk_out_of_service_from_that_day(data_officer: User, frozen: Any) -> None:
    made = kiosk("jh-ll-09", LILE, date(2024, 5, 1))
    assert measure("kiosk_subdistrict_coverage").numerator == 1
    with pytest.raises(ApplicationError) as caught:
        kiosk_retire(actor=data_officer, kiosk=made, retired_on=date(2024, 5, 1))
    assert "retired_on" in caught.value.field_errors
    kiosk_retire(actor=data_officer, kiosk=made, retired_on=TODAY)
    assert AuditEvent.objects.filter(action="kiosk.retire").exists()
    # Retired today: not in service at the end of today.
    assert measure("kiosk_subdistrict_coverage").numerator == 0
    with pytest.raises(ConflictError):
        kiosk_retire(actor=data_officer, kiosk=made, retired_on=TODAY)


def test_the_register_page(login: Any, data_officer: User, leader: User, frozen: Any) -> None:
    client = login(data_officer)
    page = client.get(KIOSKS)
    assert page.status_code == 200 and 'data-form="kiosk"' in page.content.decode()
    bad = client.post(KIOSKS, {"code": "", "name": "x", "region": "", "address": "", "installed_on": ""})
    assert bad.status_code == 400 and not Kiosk.objects.exists()
    waihai = Region.objects.get(code=WAIHAI)
    fields = {"code": "jh-wh-10", "name": "外海一体机", "region": waihai.pk, "address": "外海"}
    good = client.post(KIOSKS, {**fields, "installed_on": "2025-01-02"})
    assert good.status_code == 302
    made = Kiosk.objects.get(code="jh-wh-10")
    listed = client.get(KIOSKS).content.decode()
    assert 'data-kiosk="jh-wh-10"' in listed
    retired = client.post(f"{KIOSKS}{made.pk}/retire/", {f"k{made.pk}-retired_on": "2025-06-01"})
    assert retired.status_code == 302
    made.refresh_from_db()
    assert made.retired_on == date(2025, 6, 1)
    # Leaders read the indicator; the register is the data officer's.
    assert login(leader).get(KIOSKS).status_code == 403
