"""Who used my data: the signed-in person sees the reads of their own record (an enterprise account
its enterprise's), with the reading department's name and never a member of staff's; anonymous
visitors are sent to sign in."""

from __future__ import annotations

from typing import Any

from django.test import Client

from dgov.registries import services
from dgov.registries.tests.conftest import ELDER_ID

URL = "/registries/my-reads/"
MINE = "44070420261127000123"
HERS = "44070420261127000456"
FIRM = "44070420261127000789"


def _read(kind: str, key: str, case: str, actor: Any = None, fields: Any = ("name",)) -> None:
    services.registry_read(
        subject_kind=kind, key=key, fields=list(fields), purpose=f"办件 {case} 预填", case_number=case, actor=actor
    )


def test_anonymous_visitors_are_sent_to_sign_in(records: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_citizen_sees_only_the_reads_of_their_own_record(
    records: Any, citizen: Any, elder: Any, enterprise: Any, clerk: Any, login: Any
) -> None:
    _read("person", citizen.id_number, MINE, actor=clerk, fields=["person.household_address", "person.age"])
    _read("person", ELDER_ID, HERS, actor=clerk)
    _read("enterprise", enterprise.enterprise_credit_code, FIRM, actor=clerk)
    response = login(citizen).get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert MINE in html
    assert HERS not in html and FIRM not in html
    # The reading department by name, not the clerk (黄嘉欣).
    assert clerk.department.name in html and clerk.real_name not in html

    html = login(elder).get(URL).content.decode()
    assert HERS in html and MINE not in html


def test_the_newest_read_comes_first(records: Any, citizen: Any, login: Any) -> None:
    _read("person", citizen.id_number, "44070420261127000001")
    _read("person", citizen.id_number, "44070420261127000002")
    html = login(citizen).get(URL).content.decode()
    assert html.index("44070420261127000002") < html.index("44070420261127000001")


def test_an_enterprise_account_sees_its_enterprise_reads(
    records: Any, citizen: Any, enterprise: Any, approver: Any, login: Any
) -> None:
    _read("enterprise", enterprise.enterprise_credit_code, FIRM, actor=approver)
    _read("person", citizen.id_number, MINE, actor=approver)
    html = login(enterprise).get(URL).content.decode()
    assert FIRM in html and MINE not in html
    assert approver.department.name in html and approver.real_name not in html


def test_staff_without_a_record_see_an_empty_page(records: Any, outsider: Any, citizen: Any, login: Any) -> None:
    _read("person", citizen.id_number, MINE)
    response = login(outsider).get(URL)
    assert response.status_code == 200
    assert MINE not in response.content.decode()
    assert "data-read" not in response.content.decode()


def test_the_page_costs_the_same_for_one_read_or_many(
    records: Any, citizen: Any, clerk: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(citizen)
    _read("person", citizen.id_number, MINE, actor=clerk)
    with django_assert_max_num_queries(12) as one:
        client.get(URL)
    for n in range(10):
        _read("person", citizen.id_number, f"4407042026112700{n:04d}", actor=clerk)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(URL)


def test_the_personal_centre_links_to_the_page(records: Any, citizen: Any, login: Any) -> None:
    html = login(citizen).get("/accounts/centre/").content.decode()
    assert f'href="{URL}"' in html


def test_the_admin_shows_records_read_only_and_masked(records: Any, citizen: Any, sysadmin: Any, login: Any) -> None:
    from dgov.registries.selectors import person_get

    client = login(sysadmin)
    record = person_get(citizen.id_number)
    assert record is not None
    listing = client.get("/admin/registries/personrecord/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert citizen.real_name in html and citizen.id_number not in html
    page = client.get(f"/admin/registries/personrecord/{record.pk}/change/")
    assert page.status_code == 200
    assert citizen.id_number not in page.content.decode() and citizen.phone not in page.content.decode()
    assert client.get("/admin/registries/personrecord/add/").status_code == 403
    assert client.get("/admin/registries/registryread/").status_code == 200
    assert client.get("/admin/registries/enterpriserecord/").status_code == 200
