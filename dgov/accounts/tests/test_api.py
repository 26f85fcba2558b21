"""The API shell: error format, system tokens, OpenAPI."""

import pytest
from django.utils import timezone

from dgov.accounts import services
from dgov.accounts.models import ApiToken
from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError


@pytest.fixture
def token(sysadmin):
    return services.api_token_create(actor=sysadmin, name="区不动产登记系统", scopes=["read"])


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_openapi_document_and_docs_page(jianghai, client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"].startswith("江海数字政府平台")
    assert "/api/v1/accounts/me" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_unauthenticated_gets_the_common_error_body(jianghai, client):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "Sign in or send a valid API token.", "errors": []}


@pytest.mark.parametrize("raw", ["nonsense", "dgov_" + "x" * 43, "dgov_" + "y" * 500, ""])
def test_bad_tokens_are_refused(jianghai, client, raw):
    response = client.get("/api/v1/accounts/me", **bearer(raw))
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_system_token_authenticates_and_is_stored_as_digest(token, client):
    obj, raw = token
    assert raw not in str(ApiToken.objects.filter(pk=obj.pk).values().first())
    body = client.get("/api/v1/accounts/me", **bearer(raw)).json()
    assert body["kind"] == "system" and body["name"] == "区不动产登记系统" and body["scopes"] == ["read"]
    obj.refresh_from_db()
    assert obj.last_used_at is not None
    assert AuditEvent.objects.filter(action="api_token.create", target_id=str(obj.pk)).exists()


def test_revoked_and_expired_tokens_stop_working(token, sysadmin, client, time_machine):
    obj, raw = token
    services.api_token_revoke(actor=sysadmin, token=obj)
    assert client.get("/api/v1/accounts/me", **bearer(raw)).status_code == 401
    with pytest.raises(ApplicationError):
        services.api_token_revoke(actor=sysadmin, token=obj)
    _obj2, raw2 = services.api_token_create(
        actor=sysadmin, name="银行终端", scopes=["partner"], expires_at=timezone.now() + timezone.timedelta(days=1)
    )
    assert client.get("/api/v1/accounts/me", **bearer(raw2)).status_code == 200
    time_machine.move_to(timezone.now() + timezone.timedelta(days=2))
    assert client.get("/api/v1/accounts/me", **bearer(raw2)).status_code == 401


def test_bad_token_input_is_refused_and_nothing_written(sysadmin):
    before = ApiToken.objects.count(), AuditEvent.objects.count()
    for kwargs in [
        {"name": " ", "scopes": ["read"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "x", "scopes": ["read"], "expires_at": timezone.now() - timezone.timedelta(days=1)},
    ]:
        with pytest.raises(ApplicationError):
            services.api_token_create(actor=sysadmin, **kwargs)
    assert (ApiToken.objects.count(), AuditEvent.objects.count()) == before


def test_session_user_and_mfa_gate_on_the_api(approver, client, settings):
    client.post("/accounts/login/", {"username": "approver", "password": "jianghai-demo-2025"})
    body = client.get("/api/v1/accounts/me").json()
    assert body == {
        "kind": "user",
        "username": "approver",
        "name": "梁志强",
        "account_kind": "staff",
        "department": "scjg",
        "roles": ["approver"],
        "scopes": [],
    }
    settings.DGOV_DEMO_WAIVES_MFA = False
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_public_reference_endpoints(jianghai, client):
    regions = client.get("/api/v1/accounts/regions").json()
    assert len(regions) == 66 and regions[0] == {
        "code": "440704",
        "name": "江海区",
        "level": "district",
        "parent_code": None,
        "is_demo": False,
    }
    depts = client.get("/api/v1/accounts/departments").json()
    assert any(d["name"] == "江海区市场监督管理局" for d in depts)


def test_api_tokens_page_shows_the_secret_once(sysadmin, client):
    client.post("/accounts/login/", {"username": "admin", "password": "jianghai-demo-2025"})
    response = client.post("/accounts/api-tokens/", {"name": "江门市12345平台", "scopes": ["read", "submit"]})
    assert response.status_code == 200 and response.context["created_secret"].startswith("dgov_")
    secret = response.context["created_secret"]
    assert secret.encode() not in client.get("/accounts/api-tokens/").content
    token = ApiToken.objects.get(name="江门市12345平台")
    client.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    bad = client.post("/accounts/api-tokens/", {"name": "", "scopes": ["bogus"]})
    assert bad.status_code == 200 and bad.context["form"].errors and ApiToken.objects.count() == 1
