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


def _has_workbench(user: Any) -> bool:
    from dgov.accounts.permissions import Perm, has_perm

    return has_perm(user, Perm.WORKBENCH)


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page of the shell needs: elder mode, demo banner."""
    from dgov.accounts.middleware import mfa_waived

    user: Any = getattr(request, "user", None)
    staff = user is not None and user.is_authenticated and user.kind == "staff"
    return {
        # Staff with work roles have a workbench; the three administrators have consoles.
        "home_is_workbench": staff and _has_workbench(user),
        "elder_mode": elder_mode_on(request),
        "demo_mode": settings.DGOV_DEMO,
        "mfa_waived": staff and mfa_waived(user),
        "case_staff": staff and _has_case_role(user),
    }


def _has_case_role(user: Any) -> bool:
    from dgov.accounts.permissions import Perm, has_perm

    return has_perm(user, Perm.CASE_VIEW)
