"""The plan's indicators over a large history (bench/run.py --only indicators; part of `make bench`).

A throwaway PostgreSQL database ``dgov_bench_<random>`` (bench/cases.py makes and drops it) is loaded
like ``make run`` for what the indicators read (migrate, calendar, processes, demo accounts, catalogue,
bundles, licence types and seals, the indicators' kiosks and reported 2020 values). Then, in one process
with the platform's settings (``python -m bench.indicators measure``), without HTTP except through
Django's test client:

1. **History.** Set-based SQL (``INSERT … SELECT generate_series``), spread over the previous and the
   current year (Beijing time) up to now, each table in time order as it would have grown:
   ``--users`` bench accounts (citizens, enterprises, staff of every department); half of the
   published items get an older, superseded version that cases before 1 March of this year were made
   under; ``--cases`` cases (items skewed towards the first, high-frequency ones, statuses by age);
   ``--licences`` e-licences (issued at the conclusion of approved cases of items that issue one, the
   rest without a case); ``--uses`` licence uses of kind ``case`` (one per case, for cases of items
   with a licence among their materials, that material named) plus a sixth as many staff look-ups;
   ``--ratings`` ratings of concluded cases (levels 62/22/9/4/3 % from 5 to 1, a fifth of the bad ones
   excluded, counted under the case's department and item); and an ``ActiveDay`` row for each bench
   account on the days it was active (citizens about 1 day in 20, enterprises 3 in 20, staff 4 workdays
   in 5). Then ``VACUUM ANALYZE`` (as autovacuum would have left the tables).
2. **Recompute against one hand-written query.** Side by side in ``--rounds`` interleaved rounds (the
   order alternates): (a) the platform recomputing every computed indicator for the district for
   today exactly as the daily snapshot does (``computation.compute(indicator,
   computation.period_for(indicator, day), computation.district_scope())``, nothing stored), and (b)
   ``HAND_SQL``, one statement that computes the same numerators and denominators from the day alone;
   both with the server's JIT setting and with ``SET jit = off`` (a statement whose estimated cost
   crosses ``jit_above_cost`` can spend most of its time compiling). Both must give identical numerators
   and denominators (checked, the run fails otherwise). Reported: every round's milliseconds, the
   medians, the ratio (a)/(b) with and without JIT, the queries (a) issues, each provider's median
   milliseconds, and EXPLAIN ANALYZE of the slowest providers' queries and of the hand-written statement
   (in the JSON).
3. **Snapshot and dashboard.** ``services.snapshots_take`` for today, timed once; ``--history-days``
   − 1 earlier days are then taken the same way, so the dashboard's trend query reads a realistic
   number of rows; then ``/indicators/`` through the test client as a leader (``force_login``), for
   the district and for one department's scope, alternating, ``--requests`` each after a warm-up:
   p50/p95/p99 ms and queries per request; then the same after ``gc.freeze()``, with the size of the
   heap the cyclic garbage collector walks and the time of one full collection (the district page's
   tail is that collector).

Nothing here asserts a time. Results go into the JSON of bench/run.py and docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGET_RATIO = 1.5  # the issue's target: within 1.5× the hand-written SQL
TARGET_P95_MS = 200.0  # and the dashboard under 200 ms at p95
LOADERS = (
    "seed_calendar",
    "load_processes",
    "load_demo",
    "load_demo_catalog",
    "load_demo_bundles",
    "load_demo_licences",
    "load_demo_indicators",
)


def bench_indicators(args: argparse.Namespace) -> dict[str, Any]:
    """Load a throwaway PostgreSQL database and measure in-process (PostgreSQL only)."""
    from bench import cases

    why = cases.pg_reachable()
    if why is not None:
        print(f"[indicators] PostgreSQL not reachable at {cases.PG_HOST}:{cases.PG_PORT} ({why}): skipped")
        return {"postgres_skipped": why}
    tmp = Path(tempfile.mkdtemp(prefix="dgov-bench-indicators-"))
    try:
        with cases.throwaway_database() as url:
            env = cases.bench_env(tmp / "var", url)
            t0 = time.perf_counter()
            cases.manage(env, "migrate", "--noinput")
            for step in LOADERS:
                cases.manage(env, step, timeout=900)
            loaded_s = time.perf_counter() - t0
            print(f"[indicators] database loaded in {loaded_s:.1f} s ({', '.join(LOADERS)})")
            options = [
                f"--cases={args.indicators_cases}",
                f"--licences={args.indicators_licences}",
                f"--uses={args.indicators_uses}",
                f"--ratings={args.indicators_ratings}",
                f"--users={args.indicators_users}",
                f"--rounds={args.indicators_rounds}",
                f"--requests={args.indicators_requests}",
                f"--history-days={args.indicators_history_days}",
            ]
            result = cases.inproc(env, tmp, "measure", *options, module="bench.indicators", timeout=4 * 3600)
            result["load_s"] = round(loaded_s, 1)
            print_result(result)
            return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("indicators (in-process, PostgreSQL at 127.0.0.1:5432)")
    group.add_argument("--indicators-cases", type=int, default=1_000_000, help="cases generated (1000000)")
    group.add_argument("--indicators-licences", type=int, default=200_000, help="e-licences generated (200000)")
    group.add_argument("--indicators-uses", type=int, default=300_000, help="licence uses in cases (300000)")
    group.add_argument("--indicators-ratings", type=int, default=500_000, help="ratings generated (500000)")
    group.add_argument("--indicators-users", type=int, default=5_000, help="active bench accounts (5000)")
    group.add_argument("--indicators-rounds", type=int, default=5, help="interleaved rounds platform/SQL (5)")
    group.add_argument("--indicators-requests", type=int, default=200, help="dashboard requests per scope (200)")
    group.add_argument(
        "--indicators-history-days", type=int, default=90, help="days of snapshots behind the dashboard (90)"
    )


# --- the in-process part: history -----------------------------------------------------------------

TZ = "Asia/Shanghai"  # dgov.core.workdays.CALENDAR_TZ, spelled out for the SQL


def _execute(sql: str, params: dict[str, Any] | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _scalar(sql: str, params: dict[str, Any] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def _fill_users(n: int, start: datetime) -> dict[str, int]:
    """n accounts: 60 % citizens, 20 % enterprises, 20 % staff spread over the departments. Their
    password is unusable (nobody signs in as them); everything else as an account of that kind."""
    from dgov.accounts.models import Department

    departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    citizens, enterprises = n * 6 // 10, n * 2 // 10
    _execute(
        """
        INSERT INTO accounts_user (
            password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active,
            date_joined, kind, real_name, id_number, id_number_digest, phone, phone_digest, enterprise_name,
            enterprise_credit_code, elder_mode, is_demo, password_changed_at, department_id, region_id
        )
        SELECT '!bench', NULL, false, 'bench-' || kind || '-' || g, '', '', '', false, true,
               %(start)s, kind, '', '', '', '', '', CASE WHEN kind = 'enterprise' THEN '示例企业' || g ELSE '' END,
               '', false, false, NULL,
               CASE WHEN kind = 'staff' THEN (%(departments)s::bigint[])[1 + g %% %(ndept)s] END, NULL
        FROM (
            SELECT g, CASE WHEN g <= %(citizens)s THEN 'citizen'
                           WHEN g <= %(citizens)s + %(enterprises)s THEN 'enterprise'
                           ELSE 'staff' END AS kind
            FROM generate_series(1, %(n)s) AS g
        ) AS s
        """,
        {
            "start": start,
            "departments": departments,
            "ndept": len(departments),
            "citizens": citizens,
            "enterprises": enterprises,
            "n": n,
        },
    )
    return {"citizens": citizens, "enterprises": enterprises, "staff": n - citizens - enterprises}


def _item_versions(switch: datetime) -> list[tuple[int, int, int]]:
    """(published id, id of the version cases used before ``switch``, department) of every published
    item, the high-frequency items first. Every other item gets a superseded version 1 (the published
    one becomes version 2), retired at ``switch``."""
    from dgov.catalog.models import ItemMaterial, ServiceItem

    published = list(
        ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
        .order_by("-high_frequency", "code")
        .values_list("pk", "code", "department_id")
    )
    older = [pk for i, (pk, _code, _dept) in enumerate(published) if i % 2 == 1]
    columns = [c for f in ServiceItem._meta.concrete_fields if (c := f.column) and c != "id"]
    overrides = {
        "version": "1",
        "status": "'superseded'",
        "published_at": "%(switch)s - interval '2 years'",
        "retired_at": "%(switch)s",
        "updated_at": "%(switch)s",
    }
    select = ", ".join(overrides.get(c, c) for c in columns)
    _execute("UPDATE catalog_serviceitem SET version = 2 WHERE id = ANY(%(older)s)", {"older": older})
    _execute(
        f"INSERT INTO catalog_serviceitem ({', '.join(columns)}) "
        f"SELECT {select} FROM catalog_serviceitem WHERE id = ANY(%(older)s) ORDER BY id",
        {"older": older, "switch": switch},
    )
    old_of = dict(ServiceItem.objects.filter(status=ServiceItem.Status.SUPERSEDED, version=1).values_list("code", "pk"))
    # The older versions asked for the same materials.
    material_columns = [c for f in ItemMaterial._meta.concrete_fields if (c := f.column) and c not in ("id", "item_id")]
    _execute(
        f"INSERT INTO catalog_itemmaterial (item_id, {', '.join(material_columns)}) "
        f"SELECT o.id, {', '.join('m.' + c for c in material_columns)} FROM catalog_itemmaterial m "
        "JOIN catalog_serviceitem p ON p.id = m.item_id "
        "JOIN catalog_serviceitem o ON o.code = p.code AND o.status = 'superseded' "
        "WHERE p.id = ANY(%(older)s) ORDER BY o.id, m.position",
        {"older": older},
    )
    return [(pk, old_of.get(code, pk), dept) for pk, code, dept in published]


def _fill_cases(n: int, start: datetime, now: datetime, switch: datetime) -> dict[str, Any]:
    """n cases, created from ``start`` to ``now`` at a rate growing linearly (the i-th at
    start + span × √(i/n)), so ids follow creation time. Item i of the list gets about
    √(i/k) − √((i−1)/k) of them (the first, high-frequency items most). Cases made before ``switch``
    were made under the item's older version where it has one. Older than 30 days: concluded (90 %),
    refused or withdrawn; newer: open or concluded."""
    from dgov.accounts.models import User

    items = _item_versions(switch)
    applicants = list(
        User.objects.filter(username__startswith="bench-", kind__in=(User.Kind.CITIZEN, User.Kind.ENTERPRISE))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _execute("SELECT setseed(0.19)")
    rows = _execute(
        """
        INSERT INTO cases_case (
            number, channel, partner_name, status, result, form_json, applicant_name, idempotency_key,
            request_digest, lookup_code, promised_days, due_at, paused_at, correction_request, created_at,
            updated_at, submitted_at, accepted_at, ended_at, applicant_id, department_id, instance_id, item_id,
            submitted_by_id, via_token_id, received_in_id, owed_materials
        )
        SELECT
            'BENCH' || lpad(g::text, 12, '0'), channel, '', status,
            CASE WHEN status = 'concluded' THEN CASE WHEN r_result < 0.93 THEN 'approved' ELSE 'rejected' END
                 ELSE '' END,
            '', '', NULL, '', '', 10, at + interval '14 days', NULL, '{}'::jsonb, at,
            CASE WHEN status IN ('concluded', 'refused', 'withdrawn') THEN ended ELSE at END, at,
            CASE WHEN status IN ('accepted', 'concluded') THEN least(%(now)s, at + interval '4 hours') END,
            CASE WHEN status IN ('concluded', 'refused', 'withdrawn') THEN ended END,
            applicant, (%(depts)s::bigint[])[ix], NULL,
            CASE WHEN at < %(switch)s THEN (%(old_items)s::bigint[])[ix] ELSE (%(items)s::bigint[])[ix] END,
            applicant, NULL, NULL, '[]'::jsonb
        FROM (
            SELECT g, at, ix, r_result, applicant, channel,
                   least(%(now)s, at + interval '1 day' * (1 + 9 * r_end)) AS ended,
                   CASE WHEN at < %(now)s - interval '30 days' THEN
                            CASE WHEN r_status < 0.90 THEN 'concluded' WHEN r_status < 0.95 THEN 'refused'
                                 ELSE 'withdrawn' END
                        ELSE CASE WHEN r_status < 0.30 THEN 'submitted' WHEN r_status < 0.40 THEN 'correction'
                                  WHEN r_status < 0.80 THEN 'accepted' ELSE 'concluded' END
                   END AS status
            FROM (
                SELECT g,
                       %(start)s + (%(now)s - %(start)s) * sqrt((g - random()) / %(n)s) AS at,
                       1 + least(%(nitems)s - 1, floor(%(nitems)s * power(random(), 2))::int) AS ix,
                       (%(applicants)s::bigint[])[1 + floor(random() * %(napp)s)::int] AS applicant,
                       (ARRAY['online', 'online', 'online', 'online', 'window', 'window', 'mobile', 'kiosk'])
                           [1 + floor(random() * 8)::int] AS channel,
                       random() AS r_status, random() AS r_result, random() AS r_end
                FROM generate_series(1, %(n)s) AS g
            ) AS a
        ) AS b
        ORDER BY g
        """,
        {
            "n": n,
            "start": start,
            "now": now,
            "switch": switch,
            "items": [i[0] for i in items],
            "old_items": [i[1] for i in items],
            "depts": [i[2] for i in items],
            "nitems": len(items),
            "applicants": applicants,
            "napp": len(applicants),
        },
    )
    return {"cases": rows, "items": len(items), "superseded_versions": sum(1 for i in items if i[0] != i[1])}


def _fill_licences(n: int, start: datetime, now: datetime) -> dict[str, int]:
    """Up to n licences issued at the conclusion of approved cases of items that issue one (under the
    item's licence type, by its issuing department with its seal's current key), the rest without a
    case (licences from before the platform, issued over the three years before ``start``)."""
    from dgov.licences.models import LicenceType, SealKey

    key_of = dict(
        SealKey.objects.filter(retired_at__isnull=True, seal__status="active")
        .order_by("seal__department_id", "pk")
        .values_list("seal__department_id", "pk")
    )
    types = [
        (pk, issuer, key_of[issuer], holder)
        for pk, issuer, holder in LicenceType.objects.order_by("pk").values_list("pk", "issuer_id", "holder_kind")
        if issuer in key_of
    ]
    params = {
        "n": n,
        "start": start,
        "now": now,
        "types": [t[0] for t in types],
        "issuers": [t[1] for t in types],
        "keys": [t[2] for t in types],
        "holders": [t[3] for t in types],
        "ntypes": len(types),
    }
    columns = """
        identifier, serial, version, holder_kind, holder_name, holder_id, holder_id_digest, holder_id_shown, face,
        valid_from, valid_until, issued_at, signature, status, status_reason, status_changed_at, case_id,
        holder_user_id, issued_by_id, issuer_id, previous_id, type_id, seal_key_id
    """
    _execute("SELECT setseed(0.23)")
    from_cases = _execute(
        f"""
        INSERT INTO licences_licence ({columns})
        SELECT 'BENCH-C-' || c.id, 'C' || c.id, 1, t.holder_kind, '持证人' || c.applicant_id, '', md5(c.id::text),
               '***', '{{}}'::jsonb, (c.ended_at AT TIME ZONE %(tz)s)::date,
               CASE WHEN t.validity_years > 0
                    THEN (c.ended_at AT TIME ZONE %(tz)s)::date + t.validity_years * 365 END,
               c.ended_at, 'bench', 'valid', '', NULL, c.id, c.applicant_id, NULL, t.issuer_id, NULL, t.id,
               k.id
        FROM (
            SELECT c.* FROM cases_case c
            JOIN catalog_serviceitem i ON i.id = c.item_id
            WHERE c.status = 'concluded' AND c.result = 'approved' AND i.output_licence_type <> ''
            ORDER BY random() LIMIT %(n)s
        ) AS c
        JOIN catalog_serviceitem i ON i.id = c.item_id
        JOIN licences_licencetype t ON t.code = i.output_licence_type
        JOIN licences_seal s ON s.department_id = t.issuer_id AND s.status = 'active'
        JOIN licences_sealkey k ON k.seal_id = s.id AND k.retired_at IS NULL
        ORDER BY c.ended_at, c.id
        """,
        {**params, "tz": TZ},
    )
    rest = max(0, n - from_cases)
    _execute(
        f"""
        INSERT INTO licences_licence ({columns})
        SELECT 'BENCH-H-' || g, 'H' || g, 1, (%(holders)s::text[])[ix], '持证人' || g, '', md5('h' || g), '***',
               '{{}}'::jsonb, (at AT TIME ZONE %(tz)s)::date, NULL, at, 'bench', 'valid', '', NULL, NULL, NULL,
               NULL, (%(issuers)s::bigint[])[ix], NULL, (%(types)s::bigint[])[ix], (%(keys)s::bigint[])[ix]
        FROM (
            SELECT g, %(start)s - interval '3 years' + interval '3 years' * ((g - random()) / %(rest)s) AS at,
                   1 + floor(random() * %(ntypes)s)::int AS ix
            FROM generate_series(1, %(rest)s) AS g
        ) AS a
        ORDER BY g
        """,
        {**params, "rest": rest, "tz": TZ},
    )
    return {"licences": from_cases + rest, "from_cases": from_cases, "without_case": rest}


def _fill_uses(n: int) -> dict[str, int]:
    """n uses of kind ``case``, one in each of n random cases of items (either version) that list a
    licence among their materials, naming that material (the item's first such), presented by the
    applicant at submission; plus n/6 look-ups by the department's staff during acceptance. Licences
    are drawn from the bench ones."""
    from dgov.accounts.models import User
    from dgov.catalog.models import ItemMaterial

    first_material: dict[int, int] = {}
    for item, material in (
        ItemMaterial.objects.filter(source=ItemMaterial.Source.LICENCE)
        .order_by("item_id", "position", "pk")
        .values_list("item_id", "pk")
    ):
        first_material.setdefault(item, material)
    pairs = sorted(first_material.items())
    staff: dict[int, int] = {}
    for user, department in (
        User.objects.filter(username__startswith="bench-", kind=User.Kind.STAFF)
        .order_by("pk")
        .values_list("pk", "department_id")
    ):
        staff.setdefault(department, user)
    low, high = (
        _scalar("SELECT min(id) FROM licences_licence WHERE identifier LIKE 'BENCH-%%'"),
        _scalar("SELECT max(id) FROM licences_licence WHERE identifier LIKE 'BENCH-%%'"),
    )
    lookups = n // 6
    _execute("SELECT setseed(0.29)")
    rows = _execute(
        """
        INSERT INTO licences_licenceuse (kind, reason, at, case_id, department_id, item_material_id, licence_id,
                                         used_by_id)
        SELECT kind, reason, at, case_id, department_id, material, %(low)s + floor(random() * %(span)s)::bigint,
               used_by
        FROM (
            SELECT * FROM (
                SELECT 'case' AS kind, '' AS reason, c.submitted_at + interval '1 minute' AS at, c.id AS case_id,
                       c.department_id, m.material, c.applicant_id AS used_by
                FROM cases_case c
                JOIN unnest(%(items)s::bigint[], %(materials)s::bigint[]) AS m(item_id, material)
                     ON m.item_id = c.item_id
                ORDER BY random() LIMIT %(n)s
            ) AS presented
            UNION ALL
            SELECT * FROM (
                SELECT 'lookup', '受理核验', c.accepted_at, c.id, c.department_id, NULL::bigint, s.user_id
                FROM cases_case c
                JOIN unnest(%(departments)s::bigint[], %(staff)s::bigint[]) AS s(department_id, user_id)
                     ON s.department_id = c.department_id
                WHERE c.accepted_at IS NOT NULL
                ORDER BY random() LIMIT %(lookups)s
            ) AS looked_up
        ) AS u
        ORDER BY at
        """,
        {
            "items": [p[0] for p in pairs],
            "materials": [p[1] for p in pairs],
            "departments": list(staff),
            "staff": list(staff.values()),
            "n": n,
            "lookups": lookups,
            "low": low,
            "span": high - low + 1,
        },
    )
    return {
        "uses": rows,
        "case_uses": _scalar("SELECT count(*) FROM licences_licenceuse WHERE kind = 'case'"),
        "lookups": _scalar("SELECT count(*) FROM licences_licenceuse WHERE kind = 'lookup'"),
        "items_with_licence_material": len(pairs),
    }


def _fill_ratings(n: int, now: datetime) -> dict[str, int]:
    """n ratings of n random concluded cases by their applicants, within three days of the
    conclusion, under the case's department and item, in time order."""
    from django.contrib.contenttypes.models import ContentType

    from dgov.cases.models import Case

    case_type = ContentType.objects.get_for_model(Case).pk
    _execute("SELECT setseed(0.31)")
    rows = _execute(
        """
        INSERT INTO ratings_rating (
            rated_id, real_name, channel, service_channel, level, dimensions, tags, comment, created_at,
            excluded_at, clerk_id, department_id, item_id, rated_type_id, rater_id, window_department_id
        )
        SELECT id, r_real < 0.7,
               CASE WHEN case_channel = 'window' THEN 'window_pad'
                    ELSE (ARRAY['site', 'site', 'sms', 'kiosk'])[1 + floor(r_channel * 4)::int] END,
               CASE WHEN case_channel = 'window' THEN 'window' ELSE 'online' END,
               level, jsonb_build_object('overall', level), '[]'::jsonb, '', rated_at,
               CASE WHEN level <= 2 AND r_excluded < 0.2 THEN least(%(now)s, rated_at + interval '10 days') END,
               NULL, department_id, item_id, %(case_type)s, applicant_id,
               CASE WHEN case_channel = 'window' THEN department_id END
        FROM (
            SELECT c.id, c.channel AS case_channel, c.department_id, c.item_id, c.applicant_id,
                   least(%(now)s, c.ended_at + interval '3 days' * random()) AS rated_at,
                   CASE WHEN r_level < 0.62 THEN 5 WHEN r_level < 0.84 THEN 4 WHEN r_level < 0.93 THEN 3
                        WHEN r_level < 0.97 THEN 2 ELSE 1 END AS level,
                   r_real, r_channel, r_excluded
            FROM (
                -- The sample first: an ORDER BY random() next to random() columns would sort by one of them.
                SELECT c.*, random() AS r_level, random() AS r_real, random() AS r_channel, random() AS r_excluded
                FROM (SELECT * FROM cases_case WHERE status = 'concluded' ORDER BY random() LIMIT %(n)s) AS c
            ) AS c
        ) AS r
        ORDER BY rated_at, id
        """,
        {"n": n, "now": now, "case_type": case_type},
    )
    return {"ratings": rows}


def _fill_active_days(first: date, last: date) -> dict[str, int]:
    """A row per bench account and day it was active, day by day (as the platform records them)."""
    _execute("SELECT setseed(0.37)")
    rows = _execute(
        """
        INSERT INTO accounts_activeday (day, kind, user_id)
        SELECT d::date, u.kind, u.id
        FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
        CROSS JOIN (SELECT id, kind FROM accounts_user WHERE username LIKE 'bench-%%' ORDER BY id) AS u
        WHERE random() < CASE u.kind WHEN 'citizen' THEN 0.05 WHEN 'enterprise' THEN 0.15
                                     ELSE CASE WHEN extract(isodow FROM d) < 6 THEN 0.8 ELSE 0.05 END END
        ORDER BY d, u.id
        """,
        {"first": first, "last": last},
    )
    return {"active_days": rows}


def fill_history(args: argparse.Namespace, day: date) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from dgov.core.workdays import CALENDAR_TZ

    now = timezone.now()
    start = datetime(day.year - 1, 1, 1, tzinfo=CALENDAR_TZ)
    switch = datetime(day.year, 3, 1, tzinfo=CALENDAR_TZ)
    result: dict[str, Any] = {"from": start.isoformat(), "until": now.isoformat(), "version_switch": switch.isoformat()}
    steps = (
        ("users", lambda: _fill_users(args.users, start)),
        ("cases", lambda: _fill_cases(args.cases, start, now, switch)),
        ("licences", lambda: _fill_licences(args.licences, start, now)),
        ("uses", lambda: _fill_uses(args.uses)),
        ("ratings", lambda: _fill_ratings(args.ratings, now)),
        ("active_days", lambda: _fill_active_days(start.date(), day)),
    )
    seconds: dict[str, float] = {}
    for name, step in steps:
        t0 = time.perf_counter()
        result.update(step())
        seconds[name] = round(time.perf_counter() - t0, 1)
        print(f"[indicators] {name}: {seconds[name]} s", flush=True)
    t0 = time.perf_counter()
    tables = (
        "accounts_user",
        "catalog_serviceitem",
        "cases_case",
        "licences_licence",
        "licences_licenceuse",
        "ratings_rating",
        "accounts_activeday",
    )
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds["vacuum_analyze"] = round(time.perf_counter() - t0, 1)
    result["seconds"] = seconds
    sizes = {}
    for table in tables:
        sizes[table] = {
            "rows": _scalar(f"SELECT count(*) FROM {table}"),
            "mb": round(_scalar("SELECT pg_total_relation_size(%(t)s)", {"t": table}) / 2**20, 1),
        }
    result["tables"] = sizes
    return result


# --- the hand-written statement ------------------------------------------------------------------

# Every figure from the day alone: state indicators at the day's last instant (Beijing), year
# indicators from 1 January of its year to the end of the day; the same definitions as the providers.
_UNTIL = f"((%(day)s::date + 1)::timestamp AT TIME ZONE '{TZ}')"
_LAST_MOMENT = f"({_UNTIL} - interval '1 microsecond')"  # a state is read at the day's last instant
_JAN1 = "make_date(extract(year FROM %(day)s::date)::int, 1, 1)"
_YEAR_SINCE = f"({_JAN1}::timestamp AT TIME ZONE '{TZ}')"
HAND_SQL = f"""
WITH used_codes AS (
    -- Codes of the items (any version) a licence was presented for in the year so far.
    SELECT DISTINCT i.code
    FROM licences_licenceuse u
    JOIN cases_case c ON c.id = u.case_id
    JOIN catalog_serviceitem i ON i.id = c.item_id
    WHERE u.kind = 'case' AND u.at >= {_YEAR_SINCE} AND u.at < {_UNTIL}
), items AS (
    SELECT count(*) FILTER (WHERE kind = ANY(%(on_application)s)) AS on_application,
           count(*) FILTER (WHERE kind = ANY(%(on_application)s) AND online_depth = 4) AS full_online,
           count(*) FILTER (WHERE kind = ANY(%(on_application)s) AND comprehensive_window) AS one_window,
           count(*) FILTER (WHERE kind = 'licensing') AS licensing,
           count(*) FILTER (WHERE kind = 'licensing' AND max_visits = 0) AS zero_visit,
           count(*) FILTER (WHERE kind = 'licensing' AND code IN (SELECT code FROM used_codes)) AS licence_used,
           count(*) FILTER (WHERE high_frequency) AS high_frequency,
           count(*) FILTER (WHERE high_frequency AND material_exempt AND prefill AND e_seal AND e_signature)
               AS four_exemptions,
           count(*) FILTER (WHERE high_frequency AND cross_province) AS cross_province,
           count(*) FILTER (WHERE online_depth >= 3) AS online,
           count(*) FILTER (WHERE online_depth >= 3 AND single_sign_on) AS sso
    FROM catalog_serviceitem
    WHERE status = 'published'
), bundles AS (
    SELECT count(*) AS published FROM bundles_bundle WHERE status = 'published' AND published_at < {_UNTIL}
), kiosks AS (
    SELECT count(*) AS subdistricts,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM catalog_kiosk k JOIN accounts_region r ON r.id = k.region_id
               WHERE (r.id = s.id OR r.parent_id = s.id)
                 AND k.installed_on <= %(day)s::date
                 AND (k.retired_on IS NULL OR k.retired_on > %(day)s::date)
           )) AS covered
    FROM accounts_region s
    WHERE s.level = 'subdistrict'
), ratings AS (
    SELECT count(*) FILTER (WHERE level >= 3) AS good, count(*) AS counted
    FROM ratings_rating
    WHERE excluded_at IS NULL AND created_at >= {_YEAR_SINCE} AND created_at < {_UNTIL}
), active AS (
    SELECT count(*) FILTER (WHERE kind = 'citizen') AS citizen,
           count(*) FILTER (WHERE kind = 'enterprise') AS enterprise,
           count(*) FILTER (WHERE kind = 'staff') AS staff,
           %(day)s::date - {_JAN1} + 1 AS days
    FROM accounts_activeday
    WHERE day >= {_JAN1} AND day <= %(day)s::date
), seals AS (
    SELECT count(*) AS departments,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM licences_seal s
               WHERE s.department_id = d.id AND s.status = 'active'
                 AND s.valid_from <= {_LAST_MOMENT} AND s.valid_until > {_LAST_MOMENT}
           )) AS sealed
    FROM accounts_department d
)
SELECT items.*, bundles.*, kiosks.*, ratings.*, active.*, seals.*
FROM items, bundles, kiosks, ratings, active, seals
"""


def hand_sql_params(day: date) -> dict[str, Any]:
    from dgov.catalog.models import ON_APPLICATION_KINDS

    return {"day": day, "on_application": sorted(str(k) for k in ON_APPLICATION_KINDS)}


def hand_sql(day: date) -> dict[str, tuple[int, int | None]]:
    """(numerator, denominator) of every computed indicator, from HAND_SQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, hand_sql_params(day))
        names = [c.name for c in cursor.description]
        r = dict(zip(names, cursor.fetchone(), strict=True))
    return {
        "online_full_process_rate": (r["full_online"], r["on_application"]),
        "zero_visit_rate": (r["zero_visit"], r["licensing"]),
        "one_window_rate": (r["one_window"], r["on_application"]),
        "four_exemptions_rate": (r["four_exemptions"], r["high_frequency"]),
        "life_event_bundles": (r["published"], None),
        "kiosk_subdistrict_coverage": (r["covered"], r["subdistricts"]),
        "cross_province_rate": (r["cross_province"], r["high_frequency"]),
        "rating_score": (r["good"], r["counted"]),
        "citizen_app_dau": (r["citizen"], r["days"]),
        "enterprise_app_dau": (r["enterprise"], r["days"]),
        "staff_app_dau": (r["staff"], r["days"]),
        "e_licence_use_rate": (r["licence_used"], r["licensing"]),
        "e_seal_coverage": (r["sealed"], r["departments"]),
        "sso_rate": (r["sso"], r["online"]),
    }


# --- the in-process part: measuring ---------------------------------------------------------------


class QueryCounter:
    """Counts the statements Django sends while installed with ``connection.execute_wrapper``."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def platform_once(day: date, per_key: dict[str, list[float]] | None = None) -> dict[str, tuple[Any, Any]]:
    """What snapshots_take computes for the district, nothing stored: every computed indicator."""
    from dgov.indicators import computation
    from dgov.indicators.models import Indicator

    scope = computation.district_scope()
    out: dict[str, tuple[Any, Any]] = {}
    for indicator in list(Indicator.objects.order_by("number")):
        if not computation.is_computed(indicator):
            continue
        t0 = time.perf_counter()
        result = computation.compute(indicator, computation.period_for(indicator, day), scope)
        if per_key is not None:
            per_key.setdefault(indicator.key, []).append((time.perf_counter() - t0) * 1000)
        out[indicator.key] = (result.numerator, result.denominator)
    return out


def _same(platform: dict[str, tuple[Any, Any]], sql: dict[str, tuple[int, int | None]]) -> list[str]:
    """The indicators whose numerator or denominator differ (none, or the run is wrong)."""

    def norm(v: Any) -> Decimal | None:
        return None if v is None else Decimal(v)

    diffs = []
    for key in sorted(set(platform) | set(sql)):
        p, s = platform.get(key), sql.get(key)
        if p is None or s is None or (norm(p[0]), norm(p[1])) != (norm(s[0]), norm(s[1])):
            diffs.append(f"{key}: platform {p} vs SQL {s}")
    return diffs


def _set_jit(on: bool) -> None:
    """The server's JIT setting for this session: its default (RESET), or off."""
    _execute("RESET jit" if on else "SET jit = off")


def _explain(sql: str, params: Any = None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _plans(day: date, slowest: list[str]) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the slowest providers' statements (as Django sent them) and of HAND_SQL,
    with the server's JIT setting and (for HAND_SQL) without JIT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dgov.indicators import computation
    from dgov.indicators.models import Indicator

    plans: dict[str, Any] = {}
    scope = computation.district_scope()
    for key in slowest:
        indicator = Indicator.objects.get(key=key)
        with CaptureQueriesContext(connection) as captured:
            computation.compute(indicator, computation.period_for(indicator, day), scope)
        plans[key] = [{"sql": q["sql"], "plan": _explain(q["sql"])} for q in captured.captured_queries]
    plans["hand_sql"] = [{"sql": HAND_SQL, "plan": _explain(HAND_SQL, hand_sql_params(day))}]
    _set_jit(False)
    try:
        plans["hand_sql_jit_off"] = [{"sql": HAND_SQL, "plan": _explain(HAND_SQL, hand_sql_params(day))}]
    finally:
        _set_jit(True)
    return plans


SIDES = (("platform", True), ("sql", True), ("platform", False), ("sql", False))


def _side_name(side: str, jit: bool) -> str:
    return side if jit else f"{side}_jit_off"


def measure_recompute(day: date, rounds: int) -> dict[str, Any]:
    """The platform against HAND_SQL, with the server's JIT setting and without JIT, interleaved
    (forwards in odd rounds, backwards in even ones)."""
    from django.db import connection

    for jit in (True, False):
        _set_jit(jit)
        platform, sql = platform_once(day), hand_sql(day)
        diffs = _same(platform, sql)
        if diffs:
            raise AssertionError("the platform and the hand-written SQL disagree:\n" + "\n".join(diffs))
    _set_jit(True)
    print(f"[indicators] {len(platform)} computed indicators: platform and SQL agree", flush=True)
    ms: dict[str, list[float]] = {_side_name(side, jit): [] for side, jit in SIDES}
    per_key: dict[str, list[float]] = {}
    queries: list[int] = []
    try:
        for rnd in range(rounds + 1):  # round 0 warms every side up and is not counted
            for side, jit in SIDES if rnd % 2 else tuple(reversed(SIDES)):
                _set_jit(jit)
                counter = QueryCounter()
                with connection.execute_wrapper(counter):
                    t0 = time.perf_counter()
                    if side == "platform":
                        platform_once(day, per_key if jit and rnd else None)
                    else:
                        hand_sql(day)
                    elapsed = (time.perf_counter() - t0) * 1000
                if rnd:
                    ms[_side_name(side, jit)].append(elapsed)
                    if side == "platform":
                        queries.append(counter.count)
            if rnd:
                print(
                    f"[indicators] round {rnd}: "
                    + ", ".join(f"{name} {values[-1]:.1f} ms" for name, values in ms.items()),
                    flush=True,
                )
    finally:
        _set_jit(True)
    median = {name: statistics.median(values) for name, values in ms.items()}

    def ratios(platform_key: str, sql_key: str) -> list[float]:
        return [round(p / q, 2) for p, q in zip(ms[platform_key], ms[sql_key], strict=True)]

    providers = {k: round(statistics.median(v), 2) for k, v in per_key.items()}
    slowest = sorted(providers, key=lambda k: providers[k], reverse=True)[:3]
    return {
        "indicators": len(platform),
        "figures": {k: [None if x is None else str(x) for x in v] for k, v in platform.items()},
        "rounds": rounds,
        "ms": {name: [round(x, 1) for x in values] for name, values in ms.items()},
        "median_ms": {name: round(value, 1) for name, value in median.items()},
        "ratio": round(median["platform"] / median["sql"], 2),
        "ratio_rounds": ratios("platform", "sql"),
        "ratio_jit_off": round(median["platform_jit_off"] / median["sql_jit_off"], 2),
        "ratio_jit_off_rounds": ratios("platform_jit_off", "sql_jit_off"),
        "queries": sorted(set(queries)),
        "providers_median_ms": dict(sorted(providers.items(), key=lambda kv: -kv[1])),
        "plans": _plans(day, slowest),
    }


def take_snapshots(day: date, history_days: int) -> dict[str, Any]:
    from dgov.accounts.models import User
    from dgov.indicators import services
    from dgov.indicators.models import Snapshot

    officer = User.objects.get(username="dataofficer")
    t0 = time.perf_counter()
    report = services.snapshots_take(day=day, actor=officer)
    today_s = time.perf_counter() - t0
    print(f"[indicators] snapshot of {day}: {today_s:.2f} s, {report.snapshots} rows", flush=True)
    t0 = time.perf_counter()
    for back in range(1, history_days):
        services.snapshots_take(day=day - timedelta(days=back), actor=officer)
        if back % 10 == 0:
            print(f"[indicators] {back} earlier days taken in {time.perf_counter() - t0:.0f} s", flush=True)
    history_s = time.perf_counter() - t0
    return {
        "snapshot_s": round(today_s, 2),
        "snapshot_rows": report.snapshots,
        "computed": report.computed,
        "reported": report.reported,
        "missing": report.missing,
        "history_days": history_days,
        "history_s": round(history_s, 1),
        "history_per_day_s": round(history_s / max(1, history_days - 1), 2),
        "snapshot_rows_total": Snapshot.objects.count(),
    }


def _dashboard_requests(client: Any, scopes: dict[str, dict[str, str]], requests: int, warmup: int) -> dict[str, Any]:
    """GET /indicators/ for each scope in turn, ``warmup`` + ``requests`` times: the timed ones' summary."""
    from django.db import connection

    from bench.inproc import summary

    ms: dict[str, list[float]] = {name: [] for name in scopes}
    queries: dict[str, list[int]] = {name: [] for name in scopes}
    size: dict[str, int] = {}
    for i in range(warmup + requests):
        for name, query in scopes.items():
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                t0 = time.perf_counter()
                response = client.get("/indicators/", query)
                elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"/indicators/ {query} answered {response.status_code}")
            if i >= warmup:
                ms[name].append(elapsed)
                queries[name].append(counter.count)
                size[name] = len(response.content)
    return {name: {**summary(ms[name]), "queries": sorted(set(queries[name])), "bytes": size[name]} for name in scopes}


def measure_dashboard(requests: int, warmup: int = 20) -> dict[str, Any]:
    """The dashboard as a leader, for the district and the department with the most ratings,
    alternating; then the same again after ``gc.freeze()`` (what a server would do after start-up),
    to show how much of the tail is the cyclic garbage collector going through the start-up heap."""
    import gc

    from django.test import Client

    from dgov.accounts.models import Department, User
    from dgov.indicators import computation

    leader = User.objects.get(username="leader")
    department = Department.objects.get(
        pk=_scalar("SELECT department_id FROM ratings_rating GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    )
    scopes = {"district": {}, "department": {"scope": f"{computation.DEPARTMENT_PREFIX}{department.code}"}}
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(leader)
    result: dict[str, Any] = {
        "department_code": department.code,
        "requests": requests,
        "warmup": warmup,
        **_dashboard_requests(client, scopes, requests, warmup),
    }
    gc.collect()
    result["gc_tracked_objects"] = len(gc.get_objects())
    t0 = time.perf_counter()
    gc.collect()
    result["gc_full_collection_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    gc.freeze()
    try:
        result["gc_frozen"] = _dashboard_requests(client, scopes, requests, warmup)
    finally:
        gc.unfreeze()
    return result


def cmd_measure(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    from dgov.indicators import computation

    day = computation.today()  # fixed for the whole run (a Beijing midnight may pass during it)
    result: dict[str, Any] = {
        "database": settings.DATABASES["default"]["ENGINE"],
        "day": day.isoformat(),
        "server": {
            name: _scalar(f"SHOW {name}")
            for name in (
                "server_version",
                "shared_buffers",
                "work_mem",
                "max_parallel_workers_per_gather",
                "jit",
                "jit_above_cost",
            )
        },
    }
    result["history"] = fill_history(args, day)
    result["recompute"] = measure_recompute(day, args.rounds)
    result["snapshots"] = take_snapshots(day, args.history_days)
    result["dashboard"] = measure_dashboard(args.requests)
    return result


def print_result(r: dict[str, Any]) -> None:
    for line in markdown(r):
        print(line)


def markdown(r: dict[str, Any]) -> list[str]:
    if "recompute" not in r:
        return []
    h, rc, s, d = r["history"], r["recompute"], r["snapshots"], r["dashboard"]
    med, ms = rc["median_ms"], rc["ms"]

    def verdict(ratio: float) -> str:
        return "met" if ratio <= TARGET_RATIO else "NOT met"

    def row(label: str, name: str, queries: str) -> str:
        return f"| {label} | {med[name]} | {', '.join(str(x) for x in ms[name])} | {queries} |"

    platform_queries = ", ".join(str(q) for q in rc["queries"])
    lines = [
        f"History: {h['cases']:,} cases, {h['licences']:,} licences, {h['case_uses']:,} licence uses in cases "
        f"(+{h['lookups']:,} look-ups), {h['ratings']:,} ratings, {h['active_days']:,} active days of "
        f"{sum((h['citizens'], h['enterprises'], h['staff'])):,} accounts; day {r['day']}.",
        "",
        f"| recompute the {rc['indicators']} computed indicators (district) | median ms | rounds ms | queries |",
        "| --- | ---: | --- | ---: |",
        row("platform (`computation.compute` each), server's JIT setting", "platform", platform_queries),
        row("one hand-written SQL statement, server's JIT setting", "sql", "1"),
        row("platform, `SET jit = off`", "platform_jit_off", platform_queries),
        row("one hand-written SQL statement, `SET jit = off`", "sql_jit_off", "1"),
        "",
        f"Ratio platform/SQL **{rc['ratio']}** with the server's JIT setting ({verdict(rc['ratio'])}: target "
        f"≤ {TARGET_RATIO}; rounds {', '.join(str(x) for x in rc['ratio_rounds'])}), **{rc['ratio_jit_off']}** "
        f"without JIT ({verdict(rc['ratio_jit_off'])}; rounds "
        f"{', '.join(str(x) for x in rc['ratio_jit_off_rounds'])}).",
        "Providers (median ms): "
        + ", ".join(f"{k} {v}" for k, v in list(rc["providers_median_ms"].items())[:6])
        + ", …",
        "",
        f"Snapshot of the day (`snapshots_take`, {s['snapshot_rows']} rows): **{s['snapshot_s']} s**; "
        f"{s['history_days'] - 1} earlier days {s['history_s']} s ({s['history_per_day_s']} s each).",
        "",
        "| `/indicators/` from snapshots | p50 ms | p95 ms | p99 ms | max ms | queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for frozen, block in ((False, d), (True, d.get("gc_frozen"))):
        if not block:
            continue
        for name in ("district", "department"):
            x = block[name]
            label = name if name == "district" else f"department `{d['department_code']}`"
            label += " after `gc.freeze()`" if frozen else ""
            lines.append(
                f"| {label} ({x['n']} requests) | {x['p50_ms']} | **{x['p95_ms']}** | {x['p99_ms']} | "
                f"{x['max_ms']} | {', '.join(str(q) for q in x['queries'])} |"
            )
    worst = max(d["district"]["p95_ms"], d["department"]["p95_ms"])
    lines += [
        "",
        f"Dashboard p95 target < {TARGET_P95_MS:.0f} ms: {'met' if worst < TARGET_P95_MS else 'NOT met'} "
        f"(a full garbage collection of the {d['gc_tracked_objects']:,} objects the process tracks: "
        f"{d['gc_full_collection_ms']} ms).",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["measure"])
    parser.add_argument("--out", type=Path, required=True, help="write the JSON result here")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--licences", type=int, default=200_000)
    parser.add_argument("--uses", type=int, default=300_000)
    parser.add_argument("--ratings", type=int, default=500_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--history-days", type=int, default=90)
    args = parser.parse_args(argv)
    result = cmd_measure(args)
    from bench.inproc import write_result

    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
