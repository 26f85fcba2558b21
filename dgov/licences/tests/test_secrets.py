"""Seal private keys never leave dgov.licences.signing: not in any page or endpoint (walked from the
URL configuration, whatever it holds when the suite runs), not in the admin site, not in the OpenAPI
document, not in the audit trail, not in the logs."""

from __future__ import annotations

import base64
import html
import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from dgov.accounts.models import Department, User
from dgov.audit.models import AuditEvent
from dgov.cases.models import Case
from dgov.core import crypto
from dgov.licences import services
from dgov.licences.models import Licence, LicenceShare, LicenceType, Seal, SealKey
from dgov.licences.tests.conftest import issue_food, seal_of
from dgov.licences.verification import qr_payload

# Every page under these must have been requested (with its path parameters filled).
MUST_COVER = ("licences/", "admin/licences/", "api/v1/licences")
TRIES = 8  # parameter combinations tried per pattern until one answers something other than 404


# --- what must not appear ----------------------------------------------------------------------


def secret_needles() -> dict[str, str]:
    """Every form in which a seal's private key could leak, by a label for the failure message."""
    needles: dict[str, str] = {}
    for key in SealKey.objects.all():
        private_hex = crypto.sm4_decrypt_text(
            key.private_key_enc, context=f"licences.sealkey:{key.key_id}", purpose="seal-keys"
        )
        raw = bytes.fromhex(private_hex)
        body = key.private_key_enc.split(":", 1)[1]
        forms = {
            "private key hex": private_hex.lower(),
            "private key HEX": private_hex.upper(),
            "private key base64": base64.b64encode(raw).decode(),
            "private key base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "private key base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
            "private key ciphertext": key.private_key_enc,
            "private key ciphertext body": body,
        }
        for label, needle in forms.items():
            needles[needle] = f"{label} of {key.key_id}"
    seal_keys_key = crypto.purpose_key("seal-keys", 16)
    needles[seal_keys_key.hex()] = "the seal-keys encryption key"
    needles[base64.b64encode(seal_keys_key).decode()] = "the seal-keys encryption key (base64)"
    return needles


def leaks(text: str, needles: dict[str, str]) -> list[str]:
    forms = {text, html.unescape(text), text.replace("\\/", "/"), text.replace("\\u002b", "+")}
    return sorted({label for needle, label in needles.items() if any(needle in f for f in forms)})


# --- walking the URL configuration --------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


@dataclass
class Pattern:
    template: str  # the path with {name} placeholders
    params: list[tuple[str, str, list[str]]]  # name, converter, literal choices (regex alternations)
    name: str | None


def _part(pattern: Any) -> tuple[str, list[tuple[str, str, list[str]]]] | None:
    """A URL pattern's text as a template and its parameters; None when it cannot be filled."""
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        params = [(m["name"], m["conv"] or "str", []) for m in _ROUTE_PARAM.finditer(route)]
        return _ROUTE_PARAM.sub(lambda m: "{" + m["name"] + "}", route), params
    if isinstance(pattern, RegexPattern):
        regex = str(pattern).removeprefix("^").removesuffix("$")
        params: list[tuple[str, str, list[str]]] = []

        def group(m: re.Match[str]) -> str:
            body = m["body"]
            choices = body.split("|") if re.fullmatch(r"[\w|.-]+", body) else []
            params.append((m["name"], "re", choices))
            return "{" + m["name"] + "}"

        template = _REGEX_GROUP.sub(group, regex).replace("\\.", ".").replace("\\-", "-")
        if re.search(r"[\\()\[\]*+?|^$]", template) or any(not c for _n, _c, c in params):
            return None  # a catch-all or real regex: nothing sensible to fill in
        return template, params
    return str(pattern), []


def url_patterns(resolver: Any = None, prefix: str = "", prefix_params: Any = ()) -> Iterator[Pattern | str]:
    """Every URL pattern as a Pattern, or its raw text when it cannot be filled."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        part = _part(entry.pattern)
        if part is None:
            yield prefix + str(entry.pattern)
            continue
        text, params = part
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, prefix + text, [*prefix_params, *params])
        elif isinstance(entry, URLPattern):
            yield Pattern(prefix + text, [*prefix_params, *params], entry.name)


# --- filling path parameters with real values ---------------------------------------------------


def _pks(model: Any, n: int = 3) -> list[str]:
    return [str(pk) for pk in model.objects.order_by("-pk").values_list("pk", flat=True)[:n]]


def _models_named(word: str) -> list[Any]:
    word = word.replace("-", "").replace("_", "").lower()
    if not word:
        return []
    exact = [m for m in apps.get_models() if m._meta.model_name == word]
    return exact or [m for m in apps.get_models() if m._meta.model_name.endswith(word)]


@dataclass
class World:
    """Real values to put into paths: the objects the walk looks at."""

    licence: Licence
    share_token: str
    case: Case
    preferred: dict[Any, list[str]] = field(default_factory=dict)  # tried first, per model

    def pks(self, model: Any, n: int) -> list[str]:
        first = self.preferred.get(model, [])
        return [*first, *(pk for pk in _pks(model, n) if pk not in first)][: max(n, len(first))]

    def values(self, before: str, name: str, conv: str, choices: list[str]) -> list[str]:
        if choices:
            return choices
        segments = [s for s in before.split("/") if s and "{" not in s]
        if name == "object_id" and before.startswith("admin/") and len(segments) >= 3:
            model = apps.get_model(segments[1], segments[2])
            return self.pks(model, 100 if model in (Seal, SealKey, Licence) else 1) or ["1"]
        by_name: dict[str, list[str]] = {
            "identifier": [self.licence.identifier],
            "token": [self.share_token],
            "number": [str(self.case.number)],
            "key": list(apps.get_model("workflow", "ProcessDefinition").objects.values_list("key", flat=True)[:2]),
            "version": ["1"],
            "kid": list(SealKey.objects.values_list("key_id", flat=True)[:2]),
            "key_id": list(SealKey.objects.values_list("key_id", flat=True)[:2]),
        }
        if name in by_name:
            return by_name[name]
        if name == "code":
            catalogue = list(apps.get_model("catalog", "ServiceItem").objects.values_list("code", flat=True)[:2])
            licences = [seal_of(self.licence.issuer).code, self.licence.type.code]
            return (
                catalogue + licences
                if before.startswith(("services", "cases", "api/v1/catalog"))
                else licences + catalogue
            )
        # An id: the model named by the parameter (share_pk, case_pk, task_id) or the segment before it.
        hint = name.removesuffix("_pk").removesuffix("_id")
        models = _models_named(hint) if hint not in ("pk", "id") else []
        if not models and segments:
            models = _models_named(segments[-1].removesuffix("s")) or _models_named(segments[-1])
        if not models and segments:
            app = next((a for a in apps.get_app_configs() if a.label == segments[0]), None)
            models = list(app.get_models()) if app else []
        out = [pk for model in models for pk in self.pks(model, 2)]
        return out or ["1"]


def fill(pattern: Pattern, world: World) -> list[str]:
    """Up to TRIES paths for the pattern with real values."""
    lists = []
    for name, conv, choices in pattern.params:
        before = pattern.template.split("{" + name + "}", 1)[0]
        lists.append((name, world.values(before, name, conv, choices)))
    # The admin change page of every seal, key and licence; one object for every other page.
    limit = 1000 if pattern.template.endswith("{object_id}/change/") else TRIES
    if any(name == "object_id" for name, _v in lists) and limit == TRIES:
        limit = 1
    paths = []
    for combo in itertools.islice(itertools.product(*(v for _n, v in lists)), limit):
        path = pattern.template
        for (name, _values), value in zip(lists, combo, strict=True):
            path = path.replace("{" + name + "}", value, 1)
        paths.append("/" + path)
    return paths


# --- the walk ------------------------------------------------------------------------------------


@dataclass
class Walk:
    bodies: dict[str, str] = field(default_factory=dict)  # "user GET path" -> what came back
    requested: set[str] = field(default_factory=set)  # pattern templates requested with real values
    unfilled: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def _content(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return headers + "\n\n" + raw.decode("utf-8", "replace")


def walk(user: User | None, world: World, *, only: tuple[str, ...] = ()) -> Walk:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    result = Walk()
    who = user.username if user else "anonymous"
    for pattern in url_patterns():
        if isinstance(pattern, str):
            result.unfilled.append(pattern)
            continue
        if only and not pattern.template.startswith(only):
            continue
        for path in fill(pattern, world):
            response = client.get(path)
            result.bodies[f"{who} GET {path}"] = _content(response)
            result.statuses[f"{who} GET {path}"] = response.status_code
            result.requested.add(pattern.template)
            if user is not None and "_auth_user_id" not in client.session:
                client.force_login(user)  # a sign-out page was among them
            if response.status_code != 404 and "object_id" not in pattern.template:
                break
    return result


@pytest.fixture
def world(
    licences_demo: dict[str, int],
    approved_food_case: Any,
    enterprise: User,
    food_type: LicenceType,
    scjg: Department,
) -> World:
    """Licences in every state, a rotated key, a revoked seal, a share link and a licence of a case."""
    case = approved_food_case(enterprise)
    licence = Licence.objects.get(case=case)
    revoked = issue_food(food_type, enterprise)
    approver = User.objects.get(username="approver")
    services.licence_set_status(actor=approver, licence=revoked, status=Licence.Status.REVOKED, reason="以欺骗手段取得")
    services.licence_replace(actor=None, licence=issue_food(food_type, enterprise), face={"premises": "新址（示例）"})
    services.seal_key_rotate(actor=None, seal=seal_of(scjg))
    issue_food(food_type, enterprise)  # signed with the new key
    mzj_seal = seal_of(Department.objects.get(code="mzj"))
    services.seal_set_status(actor=None, seal=mzj_seal, status=Seal.Status.REVOKED, reason="部门撤并")
    share, token = services.licence_share_create(actor=enterprise, licence=licence, days=7)
    services.licence_staff_lookup(actor=approver, identifier=licence.identifier, case=case, reason="核验经营资质")
    preferred = {
        Licence: [str(licence.pk)],
        Seal: [str(seal_of(scjg).pk)],
        Case: [str(case.pk)],
        LicenceShare: [str(share.pk)],
        LicenceType: [str(food_type.pk)],
    }
    return World(licence=licence, share_token=token, case=case, preferred=preferred)


def test_no_page_or_endpoint_shows_a_private_key(
    world: World, sysadmin: User, scjg_admin: User, approver: User, enterprise: User, settings: Any
) -> None:
    settings.DGOV_DEMO_WAIVES_MFA = True  # the demo staff pass without a second factor (its own tests)
    assert sysadmin.is_demo

    everything = walk(sysadmin, world)
    assert everything.requested, "the URL configuration yielded nothing to request"
    assert everything.statuses, "nothing was requested"
    # The system administrator reaches the admin site and the API (not a sign-in redirect).
    assert everything.statuses["admin GET /admin/"] == 200
    assert everything.statuses["admin GET /api/v1/openapi.json"] == 200
    for key in ("admin GET /api/v1/docs", "admin GET /licences/keys.json", "admin GET /licences/verify/"):
        if key in everything.statuses:
            assert everything.statuses[key] == 200, key

    # Every licences page was requested with real values; nothing of them is left unfilled.
    templates = {p.template for p in url_patterns() if isinstance(p, Pattern)}
    must = {t for t in templates if t.startswith(MUST_COVER)}
    assert must <= everything.requested, sorted(must - everything.requested)
    assert not [u for u in everything.unfilled if u.startswith(MUST_COVER)]
    for obj in [*Seal.objects.all(), *SealKey.objects.all(), *Licence.objects.all()]:
        path = f"/admin/licences/{obj._meta.model_name}/{obj.pk}/change/"
        if any(t.startswith(f"admin/licences/{obj._meta.model_name}/") for t in templates):
            assert f"admin GET {path}" in everything.bodies, path
            assert everything.statuses[f"admin GET {path}"] == 200, path

    # The same licences pages as the people who work with them, and as nobody.
    scoped = [walk(user, world, only=MUST_COVER) for user in (scjg_admin, approver, enterprise, None)]
    if "licences/work/seals/{pk}/" in templates:
        seal_page = f"scjg_admin GET /licences/work/seals/{seal_of(world.licence.issuer).pk}/"
        assert scoped[0].statuses[seal_page] == 200

    # None of the licences pages fails on the way (a failing page would hide what it would show).
    prefixes = tuple(f" GET /{p}" for p in MUST_COVER)
    errors = {r: code for w in (everything, *scoped) for r, code in w.statuses.items() if code >= 500}
    assert not {r: code for r, code in errors.items() if any(p in r for p in prefixes)}

    # Keys made by any of those requests count too: the needles are read at the end.
    needles = secret_needles()
    assert len(needles) >= 6 * SealKey.objects.count()  # base64url and base64 coincide without + or /
    found = {
        request: leaked
        for w in (everything, *scoped)
        for request, text in w.bodies.items()
        if (leaked := leaks(text, needles))
    }
    assert not found, found


def test_the_audit_trail_holds_no_private_key(world: World) -> None:
    needles = secret_needles()
    for event in AuditEvent.objects.all():
        assert not leaks(repr(event.summary), needles), event.action
    # The public key list and a QR payload carry the public key and key id only.
    from dgov.licences.selectors import published_keys

    assert not leaks(repr(published_keys()), needles)
    assert not leaks(qr_payload(world.licence), needles)


def test_issuing_logs_no_private_key(
    caplog: pytest.LogCaptureFixture,
    approved_food_case: Any,
    enterprise: User,
    food_type: LicenceType,
    scjg: Department,
    approver: User,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # every SQL statement and its parameters are logged
    try:
        case = approved_food_case(enterprise)
        licence = Licence.objects.get(case=case)
        issue_food(food_type, enterprise, actor=approver)
        services.licence_replace(actor=approver, licence=licence, renew=True)
        services.seal_key_rotate(actor=None, seal=seal_of(scjg))
        issue_food(food_type, enterprise)
        services.seal_set_status(actor=None, seal=seal_of(scjg), status=Seal.Status.SUSPENDED, reason="暂停")
        with pytest.raises(services.LicenceError):
            issue_food(food_type, enterprise)
    finally:
        connection.force_debug_cursor = False
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "licences_sealkey" in text  # the key rows were read while logging at DEBUG
    needles = {
        needle: label for needle, label in secret_needles().items() if "ciphertext" not in label
    }  # the key row's ciphertext is in SQL that creates a key; the plaintext is nowhere
    assert not leaks(text, needles)
    # Signing reads the ciphertext; it is not logged outside the INSERT that stored it.
    for key in SealKey.objects.all():
        for record in caplog.records:
            if key.private_key_enc in record.getMessage():
                assert "INSERT" in record.getMessage(), record.getMessage()[:200]
