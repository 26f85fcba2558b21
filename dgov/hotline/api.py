"""API endpoints of the 12345 hotline at /api/v1/tickets.

- ``POST /tickets`` — a partner system (``Authorization: Bearer dgov_…``, a token whose scopes
  include ``partner`` or ``submit``) files a ticket for a caller (TicketCreate). 201 with the
  ticket number and the follow-up code to give the caller; channel ``partner``, the token kept on
  the ticket. Field errors are 400 with ``errors[].field`` named as in TicketCreate; a token of
  other scopes, or a browser session, is 403 (people file on the site).
- ``GET /tickets`` — the signed-in person's visible tickets (who sees what:
  dgov.hotline.selectors), newest first, ``page``/``page_size`` (at most 100), optional
  ``status``; the caller shown as selectors.caller_view allows (masked for staff).
- ``GET /tickets/{number}`` — one of them with its timeline: every line with its note for staff,
  the public steps for the caller.
- ``GET /tickets/lookup?number=&code=`` — no authentication: the progress of the ticket with this
  number and follow-up code (status, public steps with their dates, the reply once given). After
  LOOKUP_FAILURES_ALLOWED failed look-ups from one address in LOOKUP_WINDOW_SECONDS, 429: the code
  has a million values and guessing must be slow.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from ninja import Query, Router, Status
from ninja.errors import HttpError

from dgov.accounts.models import ApiToken, Department, User
from dgov.accounts.requests import api_session_user
from dgov.audit import record
from dgov.core.errors import ApplicationError
from dgov.hotline import selectors
from dgov.hotline.models import Ticket
from dgov.hotline.numbering import ticket_number_valid
from dgov.hotline.schemas import TicketCreate, TicketLookupRead, TicketPage, TicketRead, TicketReceipt
from dgov.hotline.services import TicketInput, ticket_register

router = Router(tags=["hotline"])

PARTNER_SCOPES = frozenset({ApiToken.Scope.PARTNER, ApiToken.Scope.SUBMIT})
ANSWERED = (Ticket.Status.REPLIED, Ticket.Status.CLOSED, Ticket.Status.MERGED)
LOOKUP_FAILURES_ALLOWED = 10
FIELD_NAMES = {"category": "category_code"}
LOOKUP_WINDOW_SECONDS = 600


def _department_name(department: Department | None) -> str | None:
    if department is None:
        return None
    english = (get_language() or "").startswith("en")
    return department.name_en if english and department.name_en else department.name


def _timeline(ticket: Ticket, *, public: bool) -> list[dict[str, Any]]:
    """The timeline rows of TicketRead: the public steps carry no note (the reply is its own field)."""
    return [
        {
            "kind": step.kind,
            "label": step.label,
            "at": step.at,
            "department": step.department or None,
            "note": "" if public else step.text,
        }
        for step in selectors.ticket_timeline(ticket, public=public)
    ]


def _ticket_read(user: User, ticket: Ticket, *, timeline: bool = False) -> dict[str, Any]:
    own = ticket.caller_id is not None and ticket.caller_id == user.pk
    return {
        "number": ticket.number,
        "channel": ticket.channel,
        "type": ticket.type,
        "type_label": str(ticket.get_type_display()),
        "urgency": ticket.urgency,
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "category_code": ticket.category.code if ticket.category else None,
        "category_name": ticket.category.label if ticket.category else None,
        "department": ticket.department.code if ticket.department else None,
        "department_name": _department_name(ticket.department),
        "address": ticket.address,
        "latitude": float(ticket.latitude) if ticket.latitude is not None else None,
        "longitude": float(ticket.longitude) if ticket.longitude is not None else None,
        "place": ticket.region.name if ticket.region else None,
        "anonymous": ticket.anonymous,
        "confidential": ticket.confidential,
        "caller": selectors.caller_view(user, ticket),
        "created_at": ticket.created_at,
        "dispatched_at": ticket.dispatched_at,
        "due_at": ticket.due_at,
        "replied_at": ticket.replied_at,
        "closed_at": ticket.closed_at,
        "reply": ticket.reply,
        "timeline": _timeline(ticket, public=own) if timeline else [],
    }


@router.post(
    "",
    response={201: TicketReceipt},
    summary="File a ticket from a partner system",
    description=(
        "For a partner system with an API token whose scopes include partner or submit. type is one of "
        "consult, help, complaint, report, suggestion, praise; description is required; latitude and "
        "longitude (WGS-84) come together and must lie in the district; category_code is a 6-digit leaf "
        "category when known. 201 with the number and the follow-up code (查询码) to give the caller. "
        "Errors: 400 with field errors, 403 for a session or a token of other scopes."
    ),
)
def ticket_create(request: HttpRequest, payload: TicketCreate) -> Status:
    auth = request.auth  # type: ignore[attr-defined]
    if not isinstance(auth, ApiToken):
        raise PermissionDenied
    if not PARTNER_SCOPES & set(auth.scopes or []):
        record(
            actor=f"token:{auth.prefix}",
            action="access.denied",
            target=auth,
            detail={"action": "hotline.ticket_register"},
            request=request,
        )
        raise PermissionDenied
    data = payload.dict()
    data["type"] = payload.type.value
    data["urgency"] = payload.urgency.value
    try:
        ticket = ticket_register(
            actor=None, channel=Ticket.Channel.PARTNER, data=TicketInput(**data), via_token=auth, request=request
        )
    except ApplicationError as exc:
        if not exc.field_errors:
            raise
        # Field errors named as in TicketCreate (the service calls the category "category").
        fields = {FIELD_NAMES.get(f, f): m for f, m in exc.field_errors.items()}
        raise ApplicationError(exc.message, code=exc.code, field_errors=fields) from exc
    return Status(
        201,
        {
            "number": ticket.number,
            "lookup_code": ticket.lookup_code,
            "status": ticket.status,
            "status_label": str(ticket.get_status_display()),
            "created_at": ticket.created_at,
        },
    )


@router.get(
    "",
    response=TicketPage,
    summary="My tickets, or the tickets my hotline role covers",
    description=(
        "Signed-in (browser session): a caller sees the tickets they filed, a department's handlers the "
        "tickets their department was given, hotline staff and leaders all. Newest first."
    ),
)
def ticket_list(
    request: HttpRequest,
    status: Ticket.Status | None = None,
    page: int = Query(1, ge=1),
    page_size: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    user = api_session_user(request)
    found = selectors.ticket_list_for_user(user=user, status=status.value if status else None)
    paginator = Paginator(found, page_size)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "page_size": page_size,
        "items": [_ticket_read(user, t) for t in current],
    }


@router.get(
    "/lookup",
    response=TicketLookupRead,
    auth=None,
    summary="Public follow-up by ticket number and code",
    description=(
        "No authentication. The status, the public steps with their dates and the reply once given; never "
        "the caller. 404 for a wrong number or code; 429 after too many failed look-ups from one address."
    ),
)
def ticket_lookup(
    request: HttpRequest, number: str = Query(..., max_length=64), code: str = Query(..., max_length=16)
) -> dict[str, Any]:
    key = f"hotline:lookup-failures:{request.META.get('REMOTE_ADDR', '')}"
    failures = int(cache.get(key, 0))
    if failures >= LOOKUP_FAILURES_ALLOWED:
        raise HttpError(429, "Too many failed look-ups; try again in ten minutes.")
    ticket = selectors.ticket_lookup(number=number, code=code)
    if ticket is None:
        cache.set(key, failures + 1, LOOKUP_WINDOW_SECONDS)
        raise Http404
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "category_name": ticket.category.label if ticket.category else None,
        "department_name": _department_name(ticket.department),
        "created_at": ticket.created_at,
        "due_at": ticket.due_at if ticket.is_open else None,
        "replied_at": ticket.replied_at,
        "closed_at": ticket.closed_at,
        "reply": ticket.reply if ticket.status in ANSWERED else "",
        "timeline": [
            {"kind": step.kind, "label": step.label, "at": step.at}
            for step in selectors.ticket_timeline(ticket, public=True)
        ],
    }


@router.get("/{number}", response=TicketRead, summary="One ticket with its timeline")
def ticket_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    user = api_session_user(request)
    number = number.strip().upper()
    pk = (
        Ticket.objects.filter(number=number).values_list("pk", flat=True).first()
        if ticket_number_valid(number)
        else None
    )
    if pk is None:
        raise Http404
    ticket = selectors.ticket_get_for_user(user=user, pk=pk)
    return _ticket_read(user, ticket, timeline=True)
