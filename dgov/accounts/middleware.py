"""Idle logout, the staff second-factor gate and the daily activity record."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.audit import record
from dgov.core.workdays import CALENDAR_TZ

_SESSION_KEY = "dgov_last_seen"
_TOUCH_EVERY = 30  # seconds: don't rewrite the session on every request


def idle_limit(user: object) -> int:
    if getattr(user, "kind", None) == "staff":
        return settings.DGOV_IDLE_TIMEOUT_STAFF
    return settings.DGOV_IDLE_TIMEOUT_PUBLIC


class IdleTimeoutMiddleware:
    """Sign out a browser session idle longer than its limit (staff 15 min, others 30 min)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(_SESSION_KEY)
            if last is not None and now - int(last) > idle_limit(user):
                record(actor=user, action="auth.logout_idle", target=user, request=request)
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                return HttpResponseRedirect(
                    reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()})
                )
            if last is None or now - int(last) >= _TOUCH_EVERY:
                request.session[_SESSION_KEY] = now
        return self.get_response(request)


_ACTIVE_DAY_KEY = "_dgov_active_day"


def note_active_day(request: HttpRequest, user: Any) -> None:
    """Note ``user``'s active day once per session and Beijing day (dgov.accounts.models.ActiveDay).
    Staff count once past the second factor: a password alone is not a sign-in (the user login()
    has just set carries no is_verified; the factor comes on a later request)."""
    session = getattr(request, "session", None)
    if session is None or not getattr(user, "is_authenticated", False):
        return
    verified = getattr(user, "is_verified", None)
    if user.kind == "staff" and not ((verified is not None and verified()) or mfa_waived(user)):
        return
    today = timezone.now().astimezone(CALENDAR_TZ).date().isoformat()
    if session.get(_ACTIVE_DAY_KEY) != today:
        from dgov.accounts.services import active_day_record

        active_day_record(user=user)
        session[_ACTIVE_DAY_KEY] = today


class ActiveDayMiddleware:
    """Note the active day of a signed-in person whose session has not yet been noted today (at
    sign-in the signal notes it; this catches a session that runs past midnight and staff who have
    just passed the second factor). After the view, so the request that signs in counts too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None:
            note_active_day(request, user)
        return response


def mfa_waived(user: object) -> bool:
    return bool(settings.DGOV_DEMO_WAIVES_MFA and getattr(user, "is_demo", False))


# The API decides for itself (a 401 JSON body, not a redirect): see config/api.py SignedInUser.
_MFA_FREE_PREFIXES = ("/accounts/mfa/", "/accounts/logout/", "/static/", "/i18n/", "/healthz", "/elder-mode/", "/api/")


class StaffSecondFactorMiddleware:
    """Staff must pass TOTP after the password before anything else (demo accounts may be waived)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.kind == "staff"
            and not user.is_verified()
            and not mfa_waived(user)
            and not request.path.startswith(_MFA_FREE_PREFIXES)
        ):
            return HttpResponseRedirect(reverse("accounts:mfa") + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
