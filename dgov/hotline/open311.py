"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, in XML and JSON.

- ``discovery``: Service Discovery, one production endpoint.
- ``services``: one service per active leaf category (service_code = its 6-digit code, group = the
  top class); ``services/{code}``: its definition (no attributes: metadata is false).
- ``requests`` GET: public tickets of the last 90 days (at most 1000, newest first), filtered by
  service_request_id, service_code, start_date, end_date and status; ``requests/{id}``: one.
  Public tickets are those filed through Open311 and those published on the message board with the
  caller's consent; reports (举报) and confidential tickets never are. The caller's identity is
  never part of a response.
- ``requests`` POST: a new ticket (channel open311, type help) from a client holding an API token
  whose scopes include ``submit`` or ``partner``, sent as ``api_key``. Registered at once, so the
  response carries service_request_id (the ticket number), never a token.
- ``tokens/{token}``: the ticket number for Ticket.open311_token.

Statuses: closed and merged tickets are ``closed``, all others ``open``. Errors are the
specification's list of ``{code, description}`` with the HTTP status as the code: 404 for what does
not exist (an unknown service_code or jurisdiction_id included), 403 for a missing or refused
api_key, 400 for anything else wrong with the request, 429 when a client posts too fast.
"""

from __future__ import annotations

import json
import re
import time as clock
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from dgov.accounts.models import ApiToken, Department
from dgov.accounts.services import api_token_authenticate
from dgov.audit.selectors import audit_event_search
from dgov.core.errors import ApplicationError
from dgov.hotline import selectors
from dgov.hotline.models import Category, Ticket
from dgov.hotline.numbering import ticket_number_valid
from dgov.hotline.services import TicketInput, category_leaf, ticket_register

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_JURISDICTION = "jianghai.jiangmen.gov.cn"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# GeoReport v2, GET Service Requests: "a span of 90 days or first 1000 requests returned".
SPAN = timedelta(days=90)
MAX_RESULTS = 1000
# GeoReport v2, POST Service Request: description is "limited to 4,000 characters".
DESCRIPTION_LIMIT = 4000
PARAM_LIMIT = 200
SUBMIT_SCOPES = frozenset({ApiToken.Scope.SUBMIT, ApiToken.Scope.PARTNER})
DEFAULT_POSTS_PER_MINUTE = 30
BEIJING = ZoneInfo("Asia/Shanghai")
# The changeset reported before any category load is recorded in the audit trail.
FIRST_CHANGESET = datetime(2025, 1, 1, tzinfo=BEIJING)
CLOSED = selectors.FINISHED
TOKEN_SHAPE = re.compile(r"^[0-9a-f]{32}$")
SERVICE_CODE_SHAPE = re.compile(r"^[0-9]{6}$")
YEARS = (1900, 2999)
# Text the client sends may hold line breaks and tabs, never other control characters (PostgreSQL
# refuses NUL in text; XML 1.0 cannot carry most of them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A list in JSON is a repeated element in XML (GeoReport v2 follows the Spark convention).
XML_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
# The optional parameters of POST Service Request (email and media_url are accepted and not kept).
PARAMETER_NAMES: tuple[str, ...] = ("service_code", "lat", "long", "address_string", "address_id", "email")
PARAMETER_NAMES += ("device_id", "account_id", "first_name", "last_name", "phone", "media_url")
# A URL may be long; other parameters are short.
LIMITS = {"media_url": 2000}
# Which Open311 parameter a field error of ticket_register is about.
PARAMETERS = {
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "caller_name": "first_name",
    "caller_phone": "phone",
    "category": "service_code",
    "external_id": "device_id",
    "title": "description",
}


class Open311Error(Exception):
    """A refusal in the specification's error format: one HTTP status, one or more descriptions."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(status, descriptions)
        self.status = status
        self.descriptions = descriptions


# --- Rendering --------------------------------------------------------------------------------


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            sub = ET.SubElement(element, key)
            if isinstance(child, list):
                for item in child:
                    _xml_fill(ET.SubElement(sub, XML_ITEMS[key]), item)
            else:
                _xml_fill(sub, child)
    else:
        element.text = _xml_text(value)


def _respond(fmt: str, data: Any, *, root: str, item: str = "", status: int = 200) -> HttpResponse:
    """data as JSON, or as XML under root (each row of a list as an item element)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    else:
        element = ET.Element(root)
        if item:
            for row in data:
                _xml_fill(ET.SubElement(element, item), row)
        else:
            _xml_fill(element, data)
        body = XML_DECLARATION + ET.tostring(element, encoding="unicode")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _errors(fmt: str, status: int, descriptions: Iterable[str]) -> HttpResponse:
    rows = [{"code": status, "description": str(d)} for d in descriptions]
    return _respond(fmt, rows, root="errors", item="error", status=status)


def _w3c(value: datetime | None) -> str | None:
    """ISO 8601 with the UTC offset, as the specification requires (Beijing time)."""
    return None if value is None else timezone.localtime(value, BEIJING).isoformat(timespec="seconds")


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _department_name(department: Department | None) -> str | None:
    if department is None:
        return None
    return department.name_en if department.name_en and _english() else department.name


def _endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Only these methods; every refusal in the Open311 error format of the requested format."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = _errors(fmt, 405, [_("Use %(methods)s.") % {"methods": ", ".join(methods)}])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return _errors(fmt, exc.status, exc.descriptions)

        return wrapper

    return decorate


# --- Parameters -------------------------------------------------------------------------------


def _clean(value: Any, name: str, *, limit: int = PARAM_LIMIT) -> str:
    """One parameter as trimmed text; 400 for anything a client should not send."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Open311Error(400, _("%(name)s must be text.") % {"name": name})
    text = str(value).strip()
    if CONTROL.search(text):
        raise Open311Error(400, _("%(name)s contains control characters.") % {"name": name})
    if len(text) > limit:
        raise Open311Error(400, _("%(name)s is longer than %(limit)d characters.") % {"name": name, "limit": limit})
    return text


def _list(params: QueryDict, name: str) -> list[str]:
    """A parameter that "can be declared multiple times, comma delimited"."""
    values = [v.strip() for raw in params.getlist(name) for v in _clean(raw, name, limit=40_000).split(",")]
    values = [v for v in values if v]
    if len(values) > MAX_RESULTS:
        raise Open311Error(400, _("At most %(max)d values of %(name)s.") % {"max": MAX_RESULTS, "name": name})
    return values


def _jurisdiction(value: Any) -> None:
    """jurisdiction_id is optional (one jurisdiction is served); when given it must be ours."""
    given = _clean(value, "jurisdiction_id")
    if given and given != jurisdiction_id():
        raise Open311Error(404, _("jurisdiction_id %(given)s was not found.") % {"given": given[:64]})


def jurisdiction_id() -> str:
    """The jurisdiction served (DGOV_OPEN311_JURISDICTION)."""
    return str(getattr(settings, "DGOV_OPEN311_JURISDICTION", "") or DEFAULT_JURISDICTION)


def _when(value: str, name: str) -> datetime | None:
    """A W3C date and time (a date alone is its first moment); Beijing time when no offset."""
    if not value:
        return None
    message = _("%(name)s is not a W3C date and time, e.g. 2026-01-01T00:00:00+08:00.") % {"name": name}
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is None:
                raise Open311Error(400, message)
            parsed = datetime.combine(day, time.min)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, BEIJING)
    except (ValueError, OverflowError):
        raise Open311Error(400, message) from None
    # Far dates overflow when moved to UTC or by 90 days; no ticket is that old or that new.
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise Open311Error(400, _("The dates are out of range."))
    return parsed


def _span(params: QueryDict) -> tuple[datetime, datetime]:
    """start_date and end_date, each defaulting to 90 days from the other (or until now)."""
    start = _when(_clean(params.get("start_date"), "start_date"), "start_date")
    end = _when(_clean(params.get("end_date"), "end_date"), "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - SPAN
    if end is None:
        end = start + SPAN
    if start > end:
        raise Open311Error(400, _("start_date is after end_date."))
    if end - start > SPAN:
        raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    return start, end


# --- Discovery and services -------------------------------------------------------------------


def _changeset() -> datetime:
    """When the category tree (the service list) last changed."""
    at: datetime | None = audit_event_search(action="hotline.categor").values_list("at", flat=True).first()
    return at or FIRST_CHANGESET


@_endpoint("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = _w3c(_changeset())
    base = reverse("open311:discovery", kwargs={"fmt": fmt}).rsplit("/", 1)[0]
    data = {
        "changeset": changeset,
        "contact": str(
            getattr(settings, "DGOV_OPEN311_CONTACT", "")
            or _("Jianghai District 12345 government service hotline: call 12345.")
        ),
        "key_service": str(
            getattr(settings, "DGOV_OPEN311_KEY_SERVICE", "")
            or _("API keys are issued by the platform's system administrator on request by a department.")
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{settings.DGOV_BASE_URL}{base}",
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _respond(fmt, data, root="discovery")


def _service_row(category: Category) -> dict[str, Any]:
    parent = category.parent
    top = parent.parent if parent is not None else None
    path = [c.label for c in (top, parent, category) if c is not None]
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": " / ".join(path),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.keywords.split()) or None,
        "group": top.label if top is not None else None,
    }


@_endpoint("GET", "HEAD")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    _jurisdiction(request.GET.get("jurisdiction_id"))
    leaves = Category.objects.filter(level=3, active=True).select_related("parent__parent").order_by("code")
    return _respond(fmt, [_service_row(c) for c in leaves], root="services", item="service")


@_endpoint("GET", "HEAD")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    _jurisdiction(request.GET.get("jurisdiction_id"))
    if not SERVICE_CODE_SHAPE.match(code) or not Category.objects.filter(code=code, level=3, active=True).exists():
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:20]})
    return _respond(fmt, {"service_code": code, "attributes": []}, root="service_definition")


# --- Service requests -------------------------------------------------------------------------


def _notice(ticket: Ticket) -> str | None:
    if not ticket.is_open:
        return None
    if ticket.due_at is not None:
        return _("The handling department replies by %(time)s (Beijing time).") % {
            "time": timezone.localtime(ticket.due_at, BEIJING).strftime("%Y-%m-%d %H:%M")
        }
    return _(
        "The 12345 hotline dispatches the request to the responsible department, "
        "which replies within the hotline's time limits."
    )


def _status_notes(ticket: Ticket) -> str:
    """The public reply once there is one, else what the status means; never an internal note."""
    if ticket.status in (Ticket.Status.REPLIED, *CLOSED) and ticket.reply:
        return ticket.reply
    if ticket.status == Ticket.Status.MERGED and ticket.merged_into is not None:
        return _("Handled together with %(number)s.") % {"number": ticket.merged_into.number}
    return str(ticket.get_status_display())


def _request_row(ticket: Ticket) -> dict[str, Any]:
    closed = ticket.status in CLOSED
    own = ticket.channel == Ticket.Channel.OPEN311
    # Only what an Open311 client sent is published as it came; a message-board ticket shows its
    # place as the community or subdistrict, never the caller's address.
    address = ticket.address if own else (ticket.region.name if ticket.region else "")
    return {
        "service_request_id": ticket.number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(ticket),
        "service_name": ticket.category.label if ticket.category else None,
        "service_code": ticket.category.code if ticket.category else None,
        "description": ticket.description[:DESCRIPTION_LIMIT],
        "agency_responsible": _department_name(ticket.department),
        "service_notice": _notice(ticket),
        "requested_datetime": _w3c(ticket.created_at),
        "updated_datetime": _w3c(ticket.closed_at if closed and ticket.closed_at else ticket.updated_at),
        "expected_datetime": _w3c(ticket.due_at),
        "address": address or None,
        "lat": float(ticket.latitude) if own and ticket.latitude is not None else None,
        "long": float(ticket.longitude) if own and ticket.longitude is not None else None,
    }


def _requests_respond(fmt: str, rows: list[dict[str, Any]]) -> HttpResponse:
    return _respond(fmt, rows, root="service_requests", item="request")


def _request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    _jurisdiction(params.get("jurisdiction_id"))
    numbers = _list(params, "service_request_id")
    if numbers:
        # "This overrides all other arguments."
        valid = [n.upper() for n in numbers if ticket_number_valid(n.upper())]
        tickets = selectors.ticket_list_public(numbers=valid)
    else:
        codes = _list(params, "service_code")
        start, end = _span(params)
        statuses = set(_list(params, "status"))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status is open or closed."))
        finished = statuses == {"closed"} if len(statuses) == 1 else None
        tickets = selectors.ticket_list_public(category_codes=codes, start=start, end=end, finished=finished)
    rows = [_request_row(t) for t in tickets[:MAX_RESULTS]]
    return _requests_respond(fmt, rows)


def _post_data(request: HttpRequest) -> dict[str, Any]:
    """The form-encoded body the specification prescribes, or a JSON object."""
    try:
        if (request.content_type or "").startswith("application/json"):
            data = json.loads(request.body or b"{}")
            if not isinstance(data, dict):
                raise ValueError
            return data
        return {key: request.POST.get(key) for key in request.POST}
    except (ValueError, SuspiciousOperation):
        raise Open311Error(400, _("The request body is not a valid form or JSON object.")) from None


def _submitter(data: dict[str, Any], request: HttpRequest) -> ApiToken:
    raw = data.get("api_key") or request.GET.get("api_key")
    token = api_token_authenticate(raw.strip()) if isinstance(raw, str) and raw.strip() else None
    if token is None:
        raise Open311Error(403, _("Invalid api_key received -- cannot create the request."))
    if not SUBMIT_SCOPES & set(token.scopes or []):
        raise Open311Error(403, _("This api_key may not create requests."))
    return token


def _throttle(token: ApiToken) -> None:
    """At most DGOV_OPEN311_POSTS_PER_MINUTE posts a minute for one api_key."""
    limit = int(getattr(settings, "DGOV_OPEN311_POSTS_PER_MINUTE", DEFAULT_POSTS_PER_MINUTE))
    key = f"open311:posts:{token.digest[:24]}:{int(clock.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    if count > limit:
        raise Open311Error(429, _("Too many requests: at most %(limit)d a minute.") % {"limit": limit})


def _full_name(first: str, last: str) -> str:
    """Chinese names are written family name first, with no space; others first name first."""
    if first and last and all(not part.isascii() for part in (first, last)):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = _post_data(request)
    token = _submitter(data, request)
    _jurisdiction(data.get("jurisdiction_id") or request.GET.get("jurisdiction_id"))
    _throttle(token)
    value = {name: _clean(data.get(name), name, limit=LIMITS.get(name, PARAM_LIMIT)) for name in PARAMETER_NAMES}
    description = _clean(data.get("description"), "description", limit=DESCRIPTION_LIMIT)
    problems = []
    if not value["service_code"]:
        problems.append(_("service_code was not provided."))
    if not ((value["lat"] and value["long"]) or value["address_string"] or value["address_id"]):
        problems.append(_("A location is required: lat and long, address_string or address_id."))
    if not description:
        problems.append(_("description required"))
    if problems:
        raise Open311Error(400, *problems)
    try:
        category_leaf(value["service_code"], field="service_code")
    except ApplicationError:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": value["service_code"][:20]})
    try:
        ticket = ticket_register(
            actor=None,
            channel=Ticket.Channel.OPEN311,
            data=TicketInput(
                type=Ticket.Type.HELP,
                description=description,
                caller_name=_full_name(value["first_name"], value["last_name"]),
                caller_phone=value["phone"],
                # The district keeps no address master repository: an address_id stands as text.
                address=value["address_string"] or value["address_id"],
                latitude=value["lat"] or None,
                longitude=value["long"] or None,
                category_code=value["service_code"],
                external_id=value["device_id"] or value["account_id"],
            ),
            via_token=token,
            request=request,
        )
    except ApplicationError as exc:
        messages = [f"{PARAMETERS.get(f, f)}: {m}" for f, ms in exc.field_errors.items() for m in ms]
        raise Open311Error(400, *(messages or [exc.message])) from None
    except PermissionDenied:
        raise Open311Error(403, _("This api_key may not create requests.")) from None
    row = {"service_request_id": ticket.number, "service_notice": _notice(ticket), "account_id": None}
    return _requests_respond(fmt, [row])


@csrf_exempt
@_endpoint("GET", "HEAD", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt)
    return _request_list(request, fmt)


@_endpoint("GET", "HEAD")
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    _jurisdiction(request.GET.get("jurisdiction_id"))
    number = number.upper()
    ticket = selectors.ticket_list_public(numbers=[number]).first() if ticket_number_valid(number) else None
    if ticket is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": number[:32]})
    return _requests_respond(fmt, [_request_row(ticket)])


@_endpoint("GET", "HEAD")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    _jurisdiction(request.GET.get("jurisdiction_id"))
    found = None
    if TOKEN_SHAPE.match(token):
        found = Ticket.objects.filter(open311_token=token).values_list("number", flat=True).first()
    if found is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": token[:40]})
    return _requests_respond(fmt, [{"service_request_id": found, "token": token}])
