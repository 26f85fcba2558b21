"""The platform's URLs plus baselines for the benchmarks (never in production URLs):

- /bench/bare/: a bare view, what /healthz and the portal home are compared with;
- /bench/insert/: a bare endpoint that does exactly one INSERT, what case submissions are compared
  with. Its table, ``bench_insert``, is made by the benchmark's setup with raw SQL (bench/inproc.py);
  no model, no app, no migration.
- /bench/floor/: the least any case submission must do (the floor under the submission rate):
  a signed-in applicant's POST through the platform's middleware (session, CSRF), the body parsed
  (JSON, or multipart with files), each file checked by content and stored under a random name,
  then in one transaction a number from a per-day sequence row, the case row, its material rows
  and one audit record on the platform's hash chain; 201 with the number. Raw SQL into the bench's
  own tables (``bench_case*``, made by the setup like ``bench_insert``): no ORM, no item, no form
  schema, no process, no timeline, no notice, no idempotency key. A real submission does all of
  this and more, so it cannot go faster than this endpoint on the same machine.
"""

import json

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler403, handler404
from config.urls import urlpatterns as platform_urlpatterns
from dgov.audit import record
from dgov.cases.uploads import UploadRejected, check_upload
from dgov.core.workdays import local_date

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


def floor(request: HttpRequest) -> HttpResponse:
    """The floor of a case submission (see the module docstring); CSRF is checked by the middleware."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_signed_in"}, status=401)
    try:
        raw = request.POST["payload"] if request.content_type == "multipart/form-data" else request.body
        payload = json.loads(raw)
        checked = [check_upload(f) for _name, files in request.FILES.lists() for f in files]
    except (KeyError, ValueError, UploadRejected) as exc:  # json.JSONDecodeError is a ValueError
        return JsonResponse({"code": "invalid", "message": str(exc)}, status=400)
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        return JsonResponse({"code": "invalid", "message": "data is an object"}, status=400)
    now = timezone.now()
    day = local_date(now)
    stored: list[str] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_case_sequence (day, last) VALUES (%s, 1) "
                "ON CONFLICT (day) DO UPDATE SET last = bench_case_sequence.last + 1 RETURNING last",
                [day],
            )
            number = f"440704000000{day:%Y%m%d}{cursor.fetchone()[0]:06d}"
            cursor.execute(
                "INSERT INTO bench_case (number, applicant_id, form, created_at) VALUES (%s, %s, %s, %s) RETURNING id",
                [number, request.user.pk, json.dumps(payload["data"], ensure_ascii=False), now],
            )
            case_id = cursor.fetchone()[0]
            rows = []
            for upload in checked:
                name = default_storage.save(f"bench/{upload.storage_name}", upload.file)
                stored.append(name)
                rows += [case_id, upload.original_name, name, upload.size, upload.sm3]
            if checked:
                cursor.execute(
                    "INSERT INTO bench_case_material (case_id, original_name, file, size, sm3) VALUES "
                    + ", ".join(["(%s, %s, %s, %s, %s)"] * len(checked)),
                    rows,
                )
            record(
                actor=request.user,
                action="bench.floor_submit",
                target=("bench_case", str(case_id)),
                detail={"number": number, "files": len(checked)},
                request=request,
            )
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return JsonResponse({"number": number}, status=201)


urlpatterns = [
    *platform_urlpatterns,
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/insert/", insert, name="bench-insert"),
    path("bench/floor/", floor, name="bench-floor"),
]
