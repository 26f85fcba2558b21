"""Project-wide middleware that belongs to no domain."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _


class DemoLoopbackOnlyMiddleware:
    """In demo mode (known passwords, MFA waived) answer only clients on this machine."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DGOV_DEMO:
            try:
                loopback = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                return HttpResponseForbidden(_("Demo mode serves this machine only (DGOV_DEMO=1)."))
        return self.get_response(request)
