"""The in-process half of the cases benchmark (bench/cases.py): run with the platform's settings.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… python -m bench.inproc <command> --out FILE

Commands (each writes one JSON document to --out):

- ``setup``: the bare-insert table, N bench enterprises and N bench citizens (made with
  ``dgov.accounts.services.user_create`` like any account), a signed-in browser session and a CSRF
  secret for each, one partner API token (scopes partner + read, ``api_token_create``) and one
  OpenID Connect access token per citizen (scope openid, a year's expiry, stored the way
  django-oauth-toolkit stores issued tokens: only the sha256 checksum). Prints the credentials the
  HTTP client needs; the file is readable by its owner only and lives in the benchmark's temporary
  directory.
- ``profile``: where a submission's time goes: services.case_submit in-process with per-phase
  timers and the SQL queries counted, how long the case-number and audit-chain row locks are held,
  and the whole API request through Django's test client.
- ``instant``: the instant-approval item against its plain twin (no rules) through the API in
  process, interleaved: wall and CPU time per request, queries, phases and a cProfile listing.
- ``tasks``: one staff step (``case_task_complete``, the clerk accepting) on K open cases, p50/p99
  and queries; the workflow kernel's bare ``task_complete`` on K more; phases of both.
- ``search``: tops the published catalogue up to N items (variants of the demo items, indexed by
  the catalogue's own segmentation code) and times search + count + a page of 20, and the whole
  /services/ page, over 20 queries × 5 filter sets.

Nothing here is a test and nothing asserts a time: it measures and reports.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import json
import os
import pstats
import random
import secrets
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.payloads import (  # noqa: E402
    FOOD_ITEM,
    INSTANT_ITEM,
    JSON_ITEM,
    PARTNER_ITEM,
    PLAIN_ITEM,
    PLAIN_UNCHECKED_ITEM,
    make_pdf,
    signature_data_url,
)

BENCH_PASSWORD = "Bench-not-for-login-2026!"


# --- helpers ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"),
    }


def timed(n: int, op: Callable[[int], object], warmup: int = 5) -> list[float]:
    """Milliseconds of op(0) … op(n - 1), after `warmup` untimed calls op(-1), op(-2), …"""
    for i in range(warmup):
        op(-1 - i)
    ms = []
    for i in range(n):
        t0 = time.perf_counter()
        op(i)
        ms.append((time.perf_counter() - t0) * 1000)
    return ms


def write_result(path: Path, result: dict[str, Any]) -> None:
    """The JSON result for the orchestrating process, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=1, default=str)


class Phases:
    """Inclusive wall time, calls and SQL queries of named callables, patched in place while active."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.queries: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        original = getattr(owner, attr)
        raw = owner.__dict__.get(attr) if isinstance(owner, type) else original
        if isinstance(raw, staticmethod | classmethod):
            raise TypeError("wrap plain functions and methods only")

        def timed(*args: Any, **kwargs: Any) -> Any:
            q0 = len(connection.queries_log)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self.calls[label] += 1
                self.queries[label] += len(connection.queries_log) - q0

        setattr(owner, attr, timed)
        self._undo.append((owner, attr, raw))

    def undo(self) -> None:
        for owner, attr, raw in reversed(self._undo):
            setattr(owner, attr, raw)
        self._undo.clear()

    def report(self, per: int) -> dict[str, dict[str, float]]:
        return {
            label: {
                "ms_per_op": round(self.seconds[label] * 1000 / per, 2),
                "calls_per_op": round(self.calls[label] / per, 2),
                "queries_per_op": round(self.queries[label] / per, 2),
            }
            for label in self.seconds
        }


@contextlib.contextmanager
def counting_queries() -> Iterator[CaptureQueriesContext]:
    """Queries are logged (CaptureQueriesContext forces the debug cursor) for the Phases counters."""
    ctx = CaptureQueriesContext(connection)
    with ctx:
        yield ctx


# --- setup ------------------------------------------------------------------------------------


def _bench_users(n: int) -> tuple[list[Any], list[Any]]:
    from dgov.accounts.demo import _demo_credit_code, _demo_id_number
    from dgov.accounts.models import Region, User
    from dgov.accounts.services import user_create

    region = Region.objects.get(code="440704001003")
    enterprises: list[Any] = []
    citizens: list[Any] = []
    for i in range(n):
        for kind, bucket in (("enterprise", enterprises), ("citizen", citizens)):
            username = f"bench_{kind[:3]}_{i:03d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                extra: dict[str, Any] = (
                    {
                        "enterprise_name": f"江门市江海区压测样本{i:03d}餐饮有限公司（示例）",
                        "enterprise_credit_code": _demo_credit_code(f"bench-{i}", kind_prefix="91"),
                    }
                    if kind == "enterprise"
                    else {}
                )
                user = user_create(
                    actor=None,
                    username=username,
                    password=BENCH_PASSWORD,
                    kind=kind,
                    real_name=f"压测{'企业' if kind == 'enterprise' else '居民'}{i:03d}",
                    id_number=_demo_id_number(f"19{70 + i % 30:02d}0{1 + i % 9}1{i % 10}", f"{500 + i:03d}"),
                    phone=f"139{(1 if kind == 'enterprise' else 2)}{i:07d}",
                    region=region,
                    is_demo=True,
                    **extra,
                )
            bucket.append(user)
    return enterprises, citizens


def _session_for(user: Any) -> dict[str, str]:
    """A signed-in session, as django.contrib.auth.login leaves it, and a CSRF secret."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"sessionid": session.session_key or "", "csrftoken": _get_new_csrf_string()}


def _access_token_for(user: Any) -> str:
    """An OIDC access token as the provider would have issued it to the partner's terminal."""
    from oauth2_provider.models import get_access_token_model, set_token_value

    raw = secrets.token_urlsafe(30)
    token = get_access_token_model()(user=user, scope="openid", expires=timezone.now() + timedelta(days=365))
    set_token_value(token, raw)
    token.save()
    return raw


def _form_data(item: Any, user: Any) -> dict[str, Any]:
    from dgov.cases.demo import FOOD
    from dgov.cases.services import prefill_for

    data = prefill_for(user, item.form_schema)
    if item.code == FOOD_ITEM:
        data.update({**FOOD, "legal_representative": user.real_name, "safety_manager": user.real_name})
    elif item.code == JSON_ITEM:
        data.update(
            {"address": "江海区外海街道清兰社区兴业路 3 号（示例）", "contribution_grade": "600", "payment": "银行代扣"}
        )
    elif item.code == PARTNER_ITEM:
        data.update(
            {"address": "江海区外海街道清兰社区兴业路 3 号（示例）", "bank": "中国银行", "delivery": "邮寄到家"}
        )
    return data


def _instant_form(item: Any, user: Any) -> dict[str, Any]:
    from dgov.cases.services import prefill_for

    return {**prefill_for(user, item.form_schema), "address": "江海区外海街道（示例）", "employment_status": "失业"}


def _plain_twin(code: str = PLAIN_ITEM, *, credit_check: bool = True) -> Any:
    """The instant item without rules (standard process, no table) under ``code``; with the item's
    credit check (PLAIN_ITEM) or without it (PLAIN_UNCHECKED_ITEM)."""
    from dataclasses import replace

    from dgov.catalog.content import ItemContent
    from dgov.catalog.models import ServiceItem
    from dgov.catalog.services import item_create_draft, item_publish

    twin = ServiceItem.objects.filter(code=code, status=ServiceItem.Status.PUBLISHED).first()
    if twin is not None:
        return twin
    source = ServiceItem.objects.get(code=INSTANT_ITEM, status=ServiceItem.Status.PUBLISHED)
    if credit_check and not source.credit_check:
        raise SystemExit(f"{INSTANT_ITEM} no longer checks credit: the twins would not differ by the rules only")
    content = replace(
        ItemContent.from_item(source),
        code=code,
        name=source.name + ("（对照：无规则）" if credit_check else "（对照：无规则、不查信用）"),
        process_key="standard_case",
        decision_key="",
        instant_approval=False,
        credit_check=credit_check,
    )
    return item_publish(actor=None, item=item_create_draft(actor=None, content=content))


def _registry_records(users: list[Any]) -> None:
    """人口库 records for the bench citizens: registered in Jianghai, of working age (the table's inputs)."""
    from datetime import date

    from dgov.registries.selectors import person_get
    from dgov.registries.services import person_record_create

    for user in users:
        if person_get(user.id_number) is None:
            birth = user.id_number[6:14]
            person_record_create(
                actor=None,
                id_number=user.id_number,
                data={
                    "name": user.real_name,
                    "sex": "male" if int(user.id_number[16]) % 2 else "female",
                    "birth_date": date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
                    "household_address": "江海区外海街道（示例）",
                    "household_region": "440704",
                    "household_type": "urban",
                    "marital_status": "married",
                },
            )


def _enterprise_seals(users: list[Any]) -> None:
    """法人库 records and enterprise e-seals for the bench enterprises: an item exempt from paper seals
    (免用实物印章) asks an enterprise's online application to carry its e-seal (dgov.esign)."""
    from datetime import date
    from decimal import Decimal

    try:
        from dgov.esign.services import demo_seals
    except ImportError:  # a platform without enterprise e-seals
        return
    from dgov.registries.models import EnterpriseRecord
    from dgov.registries.selectors import enterprise_get
    from dgov.registries.services import enterprise_record_create

    for user in users:
        if enterprise_get(user.enterprise_credit_code) is None:
            enterprise_record_create(
                actor=None,
                credit_code=user.enterprise_credit_code,
                data={
                    "name": user.enterprise_name,
                    "kind": EnterpriseRecord.Kind.COMPANY,
                    "legal_representative": user.real_name,
                    "legal_representative_id_number": user.id_number,
                    "registered_address": "江海区外海街道兴业路 3 号（示例）",
                    "registered_region": "440704",
                    "business_scope": "餐饮服务（示例）",
                    "registered_capital": Decimal("100"),
                    "established_on": date(2020, 1, 2),
                    "status": EnterpriseRecord.Status.ACTIVE,
                    "source": "江海区市场监督管理局",
                },
            )
    demo_seals(users=users)


def _upload_ids(item: Any) -> list[int]:
    from dgov.cases.services import material_needs_upload

    return [m.pk for m in item.materials.all() if material_needs_upload(m)]


def cmd_setup(args: argparse.Namespace) -> dict[str, Any]:
    from django.test.utils import override_settings

    from dgov.accounts.models import User
    from dgov.accounts.services import api_token_create
    from dgov.catalog.models import ServiceItem

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert "
            "(id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL)"
        )
        # The floor endpoint's tables (bench/urls.py): a case, its materials, a per-day sequence.
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_case_sequence (day date PRIMARY KEY, last integer NOT NULL)")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_case (id bigserial PRIMARY KEY, number varchar(40) NOT NULL UNIQUE, "
            "applicant_id bigint NOT NULL, form jsonb NOT NULL, created_at timestamptz NOT NULL)"
        )
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_case_material (id bigserial PRIMARY KEY, "
            "case_id bigint NOT NULL REFERENCES bench_case (id), original_name varchar(255) NOT NULL, "
            "file varchar(255) NOT NULL, size integer NOT NULL, sm3 char(64) NOT NULL)"
        )
    # The bench accounts never sign in with a password (their sessions are made here), so their
    # password hashes are made with a fast hasher: 2 × N Argon2 hashes would only slow the setup.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        enterprises, citizens = _bench_users(args.users)
    _plain_twin()
    _plain_twin(PLAIN_UNCHECKED_ITEM, credit_check=False)
    _registry_records(citizens)
    _enterprise_seals(enterprises)
    items = {
        code: ServiceItem.objects.prefetch_related("materials").get(code=code, status=ServiceItem.Status.PUBLISHED)
        for code in (FOOD_ITEM, JSON_ITEM, PARTNER_ITEM, INSTANT_ITEM, PLAIN_ITEM, PLAIN_UNCHECKED_ITEM)
    }
    admin = User.objects.get(username="admin")
    _token, partner_raw = api_token_create(actor=admin, name="政银通办终端（压测）", scopes=["partner", "read"])
    out: dict[str, Any] = {
        "items": {
            code: {"name": item.name, "uploads": _upload_ids(item), "channels": item.channels}
            for code, item in items.items()
        },
        "partner_token": partner_raw,
        "enterprises": [
            {"username": u.username, **_session_for(u), "data": _form_data(items[FOOD_ITEM], u)} for u in enterprises
        ],
        "citizens": [
            {
                "username": u.username,
                **_session_for(u),
                "access_token": _access_token_for(u),
                "data": _form_data(items[JSON_ITEM], u),
                "partner_data": _form_data(items[PARTNER_ITEM], u),
                "instant_data": _instant_form(items[INSTANT_ITEM], u),
            }
            for u in citizens
        ],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return out


# --- profile of one submission ----------------------------------------------------------------


def _food_uploads(item: Any, n: int) -> dict[int, list[Any]]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = make_pdf(f"profile {n}")
    return {
        mid: [SimpleUploadedFile(f"材料{mid}.pdf", pdf, content_type="application/pdf")] for mid in _upload_ids(item)
    }


def _submission_phases(phases: Phases) -> None:
    from dgov.audit import services as audit_services
    from dgov.cases import services as cases
    from dgov.notices import services as notices
    from dgov.workflow import engine
    from dgov.workflow import services as workflow

    phases.wrap(cases, "case_submit", "case_submit (all)")
    phases.wrap(cases, "clean_form_data", "form data check")
    phases.wrap(cases, "_check_uploads", "file checks (type sniffing, SM3)")
    phases.wrap(cases, "case_number_next", "case number (sequence row UPDATE)")
    phases.wrap(cases, "_store", "files written + CaseMaterial rows")
    phases.wrap(cases, "_event", "timeline event")
    phases.wrap(workflow, "process_start", "workflow.process_start (all)")
    phases.wrap(workflow, "process_definition_get_published", "  process definition read")
    phases.wrap(engine, "start", "  engine.start (parse/run BPMN)")
    phases.wrap(engine.Run, "dump", "  engine state serialised")
    phases.wrap(workflow, "_sync_tasks", "  Task rows")
    phases.wrap(audit_services, "record", "audit record (chain head lock)")
    phases.wrap(notices, "notice_send", "notice written")
    phases.wrap(notices, "notice_deliver", "SMS delivered after commit")


def cmd_profile(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client

    from dgov.accounts.models import User
    from dgov.cases import services as cases
    from dgov.cases.models import Case
    from dgov.catalog.models import ServiceItem

    item = ServiceItem.objects.prefetch_related("materials").get(code=FOOD_ITEM, status="published")
    users = list(User.objects.filter(username__startswith="bench_ent_").order_by("username"))
    if not users:
        raise SystemExit("run the setup command first")
    n = args.n
    run_id = secrets.token_hex(4)

    def submit(i: int) -> Any:
        user = users[i % len(users)]
        return cases.case_submit(
            actor=user,
            item=item,
            data=_form_data(item, user),
            uploads=_food_uploads(item, i),
            idempotency_key=f"profile-{run_id}-{i}",
        )

    # 1. Plain timing, nothing patched, after a warm-up (engine caches, jieba not involved, connection open).
    plain = timed(n, submit, warmup=3)

    # 2. Phases and queries (the wrappers and the query log cost a little).
    phases = Phases()
    _submission_phases(phases)
    held: list[float] = []
    original_next = cases.case_number_next

    def number_and_hold(**kwargs: Any) -> str:
        start = time.perf_counter()
        number = original_next(**kwargs)
        transaction.on_commit(lambda: held.append((time.perf_counter() - start) * 1000))
        return number

    chain_held: list[float] = []
    first_record: list[float] = []
    from dgov.audit import services as audit_services

    original_record = audit_services.record

    def record_and_hold(**kwargs: Any) -> Any:
        if not first_record:  # the first append of the transaction takes the chain head's row lock
            first_record.append(time.perf_counter())
            transaction.on_commit(lambda: chain_held.append((time.perf_counter() - first_record.pop()) * 1000))
        return original_record(**kwargs)

    queries = []
    try:
        cases.case_number_next = number_and_hold  # wrapped by Phases already: wrap the wrapper
        audit_services.record = record_and_hold
        with counting_queries() as ctx:
            for i in range(n):
                before = len(ctx.captured_queries)
                submit(n + i)
                queries.append(len(ctx.captured_queries) - before)
            sample = [q["sql"][:160] for q in ctx.captured_queries[-queries[-1] :]]
    finally:
        cases.case_number_next = original_next
        audit_services.record = original_record
        phases.undo()

    # 3. The whole API request in-process (middleware, session auth, CSRF, ninja, the service, the response):
    #    wall and CPU time, then the queries, then where the time goes by library (cProfile).
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users[0], backend="django.contrib.auth.backends.ModelBackend")
    pdfs = {mid: make_pdf(f"request {mid}") for mid in _upload_ids(item)}
    payload = json.dumps({"item_code": item.code, "data": _form_data(item, users[0])}, ensure_ascii=False)
    statuses: dict[str, int] = defaultdict(int)

    def post(i: int) -> None:
        body: dict[str, Any] = {"payload": payload}
        for mid, pdf in pdfs.items():
            body[f"material_{mid}"] = SimpleUploadedFile(f"材料{mid}.pdf", pdf, "application/pdf")
        resp = client.post("/api/v1/cases", body, headers={"Idempotency-Key": f"profile-http-{run_id}-{i}"})
        statuses[str(resp.status_code)] += 1

    for i in range(-3, 0):
        post(i)
    request_ms, request_cpu_ms = [], []
    for i in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        post(i)
        request_ms.append((time.perf_counter() - t0) * 1000)
        request_cpu_ms.append((time.process_time() - c0) * 1000)
    request_queries = []
    with counting_queries() as ctx:
        for i in range(n, n + 5):
            before = len(ctx.captured_queries)
            post(i)
            request_queries.append(len(ctx.captured_queries) - before)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n + 5, 2 * n + 5):
        post(i)
    profiler.disable()
    return {
        "submissions": n,
        "service_plain": summary(plain),
        "service_queries_per_submission": statistics.median(queries),
        "phases": phases.report(n),
        "number_lock_held": summary(held),
        "chain_head_lock_held": summary(chain_held),
        "last_submission_sql": sample,
        "api_request": {
            **summary(request_ms),
            "cpu_ms_median": round(statistics.median(request_cpu_ms), 2),
            "queries": statistics.median(request_queries),
            "statuses": statuses,
        },
        "api_request_by_library_percent": by_library(profiler),
        "cases_in_db": Case.objects.count(),
    }


def _instant_phases(phases: Phases) -> None:
    """The steps an instant approval adds to a plain submission, and the ones both share."""
    from dgov.audit import services as audit_services
    from dgov.cases import instant
    from dgov.cases import services as cases
    from dgov.licences import services as licences
    from dgov.licences import signing
    from dgov.notices import services as notices
    from dgov.workflow import decisions, engine
    from dgov.workflow import services as workflow

    phases.wrap(cases, "case_submit", "case_submit (all)")
    phases.wrap(cases, "check_can_apply", "item checks (process published)")
    phases.wrap(cases, "clean_form_data", "form data check")
    phases.wrap(cases, "case_number_next", "case number")
    phases.wrap(cases, "_event", "timeline event")
    phases.wrap(instant, "red_measures", "credit: red measures (before the transaction)")
    phases.wrap(instant, "credit_check_for", "credit check")
    phases.wrap(instant, "decision_facts", "decision facts (registry reads)")
    phases.wrap(workflow, "process_start", "workflow.process_start (all)")
    phases.wrap(workflow, "process_definition_get_published", "  process definition read")
    phases.wrap(engine, "start", "  engine.start (run BPMN, decide)")
    phases.wrap(decisions, "decision_in_force", "  decision table version read")
    phases.wrap(engine.Run, "dump", "  engine state serialised")
    phases.wrap(workflow, "_sync_tasks", "  Task rows")
    phases.wrap(decisions, "decisions_record", "  DecisionRecord rows")
    phases.wrap(instant, "apply_outcome", "apply_outcome (all)")
    phases.wrap(licences, "licence_issue_for_case", "  licence_issue_for_case (all)")
    phases.wrap(licences, "_issue" if hasattr(licences, "_issue") else "licence_issue", "    licence_issue")
    phases.wrap(licences, "signing_key_for", "      seal key lookup")
    phases.wrap(signing, "sign", "      SM4 decrypt + SM2 sign")
    phases.wrap(audit_services, "record", "audit record")
    phases.wrap(notices, "notice_send", "notice written")


def cmd_instant(args: argparse.Namespace) -> dict[str, Any]:
    """Instant approval against the plain twin, through the API in process: time, CPU, queries, phases
    and where the time goes (cProfile, top functions by cumulative and own time)."""
    import io

    from django.test import Client

    from dgov.accounts.models import User

    users = list(User.objects.filter(username__startswith="bench_cit_").order_by("username"))
    if not users:
        raise SystemExit("run the setup command first")
    from dgov.catalog.models import ServiceItem

    items = {
        name: ServiceItem.objects.get(code=code, status=ServiceItem.Status.PUBLISHED)
        for name, code in (("plain", PLAIN_ITEM), ("plain_unchecked", PLAIN_UNCHECKED_ITEM), ("instant", INSTANT_ITEM))
    }
    n = args.n
    run_id = secrets.token_hex(4)
    clients = []
    for user in users:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients.append((client, _instant_form(items["instant"], user)))
    counter = [0]
    # As bench/cases.py sends it: the same drawn signature for both (ignored where none is asked).
    signature = {"kind": "drawn", "image": signature_data_url()}

    def post(name: str) -> None:
        counter[0] += 1
        client, data = clients[counter[0] % len(clients)]
        body = json.dumps({"item_code": items[name].code, "data": data, "signature": signature}, ensure_ascii=False)
        resp = client.post(
            "/api/v1/cases",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": f"instant-{run_id}-{counter[0]}"},
        )
        if resp.status_code != 201:
            raise SystemExit(f"{name}: {resp.status_code} {resp.content[:300]!r}")

    # The twin with the item's credit check, the one without, and the instant approval.
    names = ("plain", "plain_unchecked", "instant")
    out: dict[str, Any] = {"submissions": n}
    for name in names:
        for _i in range(5):
            post(name)
    # Interleaved, so a busy machine slows both alike.
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for _i in range(n):
        for name in names:
            t0, c0 = time.perf_counter(), time.process_time()
            post(name)
            wall[name].append((time.perf_counter() - t0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
    for name in names:
        queries: list[int] = []
        sql: list[str] = []
        with counting_queries() as ctx:
            for _i in range(3):
                before = len(ctx.captured_queries)
                post(name)
                queries.append(len(ctx.captured_queries) - before)
            sql = [q["sql"][:200] for q in ctx.captured_queries[-queries[-1] :]]
        phases = Phases()
        _instant_phases(phases)
        try:
            with counting_queries():
                for _i in range(n):
                    post(name)
        finally:
            phases.undo()
        profiler = cProfile.Profile()
        profiler.enable()
        for _i in range(n):
            post(name)
        profiler.disable()
        if args.pstats:
            profiler.dump_stats(str(args.pstats) + f".{name}")
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        out[name] = {
            "wall": summary(wall[name]),
            "cpu_ms_median": round(statistics.median(cpu[name]), 2),
            "cpu_ms_mean": round(statistics.fmean(cpu[name]), 2),
            "queries": statistics.median(queries),
            "sql": sql,
            "phases": phases.report(n),
            "by_library_percent": by_library(profiler),
            "profile": text.getvalue(),
        }
    out["ratio_p50"] = round(out["instant"]["wall"]["p50_ms"] / out["plain"]["wall"]["p50_ms"], 2)
    out["ratio_cpu"] = round(out["instant"]["cpu_ms_median"] / out["plain"]["cpu_ms_median"], 2)
    out["ratio_p50_unchecked"] = round(out["instant"]["wall"]["p50_ms"] / out["plain_unchecked"]["wall"]["p50_ms"], 2)
    out["ratio_cpu_unchecked"] = round(out["instant"]["cpu_ms_median"] / out["plain_unchecked"]["cpu_ms_median"], 2)
    return out


def _library(filename: str) -> str:
    if "/site-packages/" in filename:
        package = filename.split("/site-packages/", 1)[1]
        if package.startswith("psycopg"):
            return "psycopg (driver; includes waiting for PostgreSQL)"
        if package.startswith("django/db/"):
            return "Django ORM (building queries, making model objects)"
        if package.startswith("django/"):
            return "Django (handler, middleware, multipart parsing, sessions, i18n)"
        if package.startswith(("ninja/", "pydantic")):
            return "django-ninja, pydantic"
        if package.startswith("SpiffWorkflow/"):
            return "SpiffWorkflow (engine)"
        return "other libraries (" + package.split("/", 1)[0] + ")"
    if "/dgov/" in filename:
        return "platform code (dgov/)"
    if filename.startswith("~") or filename.startswith("<"):
        return "C built-ins (json, hashing, gmssl, file I/O …)"
    if "/bench/" in filename:
        return "benchmark harness (test client)"
    return "Python standard library"


def by_library(profiler: cProfile.Profile) -> dict[str, float]:
    """Share (%) of the profiled time by where the code lives (cProfile tottime: time spent waiting is
    counted where it waits, e.g. in psycopg for PostgreSQL's answers). The profiler slows Python code
    more than C code and waiting, so these are shares, not milliseconds."""
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        totals[_library(filename)] += tottime
    whole = sum(totals.values()) or 1.0
    merged: dict[str, float] = defaultdict(float)
    for label, seconds in totals.items():
        merged[label if seconds / whole >= 0.01 else "everything else (< 1 % each)"] += seconds
    return {k: round(v * 100 / whole, 1) for k, v in sorted(merged.items(), key=lambda kv: -kv[1])}


# --- task completion --------------------------------------------------------------------------


def _open_accept_tasks(limit: int) -> list[Any]:
    from dgov.workflow.models import ProcessInstance, Task

    return list(
        Task.objects.filter(
            spec_id="accept_step",
            state__in=Task.OPEN_STATES,
            instance__subject_type="cases.case",
            instance__status=ProcessInstance.Status.RUNNING,
            instance__definition__key="standard_case",
        )
        .select_related("instance", "department")
        .order_by("pk")[:limit]
    )


def _task_phases(phases: Phases) -> None:
    from dgov.audit import services as audit_services
    from dgov.cases import services as cases
    from dgov.notices import services as notices
    from dgov.workflow import engine
    from dgov.workflow import services as workflow

    phases.wrap(cases, "_case_of_task", "case row locked (SELECT … FOR UPDATE)")
    phases.wrap(workflow, "task_complete", "workflow.task_complete (all)")
    phases.wrap(workflow, "can_work_on", "  permission check")
    phases.wrap(workflow, "_lock_instance", "  instance row locked + read")
    phases.wrap(engine, "restore", "  engine.restore")
    phases.wrap(engine.Run, "complete", "  engine complete + run to next wait")
    phases.wrap(engine.Run, "dump", "  engine state serialised")
    phases.wrap(workflow, "_save_step", "  state saved (UPDATE, version check)")
    phases.wrap(workflow, "_sync_tasks", "  Task rows synced")
    phases.wrap(cases, "_apply_step", "case updated + timeline + notice")
    phases.wrap(audit_services, "record", "audit records (chain head lock)")
    phases.wrap(notices, "notice_send", "notice written")
    phases.wrap(notices, "notice_deliver", "SMS delivered after commit")


def cmd_tasks(args: argparse.Namespace) -> dict[str, Any]:
    from dgov.accounts.models import User
    from dgov.cases import services as cases
    from dgov.catalog.models import ServiceItem
    from dgov.workflow import services as workflow
    from dgov.workflow.models import ProcessInstance

    k, p = args.k, args.profiled
    need = 2 * (k + p) + 6
    clerk = User.objects.get(username="clerk")
    tasks = _open_accept_tasks(need)
    submitted_here: list[float] = []
    if len(tasks) < need:
        item = ServiceItem.objects.prefetch_related("materials").get(code=FOOD_ITEM, status="published")
        users = list(User.objects.filter(username__startswith="bench_ent_").order_by("username"))
        run_id = secrets.token_hex(4)
        for i in range(need - len(tasks)):
            user = users[i % len(users)]
            t0 = time.perf_counter()
            cases.case_submit(
                actor=user,
                item=item,
                data=_form_data(item, user),
                uploads=_food_uploads(item, i),
                idempotency_key=f"tasks-{run_id}-{i}",
            )
            submitted_here.append((time.perf_counter() - t0) * 1000)
        tasks = _open_accept_tasks(need)
    sizes = [len(json.dumps(t.instance.state)) for t in tasks[:20]]
    warm, rest = tasks[:6], tasks[6:]
    case_tasks, bare_tasks = rest[: k + p], rest[k + p : 2 * (k + p)]

    def case_step(task: Any) -> None:
        cases.case_task_complete(actor=clerk, task=task, decision="accept", opinion="材料齐全，予以受理")

    def bare_step(task: Any) -> None:
        workflow.task_complete(actor=clerk, task=task, data={"decision": "accept", "opinion": "材料齐全，予以受理"})

    for t in warm[:3]:
        case_step(t)
    for t in warm[3:]:
        bare_step(t)

    result: dict[str, Any] = {"engine_state_bytes_median": statistics.median(sizes) if sizes else None}
    for label, step, batch in (
        ("case_task_complete", case_step, case_tasks),
        ("workflow.task_complete", bare_step, bare_tasks),
    ):
        ms = []
        for task in batch[:k]:
            t0 = time.perf_counter()
            step(task)
            ms.append((time.perf_counter() - t0) * 1000)
        phases = Phases()
        _task_phases(phases)
        queries = []
        try:
            with counting_queries() as ctx:
                for task in batch[k:]:
                    before = len(ctx.captured_queries)
                    step(task)
                    queries.append(len(ctx.captured_queries) - before)
        finally:
            phases.undo()
        result[label] = {**summary(ms), "queries": statistics.median(queries), "phases": phases.report(len(batch[k:]))}
    result["open_tasks_used"] = len(tasks)
    result["submitted_in_process_for_this"] = summary(submitted_here) if submitted_here else None
    result["running_instances"] = ProcessInstance.objects.filter(status=ProcessInstance.Status.RUNNING).count()
    return result


# --- search over N items ----------------------------------------------------------------------

SITUATIONS = [
    "新办", "变更", "延续", "注销", "补办", "换证", "遗失补领", "首次申请", "分支机构", "个人", "单位", "外商投资",
    "港澳台投资", "网上办理", "跨省通办", "容缺受理", "告知承诺", "加急", "迁入", "迁出",
]  # fmt: skip
PLACES = ["江海区", "外海街道", "礼乐街道", "江南街道", "高新区", "滨江新区"]
QUERIES = [
    "食品", "养老", "营业执照", "社保卡", "我要办理食品经营许可证", "城乡居民养老保险参保登记", "残疾人补贴", "上户口",
    "food", "440704000XK0010100001", "许可", "登记", "卡", "医保", "结婚", "建筑工程", "失业", "户外广告", "排污",
    "量子引力",
]  # fmt: skip


def _generate_items(total: int, cache: Path | None) -> dict[str, Any]:
    from dgov.accounts.models import Department
    from dgov.catalog import search, services
    from dgov.catalog.content import MATERIAL_FIELDS, SCALAR_FIELDS
    from dgov.catalog.demo_items import demo_items
    from dgov.catalog.models import ItemMaterial, SearchToken, ServiceItem

    published = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
    have = published.count()
    if have >= total:
        return {"generated": 0, "seconds": 0.0}
    t0 = time.perf_counter()
    regions = dict(Department.objects.values_list("code", "region__code"))
    bases = [c for c in demo_items(regions) if c.department in regions]
    lookups = services._Lookups.load()
    rng = random.Random(20261127)
    now = timezone.now()
    combos = [(place, situation) for place in PLACES for situation in SITUATIONS]
    # The segmentation (jieba, about 2 ms an item) is the same for every database: the SQLite run
    # reuses what the PostgreSQL run computed.
    cached: list[list[str]] = []
    if cache is not None and cache.exists():
        cached = json.loads(cache.read_text(encoding="utf-8"))
    rows, events, materials, columns = [], [], [], []
    for i in range(total - have):
        base = bases[i % len(bases)]
        place, situation = combos[(i // len(bases)) % len(combos)]
        content = dataclasses.replace(
            base,
            code=f"4407049{i:05d}{base.basic_code}"[:64],
            name=f"{place}{base.name}（{situation}）",
            high_frequency=rng.random() < 0.05,
            is_demo=True,
        )
        department = lookups.departments[content.department]
        item_events = [lookups.life_events[c] for c in content.life_events]
        item = ServiceItem(
            **{f: getattr(content, f) for f in SCALAR_FIELDS},
            version=1,
            status=ServiceItem.Status.PUBLISHED,
            department=department,
            published_at=now,
        )
        item.channels = list(content.channels)
        if i < len(cached):
            item.search_name, item.search_tags, item.search_body = cached[i]
        else:
            item.search_name, item.search_tags, item.search_body = services._search_text(
                content, department, item_events
            )
        columns.append([item.search_name, item.search_tags, item.search_body])
        rows.append(item)
        events.append(item_events)
        materials.append(content.materials)
    segmented = time.perf_counter() - t0
    if cache is not None and len(cached) < len(columns):
        cache.write_text(json.dumps(columns, ensure_ascii=False), encoding="utf-8")
    with transaction.atomic():
        created = ServiceItem.objects.bulk_create(rows, batch_size=500)
        through = ServiceItem.life_events.through
        through.objects.bulk_create(
            [
                through(serviceitem_id=item.pk, lifeevent_id=e.pk)
                for item, evs in zip(created, events, strict=True)
                for e in evs
            ],
            batch_size=5000,
        )
        ItemMaterial.objects.bulk_create(
            [
                ItemMaterial(item=item, position=n, **{f: getattr(m, f) for f in MATERIAL_FIELDS})
                for item, mats in zip(created, materials, strict=True)
                for n, m in enumerate(mats, start=1)
            ],
            batch_size=5000,
        )
        token_rows = (
            (item.pk, token, weight)
            for item in created
            for token, weight in search.token_weights(item.search_name, item.search_tags, item.search_body).items()
        )
        if connection.vendor == "postgresql":  # COPY: the ~370,000 rows in seconds, not a minute
            with connection.cursor() as cursor:
                table = SearchToken._meta.db_table
                with cursor.cursor.copy(f"COPY {table} (item_id, token, weight) FROM STDIN") as copy:
                    for row in token_rows:
                        copy.write_row(row)
        else:
            SearchToken.objects.bulk_create(
                (SearchToken(item_id=pk, token=token, weight=weight) for pk, token, weight in token_rows),
                batch_size=5000,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "generated": len(created),
        "seconds": round(time.perf_counter() - t0, 1),
        "segmentation_seconds": round(segmented, 1),
        "segmentation_cached": bool(cached),
    }


def cmd_search(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.paginator import Paginator
    from django.test import Client

    from dgov.catalog import search, selectors
    from dgov.catalog.models import SearchToken, ServiceItem

    generation = _generate_items(args.items, args.segment_cache)
    search._jieba()
    life_event = selectors.life_events_in_use().values_list("code", flat=True).first() or ""
    filter_sets: list[dict[str, str]] = [
        {},
        {"department": "scjg"},
        {"kind": "licensing"},
        {"subject": "enterprise"},
        {"life_event": life_event},
    ]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")

    def selector_once(query: str, filters: dict[str, str]) -> int:
        items = selectors.item_list_published(query=query, **filters)
        page = Paginator(items, 20).get_page(1)
        count = page.paginator.count
        for item in page:
            _ = item.department.name, [e.name for e in item.life_events.all()]
        return int(count)

    def page_once(query: str, filters: dict[str, str]) -> int:
        resp = client.get("/services/", {"q": query, **filters})
        if resp.status_code != 200:
            raise RuntimeError(f"/services/ answered {resp.status_code}")
        return len(resp.content)

    combos = [(q, f) for q in QUERIES for f in filter_sets]
    selector_ms: list[float] = []
    page_ms: list[float] = []
    matches: dict[str, int] = {}
    for rep in range(args.passes + 1):  # the first pass warms caches and is not counted
        for query, filters in combos:
            t0 = time.perf_counter()
            count = selector_once(query, filters)
            t1 = time.perf_counter()
            page_once(query, filters)
            t2 = time.perf_counter()
            if rep:
                selector_ms.append((t1 - t0) * 1000)
                page_ms.append((t2 - t1) * 1000)
            elif not filters:
                matches[query] = count
    slowest = sorted(
        ((statistics.median(selector_ms[i :: len(combos)]), combos[i]) for i in range(len(combos))), reverse=True
    )[:3]
    return {
        "vendor": connection.vendor,
        "published_items": ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).count(),
        "search_tokens": SearchToken.objects.count(),
        "generation": generation,
        "queries": len(QUERIES),
        "filter_sets": len(filter_sets),
        "passes": args.passes,
        "selector": summary(selector_ms),
        "page": summary(page_ms),
        "matches_without_filters": matches,
        "slowest_selector": [{"ms": round(ms, 1), "query": q, "filters": f} for ms, (q, f) in slowest],
    }


# --- main -------------------------------------------------------------------------------------

COMMANDS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "setup": cmd_setup,
    "profile": cmd_profile,
    "instant": cmd_instant,
    "tasks": cmd_tasks,
    "search": cmd_search,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--out", type=Path, required=True, help="write the JSON result here")
    parser.add_argument("--users", type=int, default=50, help="setup: bench enterprises and citizens (50 each)")
    parser.add_argument("--n", type=int, default=30, help="profile: submissions timed (30)")
    parser.add_argument("--pstats", type=Path, help="instant: also keep the cProfile data (FILE.plain, FILE.instant)")
    parser.add_argument("--top", type=int, default=40, help="instant: functions listed from the profile (40)")
    parser.add_argument("--k", type=int, default=200, help="tasks: steps timed per kind (200)")
    parser.add_argument("--profiled", type=int, default=20, help="tasks: further steps with phase timers (20)")
    parser.add_argument("--items", type=int, default=5000, help="search: published items to search over (5000)")
    parser.add_argument("--segment-cache", type=Path, help="search: reuse/keep the generated items' segmentation here")
    parser.add_argument("--passes", type=int, default=3, help="search: timed passes over the 100 combinations (3)")
    args = parser.parse_args(argv)
    write_result(args.out, COMMANDS[args.command](args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
