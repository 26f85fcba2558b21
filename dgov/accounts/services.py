"""Every write about people, roles, second factors and API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dgov.accounts.models import (
    ADMIN_ROLES,
    ActiveDay,
    ApiToken,
    Department,
    PasswordHistory,
    Region,
    Role,
    RoleAssignment,
    User,
)
from dgov.audit import record
from dgov.core import crypto
from dgov.core.errors import ApplicationError
from dgov.core.validation import normalise_id_number, normalise_phone

TOKEN_PREFIX = "dgov_"


def id_number_digest(value: str) -> str:
    return crypto.search_digest(value, context="id_number") if value else ""


def phone_digest(value: str) -> str:
    return crypto.search_digest(value, context="phone") if value else ""


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    kind: str,
    real_name: str = "",
    id_number: str = "",
    phone: str = "",
    department: Department | None = None,
    region: Region | None = None,
    enterprise_name: str = "",
    enterprise_credit_code: str = "",
    is_demo: bool = False,
    request: HttpRequest | None = None,
) -> User:
    """Create an account; personal data is validated, encrypted and indexed by keyed digest."""
    errors: dict[str, list[str]] = {}
    if kind not in User.Kind.values:
        errors["kind"] = [_("Unknown account kind.")]
    if kind == User.Kind.STAFF and department is None:
        errors["department"] = [_("Staff accounts belong to a department.")]
    if kind == User.Kind.ENTERPRISE and not enterprise_credit_code:
        errors["enterprise_credit_code"] = [
            _("An enterprise account must give the enterprise's unified social credit code.")
        ]
    if User.objects.filter(username=username).exists():
        errors["username"] = [_("This username is taken.")]
    try:
        id_number = normalise_id_number(id_number) if id_number else ""
    except ValueError as exc:
        errors["id_number"] = [str(exc)]
    try:
        phone = normalise_phone(phone) if phone else ""
    except ValueError as exc:
        errors["phone"] = [str(exc)]
    user = User(
        username=username,
        kind=kind,
        real_name=real_name,
        id_number=id_number,
        id_number_digest=id_number_digest(id_number),
        phone=phone,
        phone_digest=phone_digest(phone),
        department=department,
        region=region,
        enterprise_name=enterprise_name,
        enterprise_credit_code=enterprise_credit_code,
        is_demo=is_demo,
    )
    if not errors:
        pw_errors = _password_errors(password, user)
        if pw_errors:
            errors["password"] = pw_errors
    if errors:
        raise ApplicationError(_("The account could not be created."), field_errors=errors)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    record(actor=actor, action="account.create", target=user, detail={"kind": kind}, request=request)
    return user


@transaction.atomic
def password_change(*, actor: Any, user: User, new_password: str, request: HttpRequest | None = None) -> None:
    """Set a new password after the complexity and reuse rules; the old hash joins the history."""
    errors = _password_errors(new_password, user)
    if errors:
        raise ApplicationError(_("The new password was not accepted."), field_errors={"new_password": errors})
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    record(actor=actor, action="account.password_change", target=user, request=request)


@transaction.atomic
def role_grant(
    *,
    actor: Any,
    user: User,
    role: str,
    department: Department | None = None,
    region: Region | None = None,
    request: HttpRequest | None = None,
) -> RoleAssignment:
    """Grant a scoped role. The three admin roles are exclusive (等保2.0 三员分立)."""
    if role not in Role.values:
        raise ApplicationError(_("Unknown role."), field_errors={"role": [_("Unknown role.")]})
    # Lock the user row so two concurrent grants cannot both pass the separation check.
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.kind != User.Kind.STAFF:
        raise ApplicationError(_("Only staff accounts can hold government roles."), code="not_staff")
    held = set(locked.role_assignments.values_list("role", flat=True))
    if role in ADMIN_ROLES and (held & ADMIN_ROLES) - {role}:
        raise ApplicationError(
            _("The system, security and audit administrator roles are separated: one account cannot hold two."),
            code="admin_separation",
        )
    assignment, created = RoleAssignment.objects.get_or_create(
        user=locked,
        role=role,
        department=department,
        region=region,
        defaults={"granted_by": actor if isinstance(actor, User) else None},
    )
    if not created:
        raise ApplicationError(_("The account already holds this role in this scope."), code="duplicate_role")
    if role == Role.SYSTEM_ADMIN and not locked.is_staff:
        locked.is_staff = True  # Django's admin site requires it; access is still decided by Perm.ADMIN_SITE.
        locked.save(update_fields=["is_staff"])
    record(
        actor=actor,
        action="role.grant",
        target=locked,
        detail={"role": role, "department": getattr(department, "code", None), "region": getattr(region, "code", None)},
        request=request,
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment, request: HttpRequest | None = None) -> None:
    user = assignment.user
    detail = {"role": assignment.role, "department": getattr(assignment.department, "code", None)}
    assignment.delete()
    if detail["role"] == Role.SYSTEM_ADMIN and not user.role_assignments.filter(role=Role.SYSTEM_ADMIN).exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    record(actor=actor, action="role.revoke", target=user, detail=detail, request=request)


def elder_mode_set(*, actor: User, enabled: bool, request: HttpRequest | None = None) -> None:
    if actor.elder_mode != enabled:
        actor.elder_mode = enabled
        actor.save(update_fields=["elder_mode"])
        record(actor=actor, action="account.elder_mode", target=actor, detail={"enabled": enabled}, request=request)


# --- Second factor (TOTP) --------------------------------------------------------------------


@transaction.atomic
def totp_enrolment_start(*, actor: User) -> TOTPDevice:
    """An unconfirmed TOTP device for the actor (an earlier unconfirmed one is replaced)."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)


@transaction.atomic
def totp_enrolment_confirm(*, actor: User, token: str, request: HttpRequest | None = None) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).first()
    if device is None:
        raise ApplicationError(_("Start the enrolment again."), code="no_enrolment")
    if not token.isdigit() or not device.verify_token(token):
        raise ApplicationError(
            _("The code is not correct. Check the time on your phone and try again."),
            field_errors={"token": [_("Wrong code.")]},
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(actor=actor, action="mfa.enrol", target=actor, request=request)
    return device


@transaction.atomic
def totp_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Security administrator: remove a staff member's second factor so they enrol again."""
    TOTPDevice.objects.filter(user=user).delete()
    record(actor=actor, action="mfa.reset", target=user, request=request)


# --- API tokens ----------------------------------------------------------------------------


def _token_digest(raw: str) -> str:
    return crypto.hmac_sm3_hex(crypto.purpose_key("api-token"), raw.encode())


@transaction.atomic
def api_token_create(
    *,
    actor: User,
    name: str,
    scopes: list[str],
    department: Department | None = None,
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token for another system; the plaintext is returned once and never stored."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the token a name.")]
    bad = [s for s in scopes if s not in ApiToken.Scope.values]
    if bad or not scopes:
        errors["scopes"] = [_("Choose one or more valid scopes.")]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if errors:
        raise ApplicationError(_("The token could not be created."), field_errors=errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip(),
        department=department,
        scopes=sorted(set(scopes)),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=_token_digest(raw),
        created_by=actor,
        expires_at=expires_at,
    )
    record(
        actor=actor,
        action="api_token.create",
        target=token,
        detail={"name": token.name, "scopes": token.scopes},
        request=request,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken, request: HttpRequest | None = None) -> None:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise ApplicationError(_("The token was already revoked."), code="already_revoked")
    record(actor=actor, action="api_token.revoke", target=token, request=request)


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token matching raw, or None; marks when it was last used."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("department").filter(digest=_token_digest(raw)).first()
    if token is None or token.revoked_at is not None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def personal_data_read(*, actor: Any, subject: User, fields: list[str], request: HttpRequest | None = None) -> None:
    """Record that actor saw subject's personal data in full (the subject can ask who did)."""
    record(actor=actor, action="personal_data.read", target=subject, detail={"fields": fields}, request=request)


def active_day_record(*, user: User, at: datetime | None = None) -> bool:
    """Note that ``user`` was active on the Beijing day of ``at`` (now by default); True when this
    is the first note of that day. Not audited: the sign-in it follows is, and a day's row carries
    nothing but the fact."""
    from dgov.core.workdays import CALENDAR_TZ

    day = (at or timezone.now()).astimezone(CALENDAR_TZ).date()
    _, created = ActiveDay.objects.get_or_create(user=user, day=day, defaults={"kind": user.kind})
    return created
