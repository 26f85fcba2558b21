from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

ELDER_COOKIE = "dgov_elder"


def elder_mode_on(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(user.elder_mode)
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page of the shell needs: elder mode, demo banner."""
    from dgov.accounts.middleware import mfa_waived

    user = getattr(request, "user", None)
    return {
        "elder_mode": elder_mode_on(request),
        "demo_mode": settings.DGOV_DEMO,
        "mfa_waived": user is not None and user.is_authenticated and user.kind == "staff" and mfa_waived(user),
    }
