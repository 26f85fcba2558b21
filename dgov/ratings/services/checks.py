"""Checks every ratings service makes: who may act, and text fields with their limits."""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError
from dgov.ratings.models import TEXT_MAX, Rectification


def deny(actor: Any, action: str, target: Any, request: HttpRequest | None) -> NoReturn:
    """Record the refusal and raise PermissionDenied. Called before the service's transaction, so
    that the refusal's audit record is kept."""
    record(actor=actor, action="access.denied", target=target, detail={"action": action}, request=request)
    raise PermissionDenied


def require_in_department(
    actor: Any, perm: Perm, rect: Rectification, action: str, request: HttpRequest | None
) -> None:
    """Deny unless actor holds perm for the rectification's department."""
    if not has_perm(actor, perm, department=rect.department):
        deny(actor, action, rect, request)


def checked_text(value: Any, field: str, errors: dict[str, list[str]], *, required: str, limit: int = TEXT_MAX) -> str:
    """The stripped text; a required-message or a length error into errors under field."""
    text = (value if isinstance(value, str) else "").strip()
    if not text:
        errors[field] = [required]
    elif len(text) > limit:
        errors[field] = [_("At most %(max)d characters (this one has %(n)d).") % {"max": limit, "n": len(text)}]
    return text


def raise_field_errors(errors: dict[str, list[str]], code: str) -> None:
    """ApplicationError with the collected field errors, if any: nothing has been written yet."""
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), code=code, field_errors=errors)
