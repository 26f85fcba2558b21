"""Request types for views behind a sign-in check."""

from __future__ import annotations

from django.http import HttpRequest

from dgov.accounts.models import User


class AuthedRequest(HttpRequest):
    """An HttpRequest whose user is signed in (views decorated with login_required/requires)."""

    user: User  # type: ignore[assignment]
