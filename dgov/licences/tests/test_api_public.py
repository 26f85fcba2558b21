"""The public side of e-licences: the verification page a QR code lands on, the published keys
(page, keys.json, API) and the licences API (verify, wallet)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from dgov.accounts.models import User
from dgov.licences import services
from dgov.licences.models import Licence, SealKey
from dgov.licences.verification import qr_content, qr_payload

pytestmark = pytest.mark.django_db

HEX130 = re.compile(r"^04[0-9a-fA-F]{128}$")


def food_licence_of(enterprise: User) -> Licence:
    return Licence.objects.get(holder_user=enterprise, type__code="food_business_licence")


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def altered(payload: str, change: Any) -> str:
    """payload with its document decoded, changed by change(dict), and re-encoded canonically; the
    signature is kept, so it no longer matches."""
    prefix, body, signature = payload.split(".")
    document = json.loads(_unb64u(body))
    change(document)
    raw = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return f"{prefix}.{_b64u(raw)}.{signature}"


def check(client: Client, **params: str) -> tuple[int, str]:
    query = "&".join(f"{k}={quote(v)}" for k, v in params.items())
    response = client.get(f"/licences/verify/?{query}")
    return response.status_code, response.content.decode()


def state_of(html: str) -> str:
    match = re.search(r'class="lic-verdict [^"]+" data-state="([a-z_]+)"', html)
    assert match, "a verdict is shown"
    return match.group(1)


# --- The verification page ---------------------------------------------------------------------


def test_page_without_input_shows_the_form(enterprise: User) -> None:
    status, html = check(english())
    assert status == 200 and 'name="q"' in html and 'maxlength="8192"' in html and "lic-verdict" not in html


def test_valid_licence_by_qr_payload(enterprise: User) -> None:
    licence = food_licence_of(enterprise)
    status, html = check(english(), c=qr_payload(licence))
    assert status == 200 and state_of(html) == "valid"
    assert "✔" in html and "Valid" in html
    assert licence.issuer.name in html and licence.holder_name in html and licence.holder_id_shown in html
    assert licence.type.name in html and licence.face["premises"] in html


def test_valid_licence_by_scanned_link_and_by_identifier(enterprise: User) -> None:
    licence = food_licence_of(enterprise)
    # What a phone camera opens: the full QR text as a URL.
    path = qr_content(licence).split("://", 1)[1].split("/", 1)[1]
    response = english().get("/" + path)
    assert response.status_code == 200 and state_of(response.content.decode()) == "valid"

    status, html = check(english(), q=licence.identifier)
    assert status == 200 and state_of(html) == "valid" and licence.holder_name in html
    status, html = check(english(), q=f"  {qr_content(licence)}\n")
    assert status == 200 and state_of(html) == "valid"


def test_person_s_licence_shows_only_the_masked_id(citizen: User) -> None:
    licence = Licence.objects.get(holder_user=citizen)
    status, html = check(english(), c=qr_payload(licence))
    assert status == 200 and state_of(html) == "valid"
    assert licence.holder_id_shown in html and citizen.id_number not in html


def test_tampered_payload_is_signature_invalid(enterprise: User) -> None:
    licence = food_licence_of(enterprise)

    def rename(document: dict[str, Any]) -> None:
        document["holder"]["name"] = document["holder"]["name"][:-1] + "甲"

    status, html = check(english(), c=altered(qr_payload(licence), rename))
    assert status == 200 and state_of(html) == "signature_invalid"
    assert "Signature invalid" in html and "✖" in html
    # The altered content is not shown as if it were the licence.
    assert "甲" not in html.split("lic-verdict", 1)[1]


def test_one_flipped_character_never_passes(enterprise: User) -> None:
    payload = qr_payload(food_licence_of(enterprise))
    prefix, body, signature = payload.split(".")
    for position in (5, len(body) // 2, len(body) - 3):
        flipped = body[:position] + ("A" if body[position] != "A" else "B") + body[position + 1 :]
        status, html = check(english(), c=f"{prefix}.{flipped}.{signature}")
        assert status == 200 and state_of(html) in ("signature_invalid", "malformed")


def test_truncated_payload_is_malformed(enterprise: User) -> None:
    payload = qr_payload(food_licence_of(enterprise))
    for cut in (payload[: len(payload) // 2], payload[:-10], payload.rsplit(".", 1)[0], "JHL1."):
        status, html = check(english(), c=cut)
        assert status == 200 and state_of(html) in ("malformed", "signature_invalid")
    status, html = check(english(), c=payload[: len(payload) // 2])
    assert state_of(html) == "malformed" and "incomplete or damaged" in html


@pytest.mark.parametrize(
    "garbage",
    ["hello", "<script>alert(1)</script>", "1.2.156.3005.2.XYZ", "JHL1.!!!.???", "https://example.com/?c=", "\x00"],
)
def test_garbage_gets_a_clear_answer(garbage: str, enterprise: User) -> None:
    status, html = check(english(), q=garbage)
    assert status == 200 and state_of(html) in ("malformed", "unknown")
    assert "<script>alert(1)</script>" not in html
    assert 'name="q"' in html


def test_a_100_kb_paste_is_answered_not_echoed(enterprise: User) -> None:
    big = "JHL1." + "A" * 100_000
    status, html = check(english(), q=big)
    assert status == 200 and state_of(html) == "malformed"
    assert "far longer than any licence QR code" in html
    textarea = re.search(r'<textarea id="id_q"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea and textarea.group(1) == ""


def test_unknown_identifier(enterprise: User) -> None:
    licence = food_licence_of(enterprise)
    other = licence.identifier.replace(licence.serial, str(int(licence.serial) + 999))
    status, html = check(english(), q=other)
    assert status == 200 and state_of(html) in ("unknown", "malformed")


def test_revoked_licence_shows_revoked_with_the_reason(enterprise: User, approver: User) -> None:
    licence = food_licence_of(enterprise)
    services.licence_set_status(actor=approver, licence=licence, status="revoked", reason="以欺骗手段取得许可")

    status, html = check(english(), c=qr_payload(licence))

    assert status == 200 and state_of(html) == "revoked"
    assert "Revoked" in html and "以欺骗手段取得许可" in html and "✖" in html


def test_verdict_page_in_chinese_by_default(enterprise: User) -> None:
    status, html = check(Client(), c=qr_payload(food_licence_of(enterprise)))
    assert status == 200 and '<html lang="zh-Hans"' in html and state_of(html) == "valid"


# --- Published keys ----------------------------------------------------------------------------


def test_keys_json_lists_every_key_and_no_secret(enterprise: User) -> None:
    response = Client().get("/licences/keys.json")
    body = response.json()
    text = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300" and response["Access-Control-Allow-Origin"] == "*"
    assert body["algorithm"] == "SM2-with-SM3" and body["signer_id"] == "1234567812345678" and body["canonical_form"]
    keys = SealKey.objects.all()
    assert keys.exists()
    assert {k["key_id"] for k in body["keys"]} == set(keys.values_list("key_id", flat=True))
    for item in body["keys"]:
        assert HEX130.match(item["public_key"])
        assert not any("private" in name.lower() for name in item)
    for secret in keys.values_list("private_key_enc", flat=True):
        assert secret and secret not in text


def test_keys_page_lists_departments_and_keys(enterprise: User) -> None:
    client = english()
    html = client.get("/licences/keys/").content.decode()
    key = SealKey.objects.select_related("seal__department").first()
    assert key is not None
    assert key.key_id in html and key.public_key in html and key.seal.department.name in html
    assert "/licences/keys.json" in html and "Checking a licence offline" in html


# --- API ---------------------------------------------------------------------------------------


def test_api_keys_is_public_and_matches_keys_json(enterprise: User) -> None:
    response = Client().get("/api/v1/licences/keys")
    assert response.status_code == 200
    assert response.json()["keys"] == Client().get("/licences/keys.json").json()["keys"]
    assert response["Access-Control-Allow-Origin"] == "*"


def post_verify(text: Any) -> Any:
    return Client().post("/api/v1/licences/verify", {"text": text}, content_type="application/json")


def test_api_verify(enterprise: User, approver: User) -> None:
    licence = food_licence_of(enterprise)

    valid = post_verify(qr_content(licence))
    assert valid.status_code == 200
    body = valid.json()
    assert body["state"] == "valid" and body["identifier"] == licence.identifier
    assert body["issuer"] == licence.issuer.name and body["document"]["holder"]["id"] == licence.holder_id_shown

    by_id = post_verify(licence.identifier).json()
    assert by_id["state"] == "valid" and by_id["identifier"] == licence.identifier

    def rename(document: dict[str, Any]) -> None:
        document["holder"]["name"] = "别人"

    tampered = post_verify(altered(qr_payload(licence), rename)).json()
    assert tampered["state"] == "signature_invalid" and tampered["document"] == {} and tampered["identifier"] == ""

    services.licence_set_status(actor=approver, licence=licence, status="revoked", reason="撤销许可")
    assert post_verify(licence.identifier).json()["state"] == "revoked"


@pytest.mark.parametrize("text", ["", "garbage", "JHL1.abc", "x" * 100_000])
def test_api_verify_bad_input_is_malformed_with_200(text: str, enterprise: User) -> None:
    response = post_verify(text)
    assert response.status_code == 200
    assert response.json()["state"] == "malformed" and response.json()["reason"]


def test_api_verify_without_text_uses_the_error_format(enterprise: User) -> None:
    response = Client().post("/api/v1/licences/verify", {}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error" and response.json()["errors"][0]["field"] == "text"


def test_api_wallet_lists_only_mine(enterprise: User, citizen: User, login: Any) -> None:
    client = login(enterprise)
    response = client.get("/api/v1/licences/wallet")
    assert response.status_code == 200
    listed = {item["identifier"] for item in response.json()}
    assert listed == set(Licence.objects.filter(holder_user=enterprise).values_list("identifier", flat=True))
    item = next(i for i in response.json() if i["type_code"] == "food_business_licence")
    assert item["status"] == "valid" and item["face"]["premises"] and item["issuer"]

    theirs = Licence.objects.get(holder_user=citizen)
    assert client.get(f"/api/v1/licences/wallet/{theirs.identifier}").status_code == 404
    assert client.get(f"/api/v1/licences/wallet/{theirs.identifier}/pdf").json()["code"] == "not_found"


def test_api_wallet_one_and_its_pdf(enterprise: User, login: Any) -> None:
    licence = food_licence_of(enterprise)
    client = login(enterprise)
    one = client.get(f"/api/v1/licences/wallet/{licence.identifier}")
    assert one.status_code == 200 and one.json()["identifier"] == licence.identifier
    assert one.json()["holder_id"] == licence.holder_id_shown
    pdf = client.get(f"/api/v1/licences/wallet/{licence.identifier}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_api_wallet_needs_a_person(enterprise: User, sysadmin: User) -> None:
    from dgov.accounts.services import api_token_create

    anonymous = Client().get("/api/v1/licences/wallet")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    _token, raw = api_token_create(actor=sysadmin, name="某系统", scopes=["read"])
    with_token = Client().get("/api/v1/licences/wallet", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert with_token.status_code == 403 and with_token.json()["code"] == "forbidden"


def test_openapi_documents_the_licences_endpoints(enterprise: User) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ["keys", "verify", "wallet", "wallet/{identifier}", "wallet/{identifier}/pdf"]:
        assert f"/api/v1/licences/{path}" in paths
