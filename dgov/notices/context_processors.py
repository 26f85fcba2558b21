"""The unread-notice count for the navigation bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dgov.notices.selectors import notice_unread_count


def unread_notices(request: HttpRequest) -> dict[str, Any]:
    """``unread_notices``: the signed-in user's unread count, counted (one query) only if a template uses it."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": SimpleLazyObject(lambda: notice_unread_count(user=user))}
