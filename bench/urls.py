"""The platform's URLs plus two baselines for the benchmarks (never in production URLs):

- /bench/bare/: a bare view, what /healthz and the portal home are compared with;
- /bench/insert/: a bare endpoint that does exactly one INSERT, what case submissions are compared
  with. Its table, ``bench_insert``, is made by the benchmark's setup with raw SQL (bench/inproc.py);
  no model, no app, no migration.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler403, handler404
from config.urls import urlpatterns as platform_urlpatterns

__all__ = ["handler403", "handler404", "urlpatterns"]


def bare(request: HttpRequest) -> HttpResponse:
    """No database, no template, no cache: only Django's request cycle and the middleware stack."""
    return HttpResponse("ok")


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    """One INSERT of the request body (autocommit: one statement, one commit), then 201."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_insert (payload, created_at) VALUES (%s, %s)",
            [request.body.decode("utf-8", "replace"), timezone.now()],
        )
    return HttpResponse(status=201)


urlpatterns = [
    *platform_urlpatterns,
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/insert/", insert, name="bench-insert"),
]
