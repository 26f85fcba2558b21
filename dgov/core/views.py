"""Views of the shell itself: health, elder mode."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dgov.core.context_processors import ELDER_COOKIE


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and cache reachability, for load balancers and monitoring."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # report, don't raise: this is the health endpoint
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("dgov:healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("dgov:healthz") == "1" else "error: value not kept"
    except Exception as exc:
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    """Switch elder mode on or off; remembered in a cookie and, when signed in, on the account."""
    enabled = request.POST.get("enabled") == "1"
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if request.user.is_authenticated:
        from dgov.accounts.services import elder_mode_set

        elder_mode_set(actor=request.user, enabled=enabled, request=request)
    response = HttpResponseRedirect(target)
    response.set_cookie(ELDER_COOKIE, "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
