"""The holder's pages: the wallet, a licence with its PDF, QR code and share links, who used my
licences, and a shared licence seen without an account."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dgov.accounts.models import User
from dgov.cases.models import Case
from dgov.licences import services
from dgov.licences.models import Licence, LicenceShare, LicenceUse
from dgov.licences.printing import licence_print, validity_text

pytestmark = pytest.mark.django_db


def wallet_of(user: User) -> list[Licence]:
    return list(Licence.objects.filter(holder_user=user).order_by("pk"))


def make_link(client: Client, licence: Licence, days: int = 7) -> str:
    """Make a share link through the page and return the path it shows (once)."""
    response = client.post(f"/licences/{licence.pk}/share/", {"days": str(days)}, follow=True)
    assert response.redirect_chain == [(f"/licences/{licence.pk}/", 302)]
    match = re.search(r'value="https?://[^/"]+(/licences/s/[^"]+/)"', response.content.decode())
    assert match, "the new link is shown"
    return match.group(1)


# --- Wallet ------------------------------------------------------------------------------------


def test_wallet_lists_own_licences_and_not_others(enterprise: User, citizen: User, login: Any) -> None:
    mine = wallet_of(enterprise)
    theirs = wallet_of(citizen)
    assert mine and theirs

    html = login(enterprise).get("/licences/").content.decode()

    for licence in mine:
        assert licence.identifier in html and licence.type.name in html
    for licence in theirs:
        assert licence.identifier not in html
    assert 'data-state="valid"' in html


def test_wallet_needs_sign_in(client: Client, enterprise: User) -> None:
    response = client.get("/licences/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_empty_wallet_explains_how_licences_arrive(login: Any, enterprise: User) -> None:
    from dgov.accounts.services import user_create

    newcomer = user_create(
        actor=None, username="newcomer", password="Newcomer-pass-2025!", kind="citizen", real_name="新用户"
    )
    client = login(newcomer)
    client.cookies["django_language"] = "en"
    html = client.get("/licences/").content.decode()
    assert "Your wallet is empty for now" in html and "Licences come here by themselves" in html


def test_wallet_shows_status_in_words_after_suspension(enterprise: User, approver: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    services.licence_set_status(actor=approver, licence=licence, status="suspended", reason="整改期间暂扣")
    client = login(enterprise)
    client.cookies["django_language"] = "en"

    html = client.get("/licences/").content.decode()

    assert 'data-state="suspended"' in html and "Suspended" in html


# --- Detail and PDF ----------------------------------------------------------------------------


def test_detail_shows_the_licence_as_printed_with_live_check_and_qr(enterprise: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    client = login(enterprise)
    client.cookies["django_language"] = "en"

    response = client.get(f"/licences/{licence.pk}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert licence.identifier in html and licence.holder_id_shown in html
    assert licence.seal_key.key_id in html and licence.issuer.name in html
    assert validity_text(licence, "en") in html
    for value in licence.face.values():
        assert str(value) in html
    assert 'class="lic-verdict lic-ok" data-state="valid"' in html
    assert "<svg" in html and "Anyone can scan this code" in html
    assert f"/licences/{licence.pk}/pdf" in html
    assert response["Cache-Control"] == "private, no-store"


def test_detail_of_another_holder_s_licence_is_404(enterprise: User, citizen: User, login: Any) -> None:
    theirs = wallet_of(citizen)[0]
    client = login(enterprise)
    assert client.get(f"/licences/{theirs.pk}/").status_code == 404
    assert client.get(f"/licences/{theirs.pk}/pdf").status_code == 404
    assert client.post(f"/licences/{theirs.pk}/share/", {"days": "7"}).status_code == 404
    assert not LicenceShare.objects.filter(licence=theirs).exists()


def test_person_s_id_is_masked_as_printed(citizen: User, login: Any) -> None:
    licence = wallet_of(citizen)[0]
    html = login(citizen).get(f"/licences/{licence.pk}/").content.decode()
    assert licence.holder_id_shown in html
    assert citizen.id_number not in html


def test_pdf_download_is_a_pdf_named_after_the_identifier(enterprise: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    response = login(enterprise).get(f"/licences/{licence.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert licence.identifier in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")


def test_printed_texts_in_both_languages(enterprise: User, approver: User) -> None:
    licence = wallet_of(enterprise)[0]
    zh = licence_print(licence, language="zh-hans")
    en = licence_print(licence, language="en")
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 至 (\d{4}年\d{1,2}月\d{1,2}日|长期)", zh.validity)
    assert licence.valid_from.isoformat() in en.validity
    assert zh.status_note == "" and zh.holder_id == licence.holder_id_shown
    assert "/licences/verify/?c=JHL1." in zh.qr_payload and zh.verify_url.endswith("/licences/verify/")
    services.licence_set_status(actor=approver, licence=licence, status="revoked", reason="以欺骗手段取得")
    licence.refresh_from_db()
    assert licence_print(licence, language="en").status_note == "Revoked"


def test_replaced_licence_links_its_versions(enterprise: User, login: Any) -> None:
    old = wallet_of(enterprise)[0]
    new = services.licence_replace(actor=None, licence=old, face={"premises": "江海区东海路 30 号（示例）"})
    client = login(enterprise)

    old_html = client.get(f"/licences/{old.pk}/").content.decode()
    new_html = client.get(f"/licences/{new.pk}/").content.decode()

    assert f'href="/licences/{new.pk}/"' in old_html and 'data-state="cancelled"' in old_html
    assert f'href="/licences/{old.pk}/"' in new_html


# --- Share links -------------------------------------------------------------------------------


def test_share_link_works_without_an_account_and_stops_when_revoked(enterprise: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    owner = login(enterprise)
    path = make_link(owner, licence)
    anonymous = Client()

    response = anonymous.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert licence.identifier in html and 'data-state="valid"' in html and "<svg" in html
    assert response["Referrer-Policy"] == "no-referrer"
    pdf = anonymous.get(path + "pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    # The token is shown once: the detail page lists the link but not its address.
    detail = owner.get(f"/licences/{licence.pk}/").content.decode()
    assert path not in detail
    share = LicenceShare.objects.get(licence=licence)
    assert owner.post(f"/licences/{licence.pk}/shares/{share.pk}/revoke/").status_code == 302

    gone = anonymous.get(path)
    assert gone.status_code == 404 and licence.identifier not in gone.content.decode()
    assert anonymous.get(path + "pdf").status_code == 404


def test_share_link_stops_after_it_expires(enterprise: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    path = make_link(login(enterprise), licence, days=2)
    anonymous = Client()
    anonymous.cookies["django_language"] = "en"
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=23)):
        assert anonymous.get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        response = anonymous.get(path)
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()


def test_unknown_share_token_is_a_clear_404(client: Client, enterprise: User) -> None:
    client.cookies["django_language"] = "en"
    for token in ["nope", "x" * 200]:
        response = client.get(f"/licences/s/{token}/")
        assert response.status_code == 404 and "This link no longer works" in response.content.decode()


def test_share_days_are_checked(enterprise: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    client = login(enterprise)
    for days in ["0", "31", "abc", ""]:
        response = client.post(f"/licences/{licence.pk}/share/", {"days": days})
        assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not LicenceShare.objects.filter(licence=licence).exists()


def test_someone_else_cannot_revoke_my_link(enterprise: User, citizen: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    make_link(login(enterprise), licence)
    share = LicenceShare.objects.get(licence=licence)
    response = login(citizen).post(f"/licences/{licence.pk}/shares/{share.pk}/revoke/")
    assert response.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


# --- Uses --------------------------------------------------------------------------------------


def test_uses_page_shows_who_used_my_licence(
    enterprise: User, approver: User, approved_food_case: Callable[..., Case], login: Any
) -> None:
    case = approved_food_case(enterprise)
    licence = next(lic for lic in wallet_of(enterprise) if lic.type.code == "food_business_licence")
    services.licence_staff_lookup(actor=approver, identifier=licence.identifier, case=case, reason="核对经营许可")
    assert LicenceUse.objects.filter(licence=licence).count() == 1
    client = login(enterprise)
    client.cookies["django_language"] = "en"

    html = client.get("/licences/uses/").content.decode()

    assert case.number in html and case.item.name in html and case.department.name in html
    assert "Looked up by staff" in html and "核对经营许可" in html


def test_uses_page_shows_nothing_of_others(citizen: User, login: Any) -> None:
    client = login(citizen)
    client.cookies["django_language"] = "en"
    html = client.get("/licences/uses/").content.decode()
    assert "Nobody has used your licences yet." in html


# --- Languages ---------------------------------------------------------------------------------

PAGES = [
    ("enterprise", "/licences/", "<type>"),
    ("enterprise", "/licences/{pk}/", "<type>"),
    ("enterprise", "/licences/uses/", None),
    (None, "/licences/verify/", None),
    (None, "/licences/keys/", "电子证照专用章"),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("who", "path", "chinese"), PAGES)
def test_pages_speak_the_reader_s_language(
    language: str, who: str | None, path: str, chinese: str | None, enterprise: User, login: Any
) -> None:
    client = login(User.objects.get(username=who)) if who else Client()
    client.cookies["django_language"] = language
    licence = next(lic for lic in wallet_of(enterprise) if lic.type.code == "food_business_licence")

    response = client.get(path.format(pk=licence.pk))
    html = response.content.decode()

    assert response.status_code == 200
    if language == "en":
        assert '<html lang="en"' in html
    else:
        assert '<html lang="zh-Hans"' in html
        if chinese:
            assert (licence.type.name if chinese == "<type>" else chinese) in html


def test_accept_language_chooses_english(client: Client, enterprise: User) -> None:
    html = client.get("/licences/verify/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html and "Verify a licence" in html


def test_navigation_links(enterprise: User, login: Any, client: Client) -> None:
    assert 'href="/licences/verify/"' in client.get("/licences/keys/").content.decode()
    assert 'href="/licences/"' in login(enterprise).get("/licences/uses/").content.decode()


def test_a_new_link_is_shown_once_and_a_reload_makes_no_second_one(enterprise: User, login: Any) -> None:
    licence = wallet_of(enterprise)[0]
    client = login(enterprise)
    make_link(client, licence)
    again = client.get(f"/licences/{licence.pk}/").content.decode()
    assert "/licences/s/" not in again
    assert LicenceShare.objects.filter(licence=licence).count() == 1


def test_the_licence_page_shows_the_type_s_printed_note(enterprise: User, login: Any) -> None:
    from dgov.licences.demo import NOTES

    licence = Licence.objects.get(holder_user=enterprise, type__code="food_business_licence")
    assert NOTES["food_business_licence"] in login(enterprise).get(f"/licences/{licence.pk}/").content.decode()
