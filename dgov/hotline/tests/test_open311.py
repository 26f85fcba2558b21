"""Open311 GeoReport v2 at /open311/v2/, checked from the outside.

GeoReportClient below is written from the specification alone (resource paths, parameters, the
XML element names and the Spark convention that maps XML to JSON); every response it reads is
checked against the JSON Schemas in data/open311/ (see its README), in both formats. A client
library from PyPI (georeport) reads the endpoint over real HTTP when it is installed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from dgov.accounts.models import ApiToken, Department, User
from dgov.accounts.services import api_token_create
from dgov.hotline import open311, services
from dgov.hotline.models import Callback, Category, Ticket
from dgov.hotline.tests.conftest import CATEGORIES, call, leaf

SCHEMAS = Path(__file__).resolve().parent / "data" / "open311"
SPEC = "http://wiki.open311.org/GeoReport_v2"
BASE = "/open311/v2"
FORMATS = ("json", "xml")
DESCRIPTION = "江海一路与东海路交界那几盏路灯晚上都不亮，走路很危险。"


# --- A JSON Schema checker ----------------------------------------------------------------------

# The keywords the schemas in data/open311/ use (their README lists them).
ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
KEYWORDS = ANNOTATIONS | {
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "pattern",
    "enum",
    "oneOf",
}
JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def schema_errors(instance: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> list[str]:
    """What is wrong with instance under schema (the keywords above, draft 2020-12 meaning)."""
    assert set(schema) <= KEYWORDS, f"unsupported keywords {set(schema) - KEYWORDS}"
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(instance, target, root, path)
    if "type" in schema:
        types = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
        if not any(JSON_TYPES[t](instance) for t in types):
            return [f"{path}: {instance!r} is not of type {types}"]
    errors = []
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} is not one of {schema['enum']}")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if len(instance) > schema.get("maxLength", len(instance)):
            errors.append(f"{path}: too long")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{path}: {instance!r} does not match {schema['pattern']}")
    if JSON_TYPES["number"](instance):
        low, high = schema.get("minimum", instance), schema.get("maximum", instance)
        if not low <= instance <= high:
            errors.append(f"{path}: {instance} out of range")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        for n, item in enumerate(instance):
            errors += schema_errors(item, schema.get("items", {}), root, f"{path}[{n}]")
    if isinstance(instance, dict):
        errors += [f"{path}: {name} is missing" for name in schema.get("required", []) if name not in instance]
        properties = schema.get("properties", {})
        for name, value in instance.items():
            if name in properties:
                errors += schema_errors(value, properties[name], root, f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {name}")
    if "oneOf" in schema:
        matching = sum(not schema_errors(instance, option, root, path) for option in schema["oneOf"])
        if matching != 1:
            errors.append(f"{path}: matches {matching} of oneOf, not exactly one")
    return errors


def assert_valid(instance: Any, name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    try:
        import jsonschema
    except ImportError:
        errors = schema_errors(instance, schema, schema)
    else:  # pragma: no cover - when the package is installed
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(instance)]
    assert not errors, f"{name}: {errors}"


def test_the_checker_rejects_what_the_schemas_forbid() -> None:
    schema = json.loads((SCHEMAS / "request-created.schema.json").read_text(encoding="utf-8"))
    both = [{"service_request_id": "1", "token": "t"}]
    assert schema_errors(both, schema, schema)
    assert schema_errors([{"service_request_id": "1", "extra": 1}], schema, schema)
    assert not schema_errors([{"token": "t", "account_id": None}], schema, schema)
    errors = json.loads((SCHEMAS / "errors.schema.json").read_text(encoding="utf-8"))
    assert schema_errors([{"code": "400", "description": "x"}], errors, errors)
    assert schema_errors([], errors, errors)


# --- A GeoReport v2 client written from the specification ---------------------------------------


class GeoReportClient:
    """GeoReport v2 over Django's test client: GET and POST on the six resources, in XML or JSON.
    XML is read with the specification's element names and mapped to the JSON form (the Spark
    convention: list containers become arrays, true/false booleans, lat/long numbers, an error's
    code an integer, an empty element null)."""

    LISTS = {
        "services": "service",
        "service_requests": "request",
        "errors": "error",
        "endpoints": "endpoint",
        "formats": "format",
        "attributes": "attribute",
        "values": "value",
    }
    BOOLEANS = {"metadata", "variable", "required"}
    NUMBERS = {"lat", "long"}

    def __init__(self, http: Client, *, api_key: str = "", jurisdiction_id: str = "", base: str = BASE) -> None:
        self.http = http
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.base = base
        self.last: Any = None

    # Reading ------------------------------------------------------------------------------------

    @classmethod
    def from_xml(cls, element: ET.Element, parent: str = "") -> Any:
        if element.tag in cls.LISTS:
            assert all(child.tag == cls.LISTS[element.tag] for child in element), element.tag
            return [cls.from_xml(child, element.tag) for child in element]
        if len(element):
            return {child.tag: cls.from_xml(child, element.tag) for child in element}
        text = element.text
        if text is None or text == "":
            return None
        if element.tag in cls.BOOLEANS:
            assert text in ("true", "false"), text
            return text == "true"
        if element.tag in cls.NUMBERS:
            return float(text)
        if element.tag == "code" and parent == "error":
            return int(text)
        return text

    def read(self, response: Any, fmt: str) -> Any:
        self.last = response
        if fmt == "json":
            assert response["Content-Type"] == "application/json; charset=utf-8"
            return json.loads(response.content.decode("utf-8"))
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        text = response.content.decode("utf-8")
        assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
        return self.from_xml(ET.fromstring(response.content))

    def get(self, resource: str, fmt: str, **params: Any) -> Any:
        if self.jurisdiction_id:
            params.setdefault("jurisdiction_id", self.jurisdiction_id)
        return self.read(self.http.get(f"{self.base}/{resource}.{fmt}", params), fmt)

    # The six methods and discovery ----------------------------------------------------------------

    def discovery(self, fmt: str = "json") -> Any:
        return self.get("discovery", fmt)

    def services(self, fmt: str = "json") -> Any:
        return self.get("services", fmt)

    def service_definition(self, code: str, fmt: str = "json") -> Any:
        return self.get(f"services/{code}", fmt)

    def create(self, fmt: str = "json", **fields: Any) -> Any:
        """POST Service Request, form-encoded as the specification prescribes."""
        data = {"api_key": self.api_key, **fields}
        if self.jurisdiction_id:
            data.setdefault("jurisdiction_id", self.jurisdiction_id)
        data = {k: v for k, v in data.items() if v is not None}
        return self.read(post_form(self.http, f"{self.base}/requests.{fmt}", data), fmt)

    def requests(self, fmt: str = "json", **params: Any) -> Any:
        return self.get("requests", fmt, **params)

    def request(self, service_request_id: str, fmt: str = "json") -> Any:
        return self.get(f"requests/{service_request_id}", fmt)

    def token(self, token: str, fmt: str = "json") -> Any:
        return self.get(f"tokens/{token}", fmt)


# Django's test client encodes a dict as multipart unless told otherwise; the specification sends
# application/x-www-form-urlencoded.
def post_form(http: Client, path: str, data: dict[str, Any]) -> Any:
    return http.post(path, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded; charset=utf-8")


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """The posting limit counts in the cache."""
    cache.clear()


@pytest.fixture
def api_key(hotline: None, sysadmin: User) -> str:
    """The key of 江海随手拍, a citizen-reporting app allowed to submit."""
    _token, raw = api_token_create(actor=sysadmin, name="江海随手拍", scopes=[ApiToken.Scope.SUBMIT])
    return raw


@pytest.fixture
def geo(api_key: str) -> GeoReportClient:
    return GeoReportClient(Client(), api_key=api_key)


def fields(**changes: Any) -> dict[str, Any]:
    """A street light reported from the app, with the reporter's details."""
    data = {
        "service_code": "110202",
        "lat": "22.5712",
        "long": "113.1345",
        "address_string": "外海街道江海一路88号",
        "description": DESCRIPTION,
        "first_name": "伯文",
        "last_name": "陈",
        "phone": "13800000001",
        "email": "chen@example.cn",
        "device_id": "device-7",
        "media_url": "https://img.example.cn/light.jpg",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(geo: GeoReportClient, fmt: str = "json", **changes: Any) -> Ticket:
    created = geo.create(fmt, **fields(**changes))
    assert geo.last.status_code == 200, created
    assert_valid(created, "request-created")
    return Ticket.objects.get(number=created[0]["service_request_id"])


def w3c(value: Any) -> str:
    return timezone.localtime(value, open311.BEIJING).isoformat(timespec="seconds")


def close_the_loop(ticket: Ticket, *, reply: str = "已安排维修，路灯已恢复照明。") -> Ticket:
    """Dispatch to 城管, sign for, reply, call back: the ticket closes."""
    dispatcher = User.objects.get(username="dispatcher")
    handler = User.objects.get(username="handler")
    operator = User.objects.get(username="operator")
    services.ticket_dispatch(
        actor=dispatcher, ticket=ticket, category=leaf("110202"), department=Department.objects.get(code="cgj")
    )
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply=reply)
    services.ticket_callback(actor=operator, ticket=ticket, outcome=Callback.Outcome.SOLVED)
    ticket.refresh_from_db()
    return ticket


# --- Discovery and services ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_one_production_endpoint_of_georeport_v2(geo: GeoReportClient, fmt: str) -> None:
    found = geo.discovery(fmt)
    assert geo.last.status_code == 200
    assert_valid(found, "discovery")
    (endpoint,) = found["endpoints"]
    assert endpoint["specification"] == SPEC
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert found["contact"] and found["key_service"]


def test_both_formats_carry_the_same_data(geo: GeoReportClient) -> None:
    ticket = post(geo)
    for resource in ("discovery", "services", "services/110202", f"requests/{ticket.number}", "requests"):
        assert geo.get(resource, "json") == geo.get(resource, "xml"), resource


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_active_leaf_category_is_a_service(geo: GeoReportClient, fmt: str) -> None:
    found = geo.services(fmt)
    assert_valid(found, "services")
    rows = json.loads(CATEGORIES.read_text(encoding="utf-8"))["categories"]
    leaves = [r for r in rows if not r["code"].endswith("00") and r.get("active", True)]
    assert [s["service_code"] for s in found] == sorted(r["code"] for r in leaves)
    light = next(s for s in found if s["service_code"] == "110202")
    category = leaf("110202")
    assert light == {
        "service_code": "110202",
        "service_name": "路灯故障",
        "description": "城市管理 / 市政设施 / 路灯故障",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.keywords.split()),
        "group": "城市管理",
    }


def test_services_speak_the_language_asked_for(api_key: str) -> None:
    geo = GeoReportClient(Client(HTTP_ACCEPT_LANGUAGE="en"), api_key=api_key)
    light = next(s for s in geo.services() if s["service_code"] == "110202")
    assert light["service_name"] == "Street lights out"
    assert light["group"] == "City management"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_has_no_attributes(geo: GeoReportClient, fmt: str) -> None:
    found = geo.service_definition("110202", fmt)
    assert geo.last.status_code == 200
    assert_valid(found, "service-definition")
    assert found == {"service_code": "110202", "attributes": []}


@pytest.mark.parametrize("code", ["110200", "110000", "999999", "abc", "1102021"])
def test_only_leaf_categories_have_a_definition(geo: GeoReportClient, code: str) -> None:
    for fmt in FORMATS:
        found = geo.service_definition(code, fmt)
        assert geo.last.status_code == 404
        assert_valid(found, "errors")
        assert found[0]["code"] == 404


def test_a_category_taken_out_of_use_is_no_longer_a_service(geo: GeoReportClient) -> None:
    rows = json.loads(CATEGORIES.read_text(encoding="utf-8"))["categories"]
    services.categories_load([{**r, "active": False} if r["code"] == "110202" else r for r in rows])
    assert "110202" not in {s["service_code"] for s in geo.services()}
    geo.service_definition("110202")
    assert geo.last.status_code == 404
    before = Ticket.objects.count()
    assert geo.create(**fields())[0]["code"] == 404
    assert Ticket.objects.count() == before


# --- Posting a request and following it ----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_posted_request_is_an_open311_ticket(geo: GeoReportClient, fmt: str) -> None:
    before = Ticket.objects.count()
    created = geo.create(fmt, **fields())
    assert geo.last.status_code == 200
    assert_valid(created, "request-created")
    assert Ticket.objects.count() == before + 1
    (row,) = created
    ticket = Ticket.objects.select_related("category", "via_token").get(number=row["service_request_id"])
    assert row["account_id"] is None and "token" not in row and row["service_notice"]
    assert ticket.channel == Ticket.Channel.OPEN311 and ticket.type == Ticket.Type.HELP
    assert ticket.category is not None and ticket.category.code == "110202"
    assert ticket.via_token is not None and ticket.via_token.name == "江海随手拍"
    assert (ticket.caller_name, ticket.caller_phone) == ("陈伯文", "13800000001")
    assert ticket.external_id == "device-7"
    assert ticket.address == "外海街道江海一路88号"
    assert (str(ticket.latitude), str(ticket.longitude)) == ("22.571200", "113.134500")
    assert ticket.description == DESCRIPTION
    assert len(ticket.open311_token) == 32
    assert ticket.status == Ticket.Status.REGISTERED


def test_a_json_body_is_accepted_too(geo: GeoReportClient, api_key: str) -> None:
    body = {**fields(lat=22.5712, long=113.1345), "api_key": api_key}
    response = geo.http.post(f"{BASE}/requests.json", body, content_type="application/json")
    assert response.status_code == 200, response.content
    number = response.json()[0]["service_request_id"]
    assert Ticket.objects.get(number=number).channel == Ticket.Channel.OPEN311


def test_latin_names_are_written_first_name_first(geo: GeoReportClient) -> None:
    ticket = post(geo, first_name="John", last_name="Smith")
    assert ticket.caller_name == "John Smith"


def test_a_request_is_followed_from_open_to_closed(geo: GeoReportClient) -> None:
    ticket = post(geo)
    (row,) = geo.request(ticket.number)
    assert_valid([row], "requests")
    assert row["status"] == "open" and row["expected_datetime"] is None and row["agency_responsible"] is None
    assert row["service_code"] == "110202" and row["service_name"] == "路灯故障"
    assert (row["lat"], row["long"]) == (22.5712, 113.1345)
    assert row["requested_datetime"] == w3c(ticket.created_at) and row["requested_datetime"].endswith("+08:00")
    with translation.override("zh-hans"):
        assert row["status_notes"] == str(Ticket.Status.REGISTERED.label)

    services.ticket_dispatch(
        actor=User.objects.get(username="dispatcher"),
        ticket=ticket,
        category=leaf("110202"),
        department=Department.objects.get(code="cgj"),
    )
    ticket.refresh_from_db()
    (row,) = geo.request(ticket.number, "xml")
    assert_valid([row], "requests")
    assert row["status"] == "open"
    assert ticket.due_at is not None and row["expected_datetime"] == w3c(ticket.due_at)
    assert row["agency_responsible"] == Department.objects.get(code="cgj").name

    closed = close_the_loop_from_dispatch(ticket, reply="已安排维修，路灯已恢复照明。")
    for fmt in FORMATS:
        (row,) = geo.request(ticket.number, fmt)
        assert_valid([row], "requests")
        assert row["status"] == "closed"
        assert row["status_notes"] == "已安排维修，路灯已恢复照明。"
        assert row["updated_datetime"] == w3c(closed.closed_at)
        assert row["service_notice"] is None
    assert [r["service_request_id"] for r in geo.requests(status="closed")] == [ticket.number]
    assert geo.requests(status="open") == []


def close_the_loop_from_dispatch(ticket: Ticket, *, reply: str) -> Ticket:
    handler = User.objects.get(username="handler")
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply=reply)
    services.ticket_callback(
        actor=User.objects.get(username="operator"), ticket=ticket, outcome=Callback.Outcome.SOLVED
    )
    ticket.refresh_from_db()
    return ticket


def test_a_replied_request_is_still_open_with_the_reply_as_its_notes(geo: GeoReportClient) -> None:
    ticket = post(geo)
    services.ticket_dispatch(
        actor=User.objects.get(username="dispatcher"),
        ticket=ticket,
        category=leaf("110202"),
        department=Department.objects.get(code="cgj"),
    )
    handler = User.objects.get(username="handler")
    services.ticket_sign(actor=handler, ticket=ticket)
    services.ticket_reply(actor=handler, ticket=ticket, reply="明日上午维修。")
    (row,) = geo.request(ticket.number)
    assert (row["status"], row["status_notes"]) == ("open", "明日上午维修。")


def test_the_caller_is_never_shown(geo: GeoReportClient) -> None:
    ticket = post(geo)
    close_the_loop(ticket)
    for fmt in FORMATS:
        for response in (
            geo.http.get(f"{BASE}/requests/{ticket.number}.{fmt}"),
            geo.http.get(f"{BASE}/requests.{fmt}"),
            geo.http.get(f"{BASE}/tokens/{ticket.open311_token}.{fmt}"),
        ):
            body = response.content.decode("utf-8")
            for secret in ("13800000001", "138****0001", "陈伯文", "陈*", "伯文", "chen@example.cn", "device-7"):
                assert secret not in body, (secret, body)
            assert ticket.lookup_code not in body


# --- Refusals ------------------------------------------------------------------------------------

_ = gettext_lazy
REFUSALS: dict[str, tuple[dict[str, Any], int, Any]] = {
    "no service_code": ({"service_code": None}, 400, _("service_code was not provided.")),
    "no location": (
        {"lat": None, "long": None, "address_string": None},
        400,
        _("A location is required: lat and long, address_string or address_id."),
    ),
    "lat without long": (
        {"long": None, "address_string": None},
        400,
        _("A location is required: lat and long, address_string or address_id."),
    ),
    "no description": ({"description": None}, 400, _("description required")),
    "blank description": ({"description": "   "}, 400, _("description required")),
    "unknown service_code": ({"service_code": "999999"}, 404, "999999"),
    "a top class is no service": ({"service_code": "110000"}, 404, "110000"),
    "outside the district": (
        {"lat": "23.1291", "long": "113.2644"},
        400,
        _("The place is outside the area this hotline serves."),
    ),
    "another jurisdiction": ({"jurisdiction_id": "sfgov.org"}, 404, "sfgov.org"),
    "description over 4000": ({"description": "灯" * 4001}, 400, "4000"),
    "NUL in the description": ({"description": "路灯\x00不亮"}, 400, "description"),
    "a phone that is no phone": ({"phone": "12345"}, 400, "phone: "),
    "not a latitude": ({"lat": "north", "address_string": None}, 400, "lat: "),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_refused_post_writes_nothing_and_says_why(geo: GeoReportClient, case: str, fmt: str) -> None:
    changes, status, fragment = REFUSALS[case]
    before = Ticket.objects.count()
    found = geo.create(fmt, **fields(**changes))
    assert geo.last.status_code == status, found
    assert_valid(found, "errors")
    assert all(e["code"] == status for e in found)
    with translation.override("zh-hans"):
        assert any(str(fragment) in e["description"] for e in found), found
    assert Ticket.objects.count() == before


def test_a_repeated_field_counts_its_last_value(geo: GeoReportClient) -> None:
    ticket = post(geo, service_code=["110202", "110201"])
    assert ticket.category is not None and ticket.category.code == "110201"


def test_all_missing_fields_are_named_at_once(geo: GeoReportClient) -> None:
    found = geo.create(**fields(service_code=None, description=None))
    assert geo.last.status_code == 400
    assert len(found) == 2


@pytest.mark.parametrize("key", ["", "nonsense", "dgov_" + "x" * 43, "dgov_" + "y" * 500])
def test_a_bad_api_key_is_403(geo: GeoReportClient, key: str) -> None:
    geo.api_key = key
    before = Ticket.objects.count()
    for fmt in FORMATS:
        found = geo.create(fmt, **fields())
        assert geo.last.status_code == 403
        assert_valid(found, "errors")
        assert found[0]["code"] == 403
    assert Ticket.objects.count() == before


def test_a_key_without_the_right_to_submit_is_403(geo: GeoReportClient, sysadmin: User) -> None:
    _token, raw = api_token_create(actor=sysadmin, name="区不动产登记系统", scopes=[ApiToken.Scope.READ])
    geo.api_key = raw
    before = Ticket.objects.count()
    assert geo.create(**fields())[0]["code"] == 403
    assert Ticket.objects.count() == before


def test_a_partner_key_may_submit(geo: GeoReportClient, sysadmin: User) -> None:
    _token, raw = api_token_create(actor=sysadmin, name="江门市12345平台", scopes=[ApiToken.Scope.PARTNER])
    geo.api_key = raw
    assert post(geo).via_token is not None


def test_the_api_key_may_come_in_the_query_string(geo: GeoReportClient, api_key: str) -> None:
    response = post_form(geo.http, f"{BASE}/requests.json?api_key={api_key}", fields())
    assert response.status_code == 200, response.content


def test_our_jurisdiction_is_accepted(api_key: str) -> None:
    geo = GeoReportClient(Client(), api_key=api_key, jurisdiction_id="jianghai.jiangmen.gov.cn")
    ticket = post(geo)
    assert geo.request(ticket.number)[0]["service_request_id"] == ticket.number
    assert geo.services()


@pytest.mark.parametrize("resource", ["services", "services/110202", "requests", "tokens/" + "0" * 32])
def test_another_jurisdiction_is_not_found(geo: GeoReportClient, resource: str) -> None:
    found = geo.get(resource, "json", jurisdiction_id="sfgov.org")
    assert geo.last.status_code == 404
    assert_valid(found, "errors")


def test_a_client_posting_too_fast_is_slowed_down(geo: GeoReportClient, settings: Any) -> None:
    settings.DGOV_OPEN311_POSTS_PER_MINUTE = 2
    post(geo)
    post(geo)
    before = Ticket.objects.count()
    found = geo.create(**fields())
    assert geo.last.status_code == 429
    assert_valid(found, "errors")
    assert Ticket.objects.count() == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", "application/json"), ("[1, 2]", "application/json"), ('{"lat": {"x": 1}}', "application/json")],
)
def test_a_body_that_is_no_form_is_400(geo: GeoReportClient, body: str, content_type: str) -> None:
    response = geo.http.post(f"{BASE}/requests.json", body, content_type=content_type)
    assert response.status_code in (400, 403)
    assert_valid(response.json(), "errors")


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused_in_the_error_format(geo: GeoReportClient, method: str) -> None:
    response = getattr(geo.http, method)(f"{BASE}/requests.xml")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert geo.read(response, "xml")[0]["code"] == 405
    assert geo.http.post(f"{BASE}/services.json").status_code == 405


# --- Tokens ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_gives_the_service_request_id(geo: GeoReportClient, fmt: str) -> None:
    ticket = post(geo)
    found = geo.token(ticket.open311_token, fmt)
    assert_valid(found, "tokens")
    assert found == [{"service_request_id": ticket.number, "token": ticket.open311_token}]


@pytest.mark.parametrize("token", ["0" * 32, "zz", "A" * 32, "%00"])
def test_an_unknown_token_is_not_found(geo: GeoReportClient, operator: User, token: str) -> None:
    call(operator)  # a phone ticket: its open311_token is empty, and no token finds it
    found = geo.token(token)
    assert geo.last.status_code == 404
    assert_valid(found, "errors")


# --- Listing requests -------------------------------------------------------------------------------


def test_only_public_tickets_are_listed(geo: GeoReportClient, operator: User) -> None:
    mine = post(geo)
    phone = call(operator)
    found = geo.requests()
    assert_valid(found, "requests")
    assert [r["service_request_id"] for r in found] == [mine.number]
    assert geo.request(phone.number)[0]["code"] == 404
    assert geo.requests(service_request_id=phone.number) == []


def test_a_ticket_published_on_the_message_board_is_listed_without_the_callers_place(
    geo: GeoReportClient, operator: User
) -> None:
    ticket = call(operator, publish_consent=True, latitude="22.5712", longitude="113.1345")
    ticket = close_the_loop(ticket)
    assert ticket.published_at is not None
    (row,) = geo.request(ticket.number)
    assert_valid([row], "requests")
    assert row["status"] == "closed" and row["description"] == ticket.description
    assert row["address"] != ticket.address
    assert row["address"] in (None, *(r.name for r in [ticket.region] if r))
    assert row["lat"] is None and row["long"] is None


def test_requests_are_filtered_as_the_specification_says(geo: GeoReportClient) -> None:
    light = post(geo)
    road = post(geo, service_code="110201", description="江海一路路面有个大坑。")
    tree = post(geo, service_code="110301", description="台风后大树倒在人行道上。")
    numbers = lambda rows: [r["service_request_id"] for r in rows]  # noqa: E731
    assert numbers(geo.requests()) == [tree.number, road.number, light.number]
    # service_request_id overrides every other argument.
    ids = f"{light.number}, {tree.number},RX0"
    assert set(numbers(geo.requests(service_request_id=ids, status="closed"))) == {light.number, tree.number}
    assert numbers(geo.requests(service_code="110201,110301")) == [tree.number, road.number]
    assert numbers(geo.requests(service_code="110202", status="open")) == [light.number]
    assert numbers(geo.requests(status="open,closed")) == [tree.number, road.number, light.number]
    assert geo.requests(status="closed") == []
    now = timezone.now()
    later = (now + timedelta(days=1)).isoformat()
    assert len(geo.requests(start_date=(now - timedelta(hours=1)).isoformat(), end_date=later)) == 3
    assert geo.requests(end_date=(now - timedelta(days=1)).isoformat()) == []
    assert len(geo.requests(start_date=(now - timedelta(days=1)).strftime("%Y-%m-%d"))) == 3


def test_by_default_the_last_90_days_are_listed(geo: GeoReportClient) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=100)):
        old = post(geo)
    new = post(geo)
    assert [r["service_request_id"] for r in geo.requests()] == [new.number]
    assert [r["service_request_id"] for r in geo.requests(service_request_id=old.number)] == [old.number]


def test_at_most_max_results_are_listed_newest_first(geo: GeoReportClient, monkeypatch: Any) -> None:
    tickets = [post(geo) for _ in range(3)]
    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    assert [r["service_request_id"] for r in geo.requests()] == [tickets[2].number, tickets[1].number]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"end_date": "2026-02-30T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-03-01T00:00:00+08:00", "end_date": "2026-02-01T00:00:00+08:00"},
        {"start_date": "9999-12-31T23:59:59Z"},
        {"end_date": "0001-01-01T00:00:00+08:00"},
        {"service_code": "1" * 40_001},
        {"service_request_id": ",".join(["RX0"] * 1001)},
        {"service_code": "110202\x00"},
    ],
)
def test_bad_filters_are_400(geo: GeoReportClient, params: dict[str, str]) -> None:
    for fmt in FORMATS:
        found = geo.requests(fmt, **params)
        assert geo.last.status_code == 400, params
        assert_valid(found, "errors")


@pytest.mark.parametrize(
    "path",
    [
        "requests/%00.json",
        "requests/RX%00.xml",
        "services/%00.json",
        "services/11020%00.json",
        "tokens/%00.xml",
        "requests/" + "9" * 64 + ".json",
        "requests/rx44070400000020261127000042.json",
    ],
)
def test_odd_paths_are_not_found(geo: GeoReportClient, path: str) -> None:
    response = geo.http.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert_valid(geo.read(response, path.rsplit(".", 1)[1]), "errors")


def test_xml_escapes_what_the_reporter_wrote(geo: GeoReportClient) -> None:
    text = '井盖<丢失> & 路面"塌陷"，\n请尽快处理 ]]> </description>'
    ticket = post(geo, description=text)
    for fmt in FORMATS:
        assert geo.request(ticket.number, fmt)[0]["description"] == text


def test_the_list_reads_a_fixed_number_of_queries(
    geo: GeoReportClient, django_assert_max_num_queries: Any, operator: User
) -> None:
    for _n in range(5):
        close_the_loop(post(geo))
    with django_assert_max_num_queries(3):
        assert len(geo.requests()) == 5


# --- A whole conversation, as a client written from the specification has it ----------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_written_from_the_specification_reports_and_follows_a_problem(api_key: str, fmt: str) -> None:
    geo = GeoReportClient(Client(), jurisdiction_id="jianghai.jiangmen.gov.cn")
    (endpoint,) = geo.discovery(fmt)["endpoints"]
    assert fmt == "json" or "text/xml" in endpoint["formats"]
    geo.base = "/" + endpoint["url"].split("://", 1)[1].split("/", 1)[1]
    offered = geo.services(fmt)
    chosen = next(s for s in offered if s["group"] == "城市管理" and "路灯" in s["service_name"])
    if chosen["metadata"]:  # pragma: no cover - the platform's services have no attributes
        geo.service_definition(chosen["service_code"], fmt)
    geo.api_key = api_key
    created = geo.create(
        fmt,
        service_code=chosen["service_code"],
        lat="22.5712",
        long="113.1345",
        description=DESCRIPTION,
        phone="13800000001",
    )
    assert_valid(created, "request-created")
    (receipt,) = created
    if "token" in receipt:  # pragma: no cover - the platform answers in realtime
        receipt = geo.token(receipt["token"], fmt)[0]
    (request,) = geo.request(receipt["service_request_id"], fmt)
    assert request["status"] == "open"
    assert request["service_code"] == chosen["service_code"]
    listed = geo.requests(fmt, service_request_id=receipt["service_request_id"])
    assert listed == [request]


# --- A client library from PyPI ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_georeport_library_reads_the_endpoint(live_server: Any) -> None:
    """georeport (PyPI) reads services, a definition and requests over HTTP, in JSON and XML. It
    has no POST: the ticket is registered through the service, as an Open311 post would be."""
    georeport = pytest.importorskip("georeport")
    from dgov.accounts.demo import load_all

    load_all()
    services.categories_load(json.loads(CATEGORIES.read_text(encoding="utf-8"))["categories"])
    token, _raw = api_token_create(actor=User.objects.get(username="admin"), name="江海随手拍", scopes=["submit"])
    ticket = services.ticket_register(
        actor=None,
        channel=Ticket.Channel.OPEN311,
        data=services.TicketInput(
            type=Ticket.Type.HELP,
            description=DESCRIPTION,
            latitude="22.5712",
            longitude="113.1345",
            category_code="110202",
        ),
        via_token=token,
    )
    root = f"{live_server.url}{BASE}"
    for output in FORMATS:
        client = georeport.GeoReport(root, jurisdiction="jianghai.jiangmen.gov.cn", output_format=output)
        offered = client.get_service_list()
        assert "110202" in {s["service_code"] for s in offered}
        assert client.get_service_definition("110202")["service_code"] == "110202"
        listed = client.get_service_requests(service_request_id=ticket.number)
        row = listed if isinstance(listed, dict) else listed[0]  # xmltodict: one element is no list
        assert row["service_request_id"] == ticket.number
        assert client.get_service_request(ticket.number)["status"] == "open"
    assert Category.objects.filter(level=3, active=True).count() == len(offered)
