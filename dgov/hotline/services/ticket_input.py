"""What a caller tells the hotline, checked: every field of a new ticket, with an error per field
and nothing written when any is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.core.errors import ApplicationError
from dgov.core.validation import normalise_phone
from dgov.hotline import places
from dgov.hotline.models import ADDRESS_MAX, DESCRIPTION_MAX, TITLE_MAX, Category, Ticket
from dgov.hotline.services.common import text


@dataclass
class TicketInput:
    """What a caller tells the hotline; every field is checked by ticket_register."""

    type: str
    description: str
    title: str = ""
    urgency: str = Ticket.Urgency.NORMAL
    anonymous: bool = False
    caller_name: str = ""
    caller_phone: str = ""
    confidential: bool = False
    publish_consent: bool = False
    address: str = ""
    latitude: Any = None
    longitude: Any = None
    # A leaf category code the caller or client chose (Open311 service_code); optional.
    category_code: str = ""
    external_id: str = ""


@dataclass(frozen=True)
class Clean:
    type: str
    urgency: str
    title: str
    description: str
    anonymous: bool
    caller_name: str
    caller_phone: str
    confidential: bool
    publish_consent: bool
    address: str
    place: places.Place
    category: Category | None
    external_id: str


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        message = _("Choose one of: %(options)s.") % {"options": ", ".join(str(c.label) for c in choices)}
        raise ApplicationError(message, code="invalid_choice", field_errors={field: [message]})
    return str(value)


def category_leaf(code: Any, *, field: str = "category") -> Category:
    """The active leaf category with this 6-digit code; a clear error for anything else."""
    value = str(code or "").strip()
    found = Category.objects.select_related("department").filter(code=value, level=3, active=True).first()
    if found is None:
        message = _("Unknown category code: %(code)s.") % {"code": value[:20]}
        raise ApplicationError(message, code="unknown_category", field_errors={field: [message]})
    return found


_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def _phone(value: Any) -> str:
    """A mobile number (11 digits) or a landline with its area code (0750-3500000); "" when none."""
    raw = "".join(str(value or "").split())
    if not raw:
        return ""
    if _LANDLINE.match(raw):
        return raw.replace("-", "")
    try:
        return normalise_phone(raw)
    except ValueError:
        message = _("Enter a mobile number or a landline with its area code.")
        raise ApplicationError(message, code="invalid_phone", field_errors={"caller_phone": [message]}) from None


def _title_from(description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return first[:30] + ("…" if len(first) > 30 else "")


def ticket_input_clean(data: TicketInput, *, caller: User | None) -> Clean:
    """The checked input, or ApplicationError with the errors of every wrong field."""
    errors: dict[str, list[str]] = {}

    def check(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ApplicationError as exc:
            for key, messages in (exc.field_errors or {"__all__": [exc.message]}).items():
                errors.setdefault(key, []).extend(messages)
            return None

    type_ = check(_choice, data.type, Ticket.Type, "type")
    urgency = check(_choice, data.urgency or Ticket.Urgency.NORMAL, Ticket.Urgency, "urgency")
    description = check(text, data.description, "description", limit=DESCRIPTION_MAX) or ""
    title = check(text, data.title, "title", limit=TITLE_MAX, required=False) or ""
    address = check(text, data.address, "address", limit=ADDRESS_MAX, required=False) or ""
    anonymous = bool(data.anonymous)
    name = phone = ""
    if not anonymous:
        name = check(text, data.caller_name, "caller_name", limit=64, required=False) or ""
        phone = check(_phone, data.caller_phone) or ""
        if caller is not None:
            name = name or caller.real_name
            phone = phone or caller.phone
    place = check(places.place_resolve, address=address, latitude=data.latitude, longitude=data.longitude)
    category = check(category_leaf, data.category_code) if str(data.category_code or "").strip() else None
    external_id = check(text, data.external_id, "external_id", limit=64, required=False) or ""
    if errors:
        raise ApplicationError(
            _("The ticket was not registered: please correct the marked fields."),
            code="invalid_ticket",
            field_errors=errors,
        )
    return Clean(
        type=type_,
        urgency=urgency,
        title=title or _title_from(description),
        description=description,
        anonymous=anonymous,
        caller_name=name,
        caller_phone=phone,
        confidential=bool(data.confidential) or anonymous,
        publish_consent=bool(data.publish_consent),
        address=address,
        place=place,
        category=category,
        external_id=external_id,
    )
