"""Request types for views behind a sign-in check, and the signed-in caller of an API endpoint."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from dgov.accounts.models import ApiToken, User


class AuthedRequest(HttpRequest):
    """An HttpRequest whose user is signed in (views decorated with login_required/requires)."""

    user: User  # type: ignore[assignment]


def api_session_user(request: HttpRequest) -> User:
    """The person who calls an API endpoint with the browser session. A system token is refused
    with 403: it stands for a department's system, not for a holder or a member of staff."""
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        raise PermissionDenied
    user: User = auth
    return user
