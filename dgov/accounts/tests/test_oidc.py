"""The platform as an OIDC provider, driven end to end by a department system.

A real HTTP server (pytest-django's ``live_server``) serves the platform; a ``requests`` session
plays the user's browser (sign-in form, consent form) and authlib's OAuth2Session plays the
department system (authorization code flow with PKCE S256, state and nonce). The id_token is
verified as a relying party would: signature against the published JWKS, then iss, aud, exp,
nonce and at_hash.
"""

from __future__ import annotations

import base64
import json
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from django.conf import settings as django_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError
from joserfc.jwk import KeySet, RSAKey
from oauth2_provider.models import AccessToken, Grant, get_application_model
from oauth2_provider.settings import oauth2_settings

from dgov.accounts.demo import load_all
from dgov.accounts.models import Department, Role, RoleAssignment, User

Application = get_application_model()

pytestmark = pytest.mark.django_db(transaction=True)

# The department system's callback: nothing listens there, the code is read from the Location header.
REDIRECT_URI = "http://127.0.0.1:9/callback"
SCOPE = "openid profile roles"
TIMEOUT = 10


# --- The platform under test ------------------------------------------------------------------


@pytest.fixture
def issuer(live_server, settings) -> str:
    """The platform served over HTTP, its issuer set to the live server's address, demo data loaded."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast demo accounts
    settings.DGOV_DEMO = True
    settings.DGOV_DEMO_WAIVES_MFA = True
    settings.DGOV_BASE_URL = live_server.url
    # Replacing OAUTH2_PROVIDER sends setting_changed, on which django-oauth-toolkit reloads.
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    assert live_server.url == oauth2_settings.OIDC_ISS_ENDPOINT
    load_all()
    return live_server.url


def register_department_system(*, skip_authorization: bool) -> tuple[Application, str]:
    """A confidential client of a department system; returns it with its clear-text secret."""
    secret = generate_token(48)
    app = Application.objects.create(
        name="区市场监管业务系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=secret,
        skip_authorization=skip_authorization,
    )
    return app, secret


# --- The department system (relying party) -------------------------------------------------------


@pytest.fixture(autouse=True)
def _close_http_sessions(monkeypatch):
    """Close every HTTP session a test opened, so no keep-alive request thread of the live server
    outlives the test (it would close the shared database connection from another thread)."""
    opened: list[requests.Session] = []
    original_init = requests.Session.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(requests.Session, "__init__", init)
    yield
    for session in opened:
        session.close()


class DepartmentSystem:
    """What a department system does with authlib: discover, redirect, exchange, verify."""

    def __init__(self, issuer: str, app: Application, secret: str, scope: str = SCOPE) -> None:
        self.issuer = issuer
        self.client_id = app.client_id
        self.discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT).json()
        self.jwks = requests.get(self.discovery["jwks_uri"], timeout=TIMEOUT).json()
        self.oauth = OAuth2Session(
            client_id=app.client_id,
            client_secret=secret,
            scope=scope,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
        )
        self.code_verifier = generate_token(64)
        self.nonce = generate_token(24)
        self.state: str | None = None

    def authorization_url(self, **extra: str) -> str:
        url, self.state = self.oauth.create_authorization_url(
            self.discovery["authorization_endpoint"], code_verifier=self.code_verifier, nonce=self.nonce, **extra
        )
        return url

    def fetch_token(self, callback_url: str, code_verifier: str | None = None) -> dict:
        return self.oauth.fetch_token(
            self.discovery["token_endpoint"],
            authorization_response=callback_url,
            state=self.state,
            code_verifier=code_verifier or self.code_verifier,
            timeout=TIMEOUT,
        )

    def verify_id_token(self, id_token: str, access_token: str | None = None) -> CodeIDToken:
        token = jwt.decode(id_token, KeySet.import_key_set(self.jwks), algorithms=["RS256"])
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "sub": {"essential": True},
                "exp": {"essential": True},
                "nonce": {"essential": True, "value": self.nonce},
            },
            params={"nonce": self.nonce, "client_id": self.client_id, "access_token": access_token},
        )
        claims.validate()
        return claims

    def userinfo(self) -> dict:
        response = self.oauth.get(self.discovery["userinfo_endpoint"], timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()


# --- The user's browser ---------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page: attributes and (name, value) of their inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": a, "inputs": []})
        elif tag in {"input", "button"} and self.forms and a.get("name"):
            self.forms[-1]["inputs"].append((a.get("type") or "text", a["name"], a.get("value") or ""))


def page_form(response: requests.Response, *, has_field: str) -> dict:
    parser = _Forms()
    parser.feed(response.text)
    for form in parser.forms:
        if any(name == has_field for _, name, _ in form["inputs"]):
            return form
    raise AssertionError(f"no form with a {has_field!r} field on {response.url}")


def submit(browser: requests.Session, response: requests.Response, form: dict, values: dict) -> requests.Response:
    data = {name: value for kind, name, value in form["inputs"] if kind not in {"submit", "button"}}
    data.update(values)
    action = urljoin(response.url, form["attrs"].get("action") or response.url)
    return browser.post(action, data=data, allow_redirects=False, timeout=TIMEOUT)


def step(browser: requests.Session, response: requests.Response) -> requests.Response | str:
    """Follow redirects inside the platform; stop at the department system's callback (returned as a URL)."""
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(REDIRECT_URI):
            return location
        response = browser.get(location, allow_redirects=False, timeout=TIMEOUT)
    return response


def sign_in(browser: requests.Session, response: requests.Response, username: str) -> requests.Response | str:
    """Fill in the platform's sign-in form (CSRF token included) on the page the browser was sent to."""
    assert urlparse(response.url).path == "/accounts/login/", response.url
    form = page_form(response, has_field="password")
    assert any(name == "csrfmiddlewaretoken" for _, name, _ in form["inputs"])
    assert "csrftoken" in browser.cookies
    answer = submit(browser, response, form, {"username": username, "password": django_settings.DGOV_DEMO_PASSWORD})
    assert answer.is_redirect, f"sign-in of {username} failed: {answer.status_code}"
    return step(browser, answer)


def approve(browser: requests.Session, response: requests.Response | str) -> str:
    """Approve the consent form if the platform shows one; return the callback URL."""
    if isinstance(response, str):
        return response
    assert response.status_code == 200, response.text[:500]
    form = page_form(response, has_field="allow")
    assert form["attrs"].get("id") == "authorizationForm"
    result = step(browser, submit(browser, response, form, {"allow": "Authorize"}))
    assert isinstance(result, str), f"no redirect to the department system: {result.status_code}"
    return result


def sign_in_and_authorize(url: str, username: str) -> tuple[requests.Session, str]:
    """The whole user journey: authorize → sign-in form → (consent) → callback URL."""
    browser = requests.Session()
    response = step(browser, browser.get(url, allow_redirects=False, timeout=TIMEOUT))
    assert not isinstance(response, str), "the platform issued a code without a signed-in user"
    return browser, approve(browser, sign_in(browser, response, username))


def signed_in_browser(issuer: str, username: str) -> requests.Session:
    browser = requests.Session()
    response = browser.get(f"{issuer}/accounts/login/", allow_redirects=False, timeout=TIMEOUT)
    result = sign_in(browser, response, username)
    assert not isinstance(result, str)
    return browser


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


# --- Discovery and keys --------------------------------------------------------------------------


def test_discovery_at_the_issuer_root(issuer):
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
    assert response.status_code == 200
    doc = response.json()

    assert doc["issuer"] == issuer
    assert doc["authorization_endpoint"] == f"{issuer}/o/authorize/"
    assert doc["token_endpoint"] == f"{issuer}/o/token/"
    assert doc["userinfo_endpoint"] == f"{issuer}/o/userinfo/"
    assert doc["jwks_uri"] == f"{issuer}/o/.well-known/jwks.json"
    assert "code" in doc["response_types_supported"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert {"openid", "profile", "roles"} <= set(doc["scopes_supported"])
    assert {"sub", "name", "preferred_username", "kind", "department", "department_name", "roles"} <= set(
        doc["claims_supported"]
    )
    # The copy under /o/ tells the same story.
    assert requests.get(f"{issuer}/o/.well-known/openid-configuration", timeout=TIMEOUT).json() == doc

    jwks = requests.get(doc["jwks_uri"], timeout=TIMEOUT)
    assert jwks.status_code == 200
    keys = jwks.json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" and k["kid"] for k in keys)
    assert all("d" not in k and "p" not in k for k in keys), "the JWKS must hold public keys only"
    KeySet.import_key_set(jwks.json())  # a client library can load it


def test_issuer_is_the_configured_public_base_url(live_server):
    """Unchanged settings: the issuer is DGOV_BASE_URL, whatever host the request came to."""
    base_url = django_settings.DGOV_BASE_URL
    assert django_settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"] == base_url
    assert base_url == oauth2_settings.OIDC_ISS_ENDPOINT
    doc = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=TIMEOUT).json()
    assert doc["issuer"] == base_url
    assert doc["authorization_endpoint"] == f"{base_url}/o/authorize/"


# --- The code flow, end to end -------------------------------------------------------------------


def test_staff_signs_in_to_a_department_system_with_consent(issuer):
    app, secret = register_department_system(skip_authorization=False)
    rp = DepartmentSystem(issuer, app, secret)
    url = rp.authorization_url()
    params = query(url)
    assert params["code_challenge_method"] == "S256" and params["code_challenge"] and params["nonce"]

    browser = requests.Session()
    response = step(browser, browser.get(url, allow_redirects=False, timeout=TIMEOUT))
    consent = sign_in(browser, response, "approver")
    assert not isinstance(consent, str), "consent was skipped for an application that asks for it"
    assert consent.status_code == 200 and app.name in consent.text
    callback = approve(browser, consent)

    assert query(callback)["state"] == rp.state
    token = rp.fetch_token(callback)
    assert token["token_type"] == "Bearer" and set(token["scope"].split()) == set(SCOPE.split())

    claims = rp.verify_id_token(token["id_token"], access_token=token["access_token"])
    approver = User.objects.get(username="approver")
    scjg = Department.objects.get(code="scjg")
    assert scjg.name == "江海区市场监督管理局"
    assert claims["sub"] == str(approver.pk)
    assert claims["preferred_username"] == "approver"
    assert claims["name"] == "梁志强"
    assert claims["kind"] == "staff"
    assert claims["department"] == (scjg.credit_code or scjg.code)
    assert claims["department_name"] == "江海区市场监督管理局"
    assert claims["roles"] == ["approver"]
    assert claims["exp"] > time.time() and claims["at_hash"]

    info = rp.userinfo()
    assert info["sub"] == str(approver.pk)
    for claim in ("name", "preferred_username", "kind", "department", "department_name", "roles"):
        assert info[claim] == claims[claim], claim


def test_citizen_signs_in_without_consent_when_the_application_is_trusted(issuer):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    browser = requests.Session()
    response = step(browser, browser.get(rp.authorization_url(), allow_redirects=False, timeout=TIMEOUT))
    callback = sign_in(browser, response, "citizen")
    assert isinstance(callback, str), "a trusted application still showed the consent form"

    token = rp.fetch_token(callback)
    claims = rp.verify_id_token(token["id_token"], access_token=token["access_token"])
    citizen = User.objects.get(username="citizen")
    assert claims["sub"] == str(citizen.pk)
    assert claims["kind"] == "citizen"
    assert claims["roles"] == []
    # A citizen belongs to no department: the claims are left out, not sent as null.
    assert "department" not in claims and "department_name" not in claims

    info = rp.userinfo()
    assert info["sub"] == str(citizen.pk)
    assert info["kind"] == "citizen" and info["roles"] == []
    assert "department" not in info and "department_name" not in info


@pytest.mark.parametrize(
    ("scope", "released", "withheld"),
    [
        ("openid", set(), {"name", "preferred_username", "kind", "department", "department_name", "roles"}),
        ("openid profile", {"name", "preferred_username", "kind"}, {"department", "department_name", "roles"}),
        ("openid roles", {"department", "department_name", "roles"}, {"name", "preferred_username", "kind"}),
    ],
)
def test_claims_follow_the_granted_scopes(issuer, scope, released, withheld):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret, scope=scope)
    _, callback = sign_in_and_authorize(rp.authorization_url(), "approver")
    token = rp.fetch_token(callback)
    claims = rp.verify_id_token(token["id_token"], access_token=token["access_token"])
    info = rp.userinfo()
    for source in (claims, info):
        assert "sub" in source
        assert released <= set(source), released - set(source)
        assert not (withheld & set(source)), withheld & set(source)


# --- What the provider refuses -------------------------------------------------------------------


def test_authorization_without_code_challenge_is_refused(issuer):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    browser = signed_in_browser(issuer, "citizen")
    url, state = rp.oauth.create_authorization_url(rp.discovery["authorization_endpoint"], nonce=rp.nonce)
    assert "code_challenge" not in query(url)

    result = step(browser, browser.get(url, allow_redirects=False, timeout=TIMEOUT))
    assert isinstance(result, str), "the error goes back to the department system"
    params = query(result)
    assert "code" not in params
    assert params["error"] == "invalid_request"
    assert "challenge" in params["error_description"]
    assert params["state"] == state
    assert not Grant.objects.exists()


def test_plain_code_challenge_is_refused(issuer):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    browser = signed_in_browser(issuer, "citizen")
    url, _ = rp.oauth.create_authorization_url(
        rp.discovery["authorization_endpoint"],
        nonce=rp.nonce,
        code_challenge=rp.code_verifier,
        code_challenge_method="plain",
    )
    result = step(browser, browser.get(url, allow_redirects=False, timeout=TIMEOUT))
    assert isinstance(result, str), "the error goes back to the department system"
    params = query(result)
    assert "code" not in params
    assert params["error"] == "invalid_request"
    assert "plain" in params["error_description"]
    assert not Grant.objects.exists()


def test_wrong_code_verifier_gets_invalid_grant(issuer):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    _, callback = sign_in_and_authorize(rp.authorization_url(), "citizen")
    with pytest.raises(OAuthError) as exc:
        rp.fetch_token(callback, code_verifier=generate_token(64))
    assert exc.value.error == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_authorization_code_works_once(issuer):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    _, callback = sign_in_and_authorize(rp.authorization_url(), "citizen")
    first = rp.fetch_token(callback)
    assert first["access_token"]
    with pytest.raises(OAuthError) as exc:
        rp.fetch_token(callback)
    assert exc.value.error == "invalid_grant"


def test_tampered_id_token_fails_verification(issuer):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    _, callback = sign_in_and_authorize(rp.authorization_url(), "citizen")
    token = rp.fetch_token(callback)
    id_token = token["id_token"]
    rp.verify_id_token(id_token, access_token=token["access_token"])  # the genuine one passes

    # 1. The payload changed (a citizen promoted to staff), the platform's signature kept.
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(kind="staff", roles=["system_admin"])
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        rp.verify_id_token(f"{header}.{forged_payload}.{signature}")

    # 2. Re-signed with another key under the platform's key id.
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    forger = RSAKey.generate_key(2048, parameters={"kid": kid})
    forged = jwt.encode({"alg": "RS256", "kid": kid}, claims, forger)
    with pytest.raises(BadSignatureError):
        rp.verify_id_token(forged)

    # 3. A genuine token presented to another department system (aud) or with another nonce.
    other_app, other_secret = register_department_system(skip_authorization=True)
    with pytest.raises(InvalidClaimError):
        DepartmentSystem(issuer, other_app, other_secret).verify_id_token(id_token)
    rp.nonce = generate_token(24)
    with pytest.raises(InvalidClaimError):
        rp.verify_id_token(id_token)


@pytest.mark.parametrize("redirect_uri", ["http://evil.example/callback", "http://127.0.0.1:9/elsewhere"])
def test_unregistered_redirect_uri_is_refused(issuer, redirect_uri):
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    browser = signed_in_browser(issuer, "citizen")
    url = rp.authorization_url(redirect_uri=redirect_uri)

    response = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert not response.is_redirect, f"sent the user to {response.headers.get('Location')}"
    assert response.status_code == 400
    assert "Mismatching redirect URI" in response.text
    assert not Grant.objects.exists()


def test_signed_in_people_cannot_register_their_own_clients(issuer):
    """Department systems are registered by the system administrator, not through /o/applications/."""
    for username in ("citizen", "approver"):
        browser = signed_in_browser(issuer, username)
        for path in ("/o/applications/", "/o/applications/register/"):
            response = browser.get(f"{issuer}{path}", allow_redirects=False, timeout=TIMEOUT)
            assert response.status_code == 404, (username, path, response.status_code)


# --- Staff second factor ---------------------------------------------------------------------------


def _staff_without_waiver(settings, which: str) -> str:
    if which == "demo account, waiver off":
        settings.DGOV_DEMO_WAIVES_MFA = False
        return "approver"
    scjg = Department.objects.get(code="scjg")
    user = User.objects.create_user(
        username="inspector", password=settings.DGOV_DEMO_PASSWORD, kind="staff", real_name="钱检", department=scjg
    )
    RoleAssignment.objects.create(user=user, role=Role.APPROVER, department=scjg)
    return "inspector"


@pytest.mark.parametrize("which", ["demo account, waiver off", "not a demo account"])
def test_staff_without_second_factor_gets_no_code(issuer, settings, which):
    username = _staff_without_waiver(settings, which)
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    browser = requests.Session()
    response = step(browser, browser.get(rp.authorization_url(), allow_redirects=False, timeout=TIMEOUT))
    result = sign_in(browser, response, username)

    assert not isinstance(result, str), f"a code was issued before the second factor: {result}"
    assert urlparse(result.url).path == "/accounts/mfa/"
    assert query(result.url)["next"].startswith("/o/authorize/")
    assert result.status_code == 200
    assert not Grant.objects.exists()
    # Asking again changes nothing until the second factor is passed.
    again = browser.get(rp.authorization_url(), allow_redirects=False, timeout=TIMEOUT)
    assert again.is_redirect and urlparse(again.headers["Location"]).path == "/accounts/mfa/"
    assert not Grant.objects.exists()


def test_staff_after_second_factor_gets_a_code(issuer, settings):
    username = _staff_without_waiver(settings, "not a demo account")
    device = TOTPDevice.objects.create(user=User.objects.get(username=username), name="authenticator", confirmed=True)
    app, secret = register_department_system(skip_authorization=True)
    rp = DepartmentSystem(issuer, app, secret)
    browser = requests.Session()
    response = step(browser, browser.get(rp.authorization_url(), allow_redirects=False, timeout=TIMEOUT))
    mfa_page = sign_in(browser, response, username)
    assert not isinstance(mfa_page, str) and urlparse(mfa_page.url).path == "/accounts/mfa/"

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    form = page_form(mfa_page, has_field="token")
    callback = step(browser, submit(browser, mfa_page, form, {"token": f"{totp.token():0{device.digits}d}"}))
    assert isinstance(callback, str), "the second factor did not lead back to the department system"

    claims = rp.verify_id_token(rp.fetch_token(callback)["id_token"])
    assert claims["preferred_username"] == "inspector"
    assert claims["kind"] == "staff" and claims["roles"] == ["approver"]
