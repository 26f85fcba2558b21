"""The platform's URLs plus a bare view, the baseline that /healthz and the portal home are compared with."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403, handler404
from config.urls import urlpatterns as platform_urlpatterns

__all__ = ["handler403", "handler404", "urlpatterns"]


def bare(request: HttpRequest) -> HttpResponse:
    """No database, no template, no cache: only Django's request cycle and the middleware stack."""
    return HttpResponse("ok")


urlpatterns = [*platform_urlpatterns, path("bench/bare/", bare, name="bench-bare")]
