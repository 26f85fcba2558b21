"""Input and output of the hotline's JSON API (/api/v1/tickets, dgov.hotline.api)."""

from __future__ import annotations

import re
from datetime import datetime

from ninja import Schema
from pydantic import field_validator

from dgov.hotline.models import Ticket

# Line breaks and tabs are text; other control characters are not (PostgreSQL refuses NUL).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TicketCreate(Schema):
    """A ticket a partner system files for a caller; every field is checked by ticket_register."""

    type: Ticket.Type
    description: str
    title: str = ""
    urgency: Ticket.Urgency = Ticket.Urgency.NORMAL
    caller_name: str = ""
    caller_phone: str = ""
    anonymous: bool = False
    confidential: bool = False
    address: str = ""
    # WGS-84 decimal degrees; both or neither, inside the hotline's area.
    latitude: float | None = None
    longitude: float | None = None
    # A leaf category (6 digits) when the partner knows it; the hotline classifies otherwise.
    category_code: str = ""
    # The partner's own reference for the ticket.
    external_id: str = ""

    @field_validator("description", "title", "caller_name", "caller_phone", "address", "category_code", "external_id")
    @classmethod
    def _text_only(cls, value: str) -> str:
        if CONTROL.search(value):
            raise ValueError("control characters are not allowed")
        return value


class TicketReceipt(Schema):
    """What the caller is told: the number and the follow-up code (查询码) for the look-up."""

    number: str
    lookup_code: str
    status: str
    status_label: str
    created_at: datetime


class CallerRead(Schema):
    """The caller as the reader may see them: in full for the caller, masked for staff, empty
    when hidden (``hidden``: anonymous or confidential)."""

    name: str
    phone: str
    hidden: str


class TicketEventRead(Schema):
    kind: str
    label: str
    at: datetime
    department: str | None
    note: str


class TicketRead(Schema):
    number: str
    channel: str
    type: str
    type_label: str
    urgency: str
    title: str
    description: str
    status: str
    status_label: str
    category_code: str | None
    category_name: str | None
    department: str | None
    department_name: str | None
    address: str
    latitude: float | None
    longitude: float | None
    place: str | None
    anonymous: bool
    confidential: bool
    caller: CallerRead
    created_at: datetime
    dispatched_at: datetime | None
    due_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    reply: str
    timeline: list[TicketEventRead] = []


class TicketPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TicketRead]


class TicketStepRead(Schema):
    kind: str
    label: str
    at: datetime


class TicketLookupRead(Schema):
    """Public follow-up by number and code: the progress, never the caller or internal notes."""

    number: str
    status: str
    status_label: str
    category_name: str | None
    department_name: str | None
    created_at: datetime
    due_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    reply: str
    timeline: list[TicketStepRead]
